import { DeadlineTimer } from '../clock/deadline-timer.js';
import type { Clock } from '../clock/clock.js';

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
  private readonly idle: DeadlineTimer;
  private headerTimer: unknown = null;

  constructor(
    private readonly headerTimeoutMs: number,
    private readonly clock: Clock,
    onIdle: (now: number) => void,
    private readonly onHeaderTimeout: () => void,
  ) {
    this.idle = new DeadlineTimer(onIdle, clock);
  }

  arm(progress: RequestProgress): void {
    this.idle.arm(progress.idleDeadline());
    if (progress.inRequest) {
      if (this.headerTimer === null && this.headerTimeoutMs > 0) {
        this.headerTimer = this.clock.setTimeout(() => {
          this.headerTimer = null;
          this.onHeaderTimeout();
        }, this.headerTimeoutMs);
      }
    } else if (this.headerTimer !== null) {
      this.clock.clearTimeout(this.headerTimer);
      this.headerTimer = null;
    }
  }

  clear(): void {
    this.idle.clear();
    if (this.headerTimer !== null) this.clock.clearTimeout(this.headerTimer);
    this.headerTimer = null;
  }
}
