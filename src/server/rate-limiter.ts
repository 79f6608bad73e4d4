/**
 * Token bucket: `perSecond` tokens a second, holding at most one second's worth, so a peer
 * may burst (registering its whole folder at once) but not sustain more than the rate.
 */
export class RateLimiter {
  private tokens: number;
  private last: number;

  constructor(private readonly perSecond: number, now: number) {
    this.tokens = perSecond;
    this.last = now;
  }

  /** 0 when a request may go now, else how many ms until one may. */
  waitMs(now: number): number {
    const elapsed = now - this.last;
    if (elapsed > 0) {
      this.tokens = Math.min(this.perSecond, this.tokens + (elapsed * this.perSecond) / 1000);
      this.last = now;
    }
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.perSecond);
  }

  consume(): void {
    this.tokens -= 1;
  }
}
