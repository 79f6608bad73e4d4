import { systemClock, type Clock } from './clock.js';

/**
 * Calls `onDue(now)` once the clock has really reached a deadline. Node's timers run on the
 * event loop's cached millisecond clock, so a timer can wake while `performance.now()` is still
 * a fraction of a millisecond short of the deadline it was set for; a reader asked to complete
 * by silence would then say "not yet", and a caller that does not re-arm loses the answer.
 * This timer re-checks on waking and sleeps again for what is left, so `onDue` always gets a
 * `now` at or past the deadline — the one mechanism behind every idle completion.
 *
 * Moving a deadline later never touches the pending timer (no clearTimeout per chunk of a busy
 * connection): it fires at the old time, sees the new deadline and sleeps again.
 */
export class DeadlineTimer {
  private deadline: number | null = null;
  private handle: unknown = null;
  /** When the pending timer wakes (clock time), so an earlier deadline can re-arm it. */
  private wakeAt = Infinity;

  constructor(
    private readonly onDue: (now: number) => void,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Aims at `deadline` (clock time), or stops aiming when it is null. */
  arm(deadline: number | null): void {
    if (deadline === null) {
      this.clear();
      return;
    }
    this.deadline = deadline;
    if (this.handle !== null && this.wakeAt <= deadline) return;
    this.schedule(deadline - this.clock.now());
  }

  clear(): void {
    this.deadline = null;
    this.cancel();
  }

  private cancel(): void {
    if (this.handle !== null) this.clock.clearTimeout(this.handle);
    this.handle = null;
    this.wakeAt = Infinity;
  }

  private schedule(ms: number): void {
    this.cancel();
    // Whole milliseconds, at least one: a 0 ms timer that wakes early would spin.
    const delay = Math.max(1, Math.ceil(ms));
    this.wakeAt = this.clock.now() + delay;
    this.handle = this.clock.setTimeout(() => this.wake(), delay);
  }

  private wake(): void {
    this.handle = null;
    this.wakeAt = Infinity;
    const deadline = this.deadline;
    if (deadline === null) return;
    const now = this.clock.now();
    if (now < deadline) {
      this.schedule(deadline - now);
      return;
    }
    this.deadline = null;
    this.onDue(now);
  }
}
