import { backoffDelay, type BackoffOptions } from './backoff.js';

/**
 * ADDs the index server answered 400: a Redis-backed server answers every request so while
 * Redis is unreachable (README "Redis unreachable"), and the connection stays up, so the
 * re-registration after a reconnect never comes. The peer's own ADDs are well-formed, so a 400
 * says "not now": they are tried again, with backoff, for as long as the peer runs.
 */
export const REFUSED_ADD_BACKOFF: Readonly<BackoffOptions> = { initialMs: 1_000, maxMs: 60_000, jitter: 0.5 };

export class RefusedAdds {
  private readonly pending = new Map<number, string>();
  private timer: NodeJS.Timeout | null = null;
  private attempt = 0;

  /** `retry` ADDs them again; each answer comes back through `refused` or `forget`. */
  constructor(
    private readonly retry: (entries: Array<[number, string]>) => Promise<void>,
    private readonly backoff: BackoffOptions,
    private readonly random: () => number,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  refused(rfc: number, title: string): void {
    this.pending.set(rfc, title);
    this.schedule();
  }

  /** Registered after all, or handed to the re-registration of a new connection. */
  forget(rfc: number): void {
    if (!this.pending.delete(rfc) || this.pending.size > 0) return;
    this.attempt = 0;
    this.stop();
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer !== null) return;
    // unref: a one-shot command that ADDs and exits is not kept alive by a retry.
    this.timer = setTimeout(() => void this.fire(), backoffDelay(this.attempt++, this.backoff, this.random)).unref();
  }

  private async fire(): Promise<void> {
    this.timer = null;
    await this.retry([...this.pending]);
    if (this.pending.size > 0) this.schedule();
  }
}
