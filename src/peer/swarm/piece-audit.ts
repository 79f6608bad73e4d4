import type { FileHandle } from 'node:fs/promises';
import { RESUMED, type PieceScheduler } from './piece-scheduler.js';
import { SourceFailed } from './socket-bytes.js';
import { labelOf, type SwarmSource } from './swarm-source.js';

export interface AuditContext {
  pieces: PieceScheduler;
  file: FileHandle;
  /** Indexed by SwarmSource.index. */
  sources: readonly SwarmSource[];
  fetch(src: SwarmSource, i: number): Promise<Buffer>;
  drop(src: SwarmSource, reason: string): void;
  write(i: number, bytes: Buffer): Promise<void>;
}

/** The sources disagree in a way the audit cannot settle: the download fails, no file. */
export class AuditFailed extends Error {
  override readonly name = 'AuditFailed';
}

/**
 * Finds who sent wrong bytes once the whole file's SHA-256 did not match the one the sources
 * agree on. There are no per-piece hashes, so each piece is fetched again from a source other
 * than the one that gave it and compared byte for byte; when the two copies differ, a third
 * source decides (two equal copies out of three win) and the odd one out is dropped as the
 * liar, its piece rewritten from the others. A source caught lying stops checking. Costs one
 * more transfer of the file — only ever after a failed check. Every source that is still
 * trusted checks in parallel, each taking pieces given by someone else.
 */
export async function auditPieces(ctx: AuditContext): Promise<void> {
  const byGiver = new Map<number, number[]>();
  for (let i = ctx.pieces.count - 1; i >= 0; i--) {
    const giver = ctx.pieces.contributor[i]!;
    let list = byGiver.get(giver);
    if (list === undefined) byGiver.set(giver, (list = []));
    list.push(i);
  }
  const nextFor = (checker: SwarmSource): number | null => {
    for (const [giver, list] of byGiver) {
      if (giver === checker.index || list.length === 0) continue;
      return list.pop()!;
    }
    return null;
  };
  const checkers = ctx.sources.filter((s) => !s.dropped);
  await Promise.all(checkers.map(async (checker) => {
    for (let i = nextFor(checker); i !== null && !checker.dropped; i = nextFor(checker)) {
      try {
        await checkPiece(ctx, checker, i);
      } catch (err) {
        // Dropped meanwhile by another checker's verdict: its fetch died with its socket, whatever the error says.
        if (!(err instanceof SourceFailed) && !checker.dropped) throw err;
        if (err instanceof SourceFailed) ctx.drop(checker, err.message);
        byGiver.get(ctx.pieces.contributor[i]!)!.push(i); // someone else checks it
      }
    }
  }));
  const left = [...byGiver.values()].reduce((n, l) => n + l.length, 0);
  if (left > 0) throw new AuditFailed(`${left} pieces could not be checked: too few sources left`);
}

async function checkPiece(ctx: AuditContext, checker: SwarmSource, i: number): Promise<void> {
  const { pieces } = ctx;
  const theirs = await ctx.fetch(checker, i);
  const mine = Buffer.allocUnsafe(pieces.pieceLength(i));
  await ctx.file.read(mine, 0, mine.length, pieces.pieceStart(i));
  if (theirs.equals(mine)) return;
  const giverIndex = pieces.contributor[i]!;
  const giver = giverIndex === RESUMED ? null : (ctx.sources[giverIndex] ?? null);
  const where = `piece ${i} (bytes ${pieces.pieceStart(i)}-${pieces.pieceStart(i) + mine.length - 1})`;
  const judge = ctx.sources.find((s) => !s.dropped && s !== checker && s !== giver);
  const giverName = giver === null ? 'an earlier run' : labelOf(giver);
  if (judge === undefined) throw new AuditFailed(`${giverName} and ${labelOf(checker)} sent different bytes for ${where}, and no third source is left to tell which is right`);
  let third: Buffer;
  try {
    third = await ctx.fetch(judge, i);
  } catch (err) {
    if (!(err instanceof SourceFailed)) throw err;
    ctx.drop(judge, err.message);
    return checkPiece(ctx, checker, i);
  }
  if (third.equals(theirs)) {
    if (giver !== null && !giver.dropped) ctx.drop(giver, `sent wrong bytes for ${where}`);
    await ctx.write(i, theirs);
    pieces.reassign(i, checker.index);
  } else if (third.equals(mine)) {
    ctx.drop(checker, `sent wrong bytes for ${where}`);
  } else {
    throw new AuditFailed(`${giverName}, ${labelOf(checker)} and ${labelOf(judge)} each sent different bytes for ${where}`);
  }
}
