/**
 * The two clocks of a connection's unfinished request: the idle gap after which it is
 * processed with what it has (§6), and the header timeout after which a request still not
 * complete closes the connection (slowloris). Both are re-armed after every turn of reading.
 */
export interface RequestProgress {
  /** When the request in progress completes by idleness, or null. */
  idleDeadline(): number | null;
  /** A request has begun and is not complete. */
  readonly inRequest: boolean;
}

export class RequestTimers {
  private idleTimer: NodeJS.Timeout | null = null;
  private headerTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly headerTimeoutMs: number,
    private readonly now: () => number,
    private readonly onIdle: () => void,
    private readonly onHeaderTimeout: () => void,
  ) {}

  arm(progress: RequestProgress): void {
    const deadline = progress.idleDeadline();
    if (deadline !== null && this.idleTimer === null) {
      this.idleTimer = setTimeout(() => {
        this.idleTimer = null;
        this.onIdle();
      }, Math.max(0, deadline - this.now()));
    }
    if (progress.inRequest) {
      if (this.headerTimer === null && this.headerTimeoutMs > 0) {
        this.headerTimer = setTimeout(() => {
          this.headerTimer = null;
          this.onHeaderTimeout();
        }, this.headerTimeoutMs);
      }
    } else if (this.headerTimer !== null) {
      clearTimeout(this.headerTimer);
      this.headerTimer = null;
    }
  }

  clear(): void {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    if (this.headerTimer !== null) clearTimeout(this.headerTimer);
    this.idleTimer = this.headerTimer = null;
  }
}
