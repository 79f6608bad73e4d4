import type { PieceScheduler, Claim } from './piece-scheduler.js';
import { asSourceFailure, requestRange, type RangeRequestOptions, type SourceAnswer } from './range-request.js';
import { SourceFailed } from './socket-bytes.js';
import type { SwarmSource } from './swarm-source.js';

/** What a source's fetch needs from the run that owns it. */
export interface FetchContext {
  rfc: number;
  request: RangeRequestOptions;
  /** Checks a fresh answer against the swarm (size, digest); throws SourceFailed to drop the source. */
  checkAnswer(src: SwarmSource, answer: SourceAnswer): void;
  /** Piece `i` arrived whole from `src`: the run writes it if this copy is the first. */
  deliver(src: SwarmSource, i: number, bytes: Buffer, ms: number): Promise<void>;
  /** True once a source reported the file's SHA-256: misplaced bytes would then be caught. */
  digestKnown(): boolean;
}

/**
 * Reads the pieces of `claim` from a source's answer to the ranged GET that asked for them,
 * handing each to the run as soon as it is whole; `beforeLast` is called as the last one
 * begins. A 1.0 source answers 200 with the whole file: it is then read as a stream from
 * byte 0 (`streamWhole`), never taken for the range.
 */
export async function readAnswer(ctx: FetchContext, pieces: PieceScheduler, src: SwarmSource, answer: SourceAnswer, claim: Claim, started: number, beforeLast?: () => void): Promise<void> {
  const first = pieces.pieceStart(claim.first);
  const lastPiece = claim.first + claim.count - 1;
  try {
    if (answer.kind !== 'unsatisfiable') src.socket = answer.socket;
    ctx.checkAnswer(src, answer);
    if (answer.kind === 'unsatisfiable') throw new SourceFailed(`answered 416 for bytes ${first}- of a ${answer.size}-byte file`);
    if (answer.kind === 'whole') {
      pieces.release(src.index, claim.first, claim.count);
      await streamWhole(ctx, pieces, src, answer);
      return;
    }
    let t = started;
    for (let i = claim.first; i <= lastPiece; i++) {
      // Finished by a racer or handed to another source: the rest of the run is not ours to read.
      if (!pieces.holds(src.index, i)) return;
      if (i === lastPiece) beforeLast?.();
      const buf = Buffer.allocUnsafe(pieces.pieceLength(i));
      await answer.body.readInto(buf, 0, buf.length);
      const now = performance.now();
      await ctx.deliver(src, i, buf, now - t);
      t = now;
    }
    if (answer.body.heldBytes > 0) throw new SourceFailed('sent more bytes than the range');
  } finally {
    if (answer.kind !== 'unsatisfiable') answer.socket.destroy();
    src.socket = null;
  }
}

/**
 * A whole-file answer, read from byte 0: each piece nobody has or fetches is taken as the
 * stream passes it, the others are skipped. It is closed once nothing after it is missing —
 * if a digest will check the result; without one, the stream is read to its end, because
 * only an exact length shows the body was located right (§6) — and if it was not, every
 * piece it gave is taken back.
 */
async function streamWhole(ctx: FetchContext, pieces: PieceScheduler, src: SwarmSource, answer: Extract<SourceAnswer, { kind: 'whole' }>): Promise<void> {
  let holding = -1;
  let ended = false;
  src.streaming = true;
  try {
    let t = performance.now();
    for (let i = 0; i < pieces.count; i++) {
      if (!pieces.missingFrom(i) && ctx.digestKnown()) return;
      const len = pieces.pieceLength(i);
      if (!pieces.claimPassing(src.index, i, performance.now())) {
        await answer.body.skip(len);
        continue;
      }
      holding = i;
      const buf = Buffer.allocUnsafe(len);
      await answer.body.readInto(buf, 0, len);
      const now = performance.now();
      await ctx.deliver(src, i, buf, now - t);
      t = now;
      holding = -1;
    }
    ended = await answer.body.endsHere();
    if (!ended) throw new SourceFailed(`sent more than Content-Length ${answer.size}: where its body starts can't be told, its pieces are fetched again`);
  } finally {
    src.streaming = false;
    if (holding >= 0) pieces.release(src.index, holding, 1);
    // Without a digest, only a body that ended exactly at Content-Length shows it was placed right.
    if (!ended && !ctx.digestKnown()) pieces.revert(src.index);
  }
}

/** Piece `i` from `src` alone, into memory (an audit's second or third copy). */
export async function fetchPiece(ctx: FetchContext, pieces: PieceScheduler, src: SwarmSource, i: number): Promise<Buffer> {
  const first = pieces.pieceStart(i);
  const len = pieces.pieceLength(i);
  const answer = await requestRange(src.peer, ctx.rfc, first, first + len - 1, ctx.request);
  if (answer.kind === 'unsatisfiable') throw new SourceFailed(`answered 416 for bytes ${first}-${first + len - 1}`);
  try {
    src.socket = answer.socket;
    ctx.checkAnswer(src, answer);
    if (answer.kind === 'whole') await answer.body.skip(first);
    const buf = Buffer.allocUnsafe(len);
    await answer.body.readInto(buf, 0, len);
    return buf;
  } catch (err) {
    throw asSourceFailure(err); // a reset or a socket destroyed under the read is the source's failure
  } finally {
    answer.socket.destroy();
    src.socket = null;
  }
}
