/**
 * A token bucket shared by every transfer of one upload server (`p2pci peer --upload-limit`):
 * together they send at most `bytesPerSecond`, in the order they asked: over any span of t
 * seconds, at most one burst plus t × rate. A chunk bigger than the bucket goes once the bucket
 * is full and leaves it in debt, so the average stays at the rate whatever the chunk size.
 */
export class UploadRateLimit {
  private tokens: number;
  private last = performance.now();
  private readonly waiters: Array<{ bytes: number; go: () => void }> = [];
  private timer: NodeJS.Timeout | null = null;
  /**
   * Most bytes sent in one burst after an idle spell: 250 ms worth, at least 64 KiB — enough
   * that a timer firing late on a busy machine doesn't lose the tokens it should have added.
   */
  private readonly burst: number;

  constructor(readonly bytesPerSecond: number) {
    if (!(bytesPerSecond > 0)) throw new RangeError(`upload limit must be positive, got ${bytesPerSecond}`);
    this.burst = Math.max(64 * 1024, bytesPerSecond / 4);
    this.tokens = this.burst;
  }

  /** Resolves when `bytes` may be sent. */
  take(bytes: number): Promise<void> {
    this.refill();
    if (this.waiters.length === 0 && this.tokens >= this.need(bytes)) {
      this.tokens -= bytes;
      return Promise.resolve();
    }
    return new Promise((go) => {
      this.waiters.push({ bytes, go });
      this.schedule();
    });
  }

  /** Forgets the waiters (server closing); their transfers are being destroyed anyway. */
  close(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.waiters.length = 0;
  }

  private need(bytes: number): number {
    return Math.min(bytes, this.burst);
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.bytesPerSecond) / 1000);
    this.last = now;
  }

  private schedule(): void {
    if (this.timer !== null || this.waiters.length === 0) return;
    const waitMs = Math.max(0, ((this.need(this.waiters[0]!.bytes) - this.tokens) * 1000) / this.bytesPerSecond);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.refill();
      while (this.waiters.length > 0 && this.tokens >= this.need(this.waiters[0]!.bytes)) {
        const w = this.waiters.shift()!;
        this.tokens -= w.bytes;
        w.go();
      }
      this.schedule();
    }, Math.ceil(waitMs));
  }
}

/** The chunks of `source`, each released when the limit allows. */
export async function* throttled(source: AsyncIterable<Buffer>, limit: UploadRateLimit): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    await limit.take(chunk.length);
    yield chunk;
  }
}
