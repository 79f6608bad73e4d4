import type { FileHandle } from 'node:fs/promises';
import { PIECE_BYTES, PieceScheduler, RESUMED } from './piece-scheduler.js';
import { PrefixHasher } from './prefix-hasher.js';
import { requestRange, type RangeRequestOptions, type SourceAnswer } from './range-request.js';
import { fetchPiece, readAnswer } from './source-fetch.js';
import { runSourceWorker, type WorkerHost } from './source-worker.js';
import { SourceFailed } from './socket-bytes.js';
import { digestVote, labelOf, type SwarmSource } from './swarm-source.js';
import { auditPieces } from './piece-audit.js';
import { saveResumeState, type PartialPaths, type ResumeState } from './resume-state.js';
import { LocalWriteError, describeFsError } from '../temp-file.js';

export interface SwarmProgress {
  bytes: number;
  total: number;
  activeSources: number;
}

export interface RunOptions {
  rfc: number;
  maxSources: number;
  request: RangeRequestOptions;
  saveIntervalMs: number;
  signal?: AbortSignal;
  onProgress?(p: SwarmProgress): void;
}

/** How a run ended without a verified file. `keep`: the partial file and its state stay for a resume. */
export class RunFailed extends Error {
  constructor(message: string, readonly keep: boolean, readonly interrupted = false) {
    super(message);
  }
}

/**
 * One swarm download: up to `maxSources` workers, one per source, each asking the scheduler
 * what to fetch; the run writes pieces, keeps the resume state, votes on the digest, verifies
 * and, if the check fails, audits. Dropping a source is decided here, never by its worker.
 */
export class SwarmRun implements WorkerHost {
  readonly rfc: number;
  readonly request: RangeRequestOptions;
  pieces: PieceScheduler | null = null;
  private hasher: PrefixHasher | null = null;
  resumedFrom = 0;
  private probing = false;
  private waiters: Array<() => void> = [];
  private fatal: Error | null = null;
  stopped = false;
  private nextSpare = 0;
  private active = 0;
  private saveTimer: NodeJS.Timeout | null = null;
  private saving: Promise<void> = Promise.resolve();
  private savePending = false;
  readonly sources: SwarmSource[];

  constructor(private readonly opts: RunOptions, peers: readonly { host: string; port: number }[], private readonly file: FileHandle, private readonly paths: PartialPaths, private saved: ResumeState | null) {
    this.rfc = opts.rfc;
    this.request = opts.request;
    this.sources = peers.map((peer, index) => ({ peer, index, bytes: 0, dropped: false, digest: null, socket: null, streaming: false }));
  }

  /** Resolves with the file's SHA-256 once every piece is on disk and, if any source reported one, matches it. */
  async run(): Promise<string> {
    const onAbort = () => this.fail(new RunFailed('interrupted', true, true));
    this.opts.signal?.addEventListener('abort', onAbort);
    try {
      while (this.active < this.opts.maxSources && this.startSpare());
      for (;;) {
        if (this.fatal !== null) throw this.fatal;
        if (this.pieces?.finished === true) {
          const verified = await this.verify();
          if (verified !== undefined) return verified;
          await this.changed(50);
          continue;
        }
        if (this.active === 0 && !this.startSpare()) throw new RunFailed(`from every peer: ${this.failures()}`, this.pieces !== null);
        await this.changed();
      }
    } finally {
      this.stopped = true;
      this.opts.signal?.removeEventListener('abort', onAbort);
      for (const s of this.sources) s.socket?.destroy();
      this.notify();
      if (this.saveTimer !== null) clearTimeout(this.saveTimer);
      await this.saving.catch(() => {});
    }
  }

  /** Saves the resume state now (after a failure that keeps the partial file). */
  async saveNow(): Promise<void> {
    await this.saving.catch(() => {});
    if (this.pieces !== null) await this.save(true);
  }

  failures(): string {
    return this.sources.filter((s) => s.dropped).map((s) => `${labelOf(s)} ${s.reason}`).join('; ');
  }

  digestKnown(): boolean {
    return this.sources.some((s) => s.digest !== null);
  }

  checkAnswer(src: SwarmSource, answer: SourceAnswer): void {
    const pieces = this.pieces!;
    if (answer.size !== pieces.size) throw new SourceFailed(`has ${answer.size} bytes, the others ${pieces.size}`);
    if (answer.kind === 'unsatisfiable' || answer.digest === null) return;
    src.digest = answer.digest;
    // Two or more sources agree on another digest than this one: it is outvoted at once.
    const vote = digestVote(this.sources);
    const agreeing = this.sources.filter((s) => s.digest === vote.winner).length;
    if (vote.winner !== null && vote.winner !== src.digest && agreeing >= 2) throw new SourceFailed(`reports SHA-256 ${src.digest}, the others ${vote.winner}`);
  }

  async deliver(src: SwarmSource, i: number, bytes: Buffer, ms: number): Promise<void> {
    const pieces = this.pieces!;
    if (this.stopped || src.dropped || !pieces.beginWrite(src.index, i)) return;
    await this.writePiece(i, bytes);
    pieces.written(src.index, i, ms);
    src.bytes += bytes.length;
    this.hasher!.poke();
    this.opts.onProgress?.({ bytes: pieces.doneBytes, total: pieces.size, activeSources: this.active });
    this.scheduleSave();
    this.notify();
  }

  private async writePiece(i: number, bytes: Buffer): Promise<void> {
    try {
      await this.file.write(bytes, 0, bytes.length, this.pieces!.pieceStart(i));
    } catch (err) {
      const e = new LocalWriteError(`cannot write into the folder: ${describeFsError(err)}`);
      this.fail(e);
      throw e;
    }
  }

  private startSpare(): boolean {
    while (this.nextSpare < this.sources.length) {
      const src = this.sources[this.nextSpare++]!;
      if (src.dropped) continue;
      this.active++;
      void runSourceWorker(this, src).finally(() => {
        this.active--;
        if (!this.stopped && this.active < this.opts.maxSources) this.startSpare();
        this.notify();
      });
      return true;
    }
    return false;
  }

  /** The first request, made while the size is unknown: it asks for piece 0 and learns the size. */
  async probe(src: SwarmSource): Promise<boolean> {
    if (this.probing) return false;
    this.probing = true;
    let answer: SourceAnswer;
    const started = performance.now();
    try {
      answer = await requestRange(src.peer, this.rfc, 0, PIECE_BYTES - 1, this.request);
      // Byte 0 is past the end of an empty file only: any other 416 here is nonsense.
      if (answer.kind === 'unsatisfiable' && answer.size !== 0) throw new SourceFailed(`answered 416 for byte 0 of a ${answer.size}-byte file`);
      if (this.pieces === null) await this.begin(answer.size, answer.kind === 'unsatisfiable' ? null : answer.digest);
    } finally {
      this.probing = false;
      this.notify();
    }
    // The probe's range is piece 0: its bytes are used like any other claim's.
    const pieces = this.pieces!;
    if (answer.kind === 'unsatisfiable' || pieces.count === 0 || !pieces.claimPassing(src.index, 0, started)) {
      if (answer.kind !== 'unsatisfiable') answer.socket.destroy();
      this.checkAnswer(src, answer);
      return true;
    }
    try {
      await readAnswer(this, pieces, src, answer, { first: 0, count: 1, race: false }, started);
    } finally {
      pieces.release(src.index, 0, 1);
    }
    return true;
  }

  get activeSources(): number {
    return this.active;
  }

  fatalError(err: unknown): boolean {
    if (!(err instanceof LocalWriteError || err instanceof RunFailed)) return false;
    this.fail(err);
    return true;
  }

  /** The size is known: set up the pieces, keeping what the resume state says is done if it still fits. */
  private async begin(size: number, digest: string | null): Promise<void> {
    const s = this.saved;
    const pieces = new PieceScheduler(size);
    if (s !== null && s.size === size && s.pieceBytes === pieces.pieceBytes && (digest === null || s.sha256 === null || s.sha256 === digest)) {
      pieces.restore(s.done);
      this.resumedFrom = pieces.doneBytes;
    } else {
      this.saved = null;
      await this.file.truncate(0);
    }
    this.pieces = pieces;
    this.hasher = new PrefixHasher(this.file, pieces);
    this.hasher.poke();
  }

  drop(src: SwarmSource, reason: string, dialectHint = false): void {
    if (src.dropped) return;
    src.dropped = true;
    src.reason = reason;
    if (dialectHint) src.dialectHint = true;
    src.socket?.destroy();
    // A source outvoted on the digest may have sent anything: its pieces are fetched again.
    if (reason.startsWith('reports SHA-256')) this.pieces?.revert(src.index);
    this.notify();
  }

  /**
   * Every piece is on disk. undefined: pieces were taken back, download on. Otherwise the
   * file's SHA-256: the one the sources agree on, or (none reported one) just what was received.
   */
  private async verify(): Promise<string | undefined> {
    const pieces = this.pieces!;
    const hasher = this.hasher!;
    const vote = digestVote(this.sources);
    // 1.0 sources only: length is all there is to check, and a whole-file stream still being
    // read may yet prove misplaced (and take its pieces back).
    if (vote.winner === null && !vote.tie && this.sources.some((s) => s.streaming && !s.dropped)) return undefined;
    const local = await hasher.digest().catch((err: unknown) => {
      if (pieces.finished) throw err;
      return null; // pieces were taken back meanwhile
    });
    if (local === null) return undefined;
    if (vote.winner === null && !vote.tie) return local;
    const expected = vote.winner ?? digestVote(this.sources, local).winner;
    if (expected === null) throw new RunFailed(`the sources report different SHA-256s and none is a majority: ${this.digestList()}`, false);
    let reverted = 0;
    for (const s of this.sources) {
      if (s.digest === null || s.digest === expected) continue;
      if (!s.dropped) this.drop(s, `reports SHA-256 ${s.digest}, the others ${expected}`);
      reverted += pieces.revert(s.index);
    }
    if (this.saved?.sha256 != null && this.saved.sha256 !== expected) reverted += pieces.revert(RESUMED); // an older version's pieces
    if (reverted > 0) return undefined; // the hash starts over by itself (revision)
    if (local === expected) return expected;
    await auditPieces({
      pieces, file: this.file, sources: this.sources,
      fetch: (src, i) => fetchPiece(this, pieces, src, i),
      drop: (src, reason) => this.drop(src, reason),
      write: (i, bytes) => this.writePiece(i, bytes),
    });
    hasher.restart();
    const again = await hasher.digest();
    if (again !== expected) throw new RunFailed(`the file's SHA-256 is ${again}, the sources report ${expected}, and checking every piece found no culprit`, false);
    return expected;
  }

  private digestList(): string {
    return this.sources.filter((s) => s.digest !== null).map((s) => `${labelOf(s)} ${s.digest}`).join(', ');
  }

  private fail(err: Error): void {
    this.fatal ??= err;
    this.stopped = true;
    for (const s of this.sources) s.socket?.destroy();
    this.notify();
  }

  changed(timeoutMs?: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = timeoutMs === undefined ? null : setTimeout(resolve, timeoutMs);
      this.waiters.push(() => {
        if (timer !== null) clearTimeout(timer);
        resolve();
      });
    });
  }

  notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /**
   * Once a source reported the SHA-256, the state is a hint the final check verifies (a piece
   * it lists that a power loss took from the disk fails the check, and the audit fetches it
   * again): it is rewritten without fdatasync at most every 20 ms, so a kill loses next to
   * nothing. Without a digest the state is all there is: fdatasync first, at most every
   * `saveIntervalMs`. At most one save runs and one waits.
   */
  private scheduleSave(): void {
    if (this.saveTimer !== null || this.savePending || this.stopped) return;
    const durable = !this.digestKnown();
    const queue = () => {
      this.saveTimer = null;
      this.savePending = true;
      this.saving = this.saving
        .then(() => {
          this.savePending = false;
          return this.stopped ? undefined : this.save(durable);
        })
        .catch((err: unknown) => this.fail(new LocalWriteError(`cannot save the download state: ${describeFsError(err)}`)));
    };
    this.saveTimer = setTimeout(queue, durable ? this.opts.saveIntervalMs : Math.min(20, this.opts.saveIntervalMs));
  }

  private save(durable: boolean): Promise<void> {
    const p = this.pieces!;
    const sha256 = digestVote(this.sources).winner;
    return saveResumeState(this.paths, this.file, { rfc: this.rfc, size: p.size, pieceBytes: p.pieceBytes, sha256 }, (i) => p.isDone(i), p.count, durable);
  }
}
