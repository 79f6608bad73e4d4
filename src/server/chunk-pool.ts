import type { ChunkSource } from '../protocol/index.js';

/**
 * Reused output chunks for LIST (record-chunks.ts): a chunk goes back once the socket has
 * written it, so a big LIST cycles through a few chunks instead of allocating one per 64 KiB.
 * At most `maxFree` are kept between LISTs.
 */
export class ChunkPool implements ChunkSource {
  private readonly free: Buffer[] = [];

  constructor(
    readonly chunkSize: number,
    private readonly maxFree: number,
  ) {}

  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.chunkSize);
  }

  give(chunk: Buffer): void {
    if (chunk.length === this.chunkSize && this.free.length < this.maxFree) this.free.push(chunk);
  }
}
