import type { Dialect } from './table.js';

/** A table reaction, in either direction: the evidence it answers and the style it applies in. */
interface Reaction<S> {
  readonly on: string;
  readonly when: Partial<S>;
}

export interface Indexed<R> {
  readonly dialect: Dialect;
  readonly reaction: R;
}

/**
 * The reactions of every table entry, keyed (by `keyOf`, the evidence by default), in table
 * order: both directions — the index client's `server` and the downloader's `uploader`
 * reactions — look evidence up in one of these rather than scanning the table.
 */
export function indexReactions<R extends Reaction<unknown>>(
  table: readonly Dialect[], reactionsOf: (d: Dialect) => readonly R[] | undefined, keyOf: (r: R, d: Dialect) => string = (r) => r.on,
): Map<string, Indexed<R>[]> {
  const index = new Map<string, Indexed<R>[]>();
  for (const dialect of table) {
    for (const reaction of reactionsOf(dialect) ?? []) {
      const key = keyOf(reaction, dialect);
      const list = index.get(key) ?? [];
      list.push({ dialect, reaction });
      index.set(key, list);
    }
  }
  return index;
}

/** The first of `candidates` whose `when` holds for `style` (and that `also` accepts). */
export function firstFitting<S, R extends Reaction<S>>(candidates: readonly Indexed<R>[] | undefined, style: S, also: (r: R) => boolean = () => true): Indexed<R> | null {
  for (const e of candidates ?? []) {
    const when = e.reaction.when;
    if (also(e.reaction) && (Object.keys(when) as (keyof S)[]).every((k) => when[k] === style[k])) return e;
  }
  return null;
}
