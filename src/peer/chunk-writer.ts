import type { FileHandle } from 'node:fs/promises';

/**
 * Writes a download's chunks to its file in arrival order while the socket goes on being read.
 * Chunks that arrive while a write is on the disk are gathered and written by one `writev`,
 * as `fs.WriteStream` does: one write per 64 KB socket chunk cost a thread-pool round trip
 * each, and at eight concurrent gigabyte downloads the four pool threads were the bottleneck.
 *
 * `push` returns at once while fewer than `maxPendingBytes` are waiting for the disk, and
 * otherwise once the disk has caught up: memory stays bounded whatever the network's pace.
 * The first write error is kept and thrown by the next `push` or by `drain`.
 */
export class ChunkWriter {
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private pendingBytes = 0;
  private writtenBytes = 0;
  private running: Promise<void> | null = null;
  private failure: { error: unknown } | null = null;

  constructor(
    private readonly file: FileHandle,
    private readonly maxPendingBytes: number,
    /** Called after each write with the bytes on disk so far (for a progress bar). */
    private readonly onWritten?: (bytesWritten: number) => void,
  ) {}

  /** Bytes handed to `push` and not yet written. */
  get pending(): number {
    return this.pendingBytes;
  }

  async push(chunk: Buffer): Promise<void> {
    this.throwIfFailed();
    if (chunk.length === 0) return;
    this.batch.push(chunk);
    this.batchBytes += chunk.length;
    this.pendingBytes += chunk.length;
    this.running ??= this.writeBatches();
    if (this.pendingBytes >= this.maxPendingBytes) await this.running;
    this.throwIfFailed();
  }

  /** Resolves once every pushed byte is written; throws the write error if there was one. */
  async drain(): Promise<void> {
    await this.running;
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure !== null) throw this.failure.error;
  }

  /** Never rejects: a failure is kept for push/drain, and what was still queued is dropped. */
  private async writeBatches(): Promise<void> {
    try {
      while (this.batch.length > 0) {
        const buffers = this.batch;
        const bytes = this.batchBytes;
        this.batch = [];
        this.batchBytes = 0;
        await writeAll(this.file, buffers);
        this.pendingBytes -= bytes;
        this.writtenBytes += bytes;
        this.onWritten?.(this.writtenBytes);
      }
    } catch (error) {
      this.failure ??= { error };
      this.batch = [];
      this.batchBytes = 0;
    } finally {
      this.running = null;
    }
  }
}

/**
 * libuv already retries a short write, but returns the short count (no error) when the retry
 * fails — e.g. the disk filled up mid-write. Writing the rest again surfaces that error
 * (ENOSPC) instead of a file silently shorter than what was received.
 */
async function writeAll(file: FileHandle, buffers: Buffer[]): Promise<void> {
  let rest = buffers;
  while (rest.length > 0) {
    const { bytesWritten } = await file.writev(rest);
    if (bytesWritten === 0) throw Object.assign(new Error('the file system accepted no more bytes'), { code: 'ENOSPC' });
    rest = dropFront(rest, bytesWritten);
  }
}

function dropFront(buffers: Buffer[], bytes: number): Buffer[] {
  let i = 0;
  let left = bytes;
  while (i < buffers.length && left >= buffers[i]!.length) left -= buffers[i++]!.length;
  const rest = buffers.slice(i);
  if (left > 0) rest[0] = rest[0]!.subarray(left);
  return rest;
}
