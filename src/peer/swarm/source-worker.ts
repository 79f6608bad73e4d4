import type { Claim, PieceScheduler } from './piece-scheduler.js';
import { requestRange, asSourceFailure, type SourceAnswer } from './range-request.js';
import { readAnswer, type FetchContext } from './source-fetch.js';
import type { SwarmSource } from './swarm-source.js';

/** What one source's worker needs from its run. */
export interface WorkerHost extends FetchContext {
  readonly pieces: PieceScheduler | null;
  readonly stopped: boolean;
  readonly activeSources: number;
  /** The first request while the size is unknown; false if another worker is making it. */
  probe(src: SwarmSource): Promise<boolean>;
  changed(timeoutMs?: number): Promise<void>;
  notify(): void;
  /** Ends the run for an error no other source can fix (the disk); true if `err` is one. */
  fatalError(err: unknown): boolean;
  drop(src: SwarmSource, reason: string, dialectHint?: boolean): void;
}

interface Request {
  claim: Claim;
  started: number;
  answer: Promise<SourceAnswer>;
}

/**
 * One source's loop: ask the scheduler for a claim, fetch it, repeat until the run stops or
 * the source is dropped. The next claim's request is opened while the last piece of the
 * current one is read, so a source never idles for a connection's set-up between two runs
 * (on a busy machine that gap was a tenth of a 1 MiB piece's time).
 */
export async function runSourceWorker(host: WorkerHost, src: SwarmSource): Promise<void> {
  let next: Request | null = null;
  const open = (pieces: PieceScheduler): Request | null => {
    const claim = pieces.finished ? null : pieces.claim(src.index, host.activeSources, performance.now());
    if (claim === null) return null;
    const first = pieces.pieceStart(claim.first);
    const lastPiece = claim.first + claim.count - 1;
    const answer = requestRange(src.peer, host.rfc, first, pieces.pieceStart(lastPiece) + pieces.pieceLength(lastPiece) - 1, host.request);
    answer.catch(() => {}); // awaited below, or dropped with the worker
    return { claim, started: performance.now(), answer };
  };
  try {
    while (!host.stopped && !src.dropped) {
      const pieces = host.pieces;
      try {
        if (pieces === null) {
          if (!(await host.probe(src))) await host.changed();
          continue;
        }
        const current = next ?? open(pieces);
        next = null;
        if (current === null) {
          await host.changed(50); // endgame rates change as pieces finish
          continue;
        }
        try {
          await readAnswer(host, pieces, src, await current.answer, current.claim, current.started, () => {
            if (next === null && !host.stopped && !src.dropped) next = open(pieces);
          });
        } finally {
          pieces.release(src.index, current.claim.first, current.claim.count);
          host.notify();
        }
      } catch (err) {
        if (host.fatalError(err) || host.stopped) return;
        const failure = asSourceFailure(err);
        host.drop(src, failure.message, failure.dialectHint);
      }
    }
  } finally {
    const left = next as Request | null;
    if (left !== null) {
      host.pieces?.release(src.index, left.claim.first, left.claim.count);
      void left.answer.then((a) => a.kind !== 'unsatisfiable' && a.socket.destroy(), () => {});
      host.notify();
    }
  }
}
