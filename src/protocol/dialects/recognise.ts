import { DIALECT_TABLE, type Dialect, type DialectId, type ServerEvidence, type ServerReaction } from './table.js';
import { SHAPE } from './shape.js';
import type { ClientStyle } from './request-encode.js';
import type { IndexMethod, IndexResponse } from '../messages.js';
import { firstFitting, indexReactions } from './reaction-index.js';

/** Lookups built once from the table: keyed maps, never a scan per request. */
const BY_ID = new Map<DialectId, Dialect>();
const SILENT = new Map<string, { dialect: Dialect; evidence: number }>();
const REQUEST_VERSIONS = new Map<string, Dialect>();
const STATUS_VERSIONS = new Map<string, Dialect>();
const REACTIONS = indexReactions<ServerReaction>(DIALECT_TABLE, (d) => d.server);
for (const d of DIALECT_TABLE) {
  if (!BY_ID.has(d.id)) BY_ID.set(d.id, d);
  for (const s of d.silentLines ?? []) SILENT.set(s.word, { dialect: d, evidence: s.evidence });
  if (d.requestVersion !== undefined) REQUEST_VERSIONS.set(d.requestVersion.toUpperCase(), d);
  if (d.statusVersion !== undefined) STATUS_VERSIONS.set(d.statusVersion.toUpperCase(), d);
}

export const SPEC_DIALECT: Dialect = BY_ID.get('spec')!;

export function dialectById(id: DialectId): Dialect {
  return BY_ID.get(id)!;
}

/** Every shape bit combination fits in this many slots: the answer per combination is cached. */
const SHAPE_SLOTS = Object.values(SHAPE).reduce((a, b) => a | b, 0) + 1;
const byShape: (Dialect | undefined)[] = new Array(SHAPE_SLOTS);

/** The dialect whose fingerprint a request's shape bits show; the spec when none does. */
export function recogniseShape(bits: number): Dialect {
  let d = byShape[bits];
  if (d === undefined) {
    d = DIALECT_TABLE.find((e) => e.matches.some((m) => (bits & m.all) === m.all && (bits & (m.none ?? 0)) === 0)) ?? SPEC_DIALECT;
    byShape[bits] = d;
  }
  return d;
}

/** A line some dialect sends where a request line is expected (`END`, `CONNECT 5000 …`), or null. */
export function silentLine(line: string): { dialect: Dialect; evidence: number } | null {
  const t = line.trim();
  const sp = t.search(/[ \t]/);
  return SILENT.get((sp === -1 ? t : t.slice(0, sp)).toUpperCase()) ?? null;
}

/** The dialect whose requests carry this version word instead of `P2P-CI/1.0`, or null. */
export function requestVersionDialect(word: string): Dialect | null {
  return REQUEST_VERSIONS.get(word.toUpperCase()) ?? null;
}

/** The dialect whose uploader writes this word where a status line has `P2P-CI/1.0`, or null. */
export function statusVersionDialect(word: string): Dialect | null {
  return STATUS_VERSIONS.get(word.toUpperCase()) ?? null;
}

/**
 * The reaction of the table to evidence from an index server, given how our client writes to
 * it now: the first entry for this evidence whose method and `when` fit, or null (nothing to
 * change: a spec server's answers never match).
 */
export function serverReaction(on: ServerEvidence, method: IndexMethod, style: ClientStyle): { dialect: Dialect; reaction: ServerReaction } | null {
  return firstFitting(REACTIONS.get(on), style, (r) => r.method === undefined || r.method === method);
}

/** What an answer's bytes show about its server, in the order they are weighed. */
export function answerEvidence(res: IndexResponse): ServerEvidence[] {
  const out: ServerEvidence[] = [];
  if (res.status === 505) out.push('status-505');
  if (res.garbledEcho === true) out.push('garbled-echo');
  if (res.mixedLineEnds === true) out.push('mixed-line-ends');
  return out;
}
