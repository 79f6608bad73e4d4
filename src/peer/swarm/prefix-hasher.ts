import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import type { PieceScheduler } from './piece-scheduler.js';

/**
 * SHA-256 of the partial file, computed while the download runs: whenever the pieces from
 * where it stands on are done, it reads them back (from the page cache, just written) and
 * hashes them, so at the end only the last pieces remain to hash. Pieces arrive out of order;
 * the hash can only move forward, so a revert below its position starts it over.
 */
export class PrefixHasher {
  private hash: Hash = createHash('sha256');
  private next = 0;
  private running: Promise<void> | null = null;
  private generation = 0;
  private readonly buf: Buffer;
  private failure: unknown = null;
  private revision = 0;

  constructor(private readonly file: FileHandle, private readonly pieces: PieceScheduler) {
    this.buf = Buffer.allocUnsafe(pieces.pieceBytes);
  }

  /** Something was completed: hash what has become contiguous. */
  poke(): void {
    this.running ??= this.advance().finally(() => (this.running = null));
  }

  /** Pieces changed below the hashed position: hash again from the start. */
  restart(): void {
    this.generation++;
    this.hash = createHash('sha256');
    this.next = 0;
  }

  /** The digest of the whole file, hex; every piece must be done. */
  async digest(): Promise<string> {
    for (;;) {
      await this.running;
      if (this.failure !== null) throw this.failure;
      if (this.revision !== this.pieces.revision) {
        this.poke();
        continue;
      }
      if (this.next >= this.pieces.count) return this.hash.digest('hex');
      if (!this.pieces.isDone(this.next)) throw new Error(`piece ${this.next} is not done yet`);
      this.poke();
    }
  }

  private async advance(): Promise<void> {
    try {
      for (;;) {
        if (this.revision !== this.pieces.revision) {
          this.revision = this.pieces.revision;
          this.restart();
        }
        const gen = this.generation;
        const i = this.next;
        if (i >= this.pieces.count || !this.pieces.isDone(i)) return;
        const len = this.pieces.pieceLength(i);
        const { bytesRead } = await this.file.read(this.buf, 0, len, this.pieces.pieceStart(i));
        if (bytesRead !== len) throw new Error(`the partial file is short at piece ${i}`);
        if (gen !== this.generation || !this.pieces.isDone(i)) continue; // restarted meanwhile
        this.hash.update(this.buf.subarray(0, len));
        this.next = i + 1;
      }
    } catch (err) {
      this.failure = err;
    }
  }
}
