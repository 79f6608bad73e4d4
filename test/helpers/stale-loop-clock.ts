/**
 * A stand-in for the event loop's timers and `performance.now()`, installed globally for a
 * short window of a test, that reproduces how libuv really schedules: a timer set inside an
 * I/O callback counts from the loop time cached at the start of that loop turn, which can be
 * milliseconds older than `performance.now()`. Such a timer wakes before the high-resolution
 * clock reaches the deadline it was computed for — the race behind answers lost on idle
 * completion. Code under test uses the global functions, old and new alike, so a test built
 * on this fails on code that trusts the first wake-up and passes on code that re-checks.
 *
 *   const clock = StaleLoopClock.install({ now: 1000, loopTime: 998.5 });
 *   …bytes arrive; the code under test arms its timer…
 *   clock.advance(300);
 *   clock.uninstall();
 */
interface FakeTimer {
  id: number;
  due: number;
  fn: () => void;
  ms: number;
  cleared: boolean;
}

export class StaleLoopClock {
  private timers: FakeTimer[] = [];
  private nextId = 1;
  private readonly saved = { setTimeout, clearTimeout, now: performance.now.bind(performance) };
  private armedWaiters: Array<{ match: (ms: number) => boolean; resolve: () => void }> = [];

  private constructor(
    /** What `performance.now()` says. */
    public time: number,
    /** The cached loop time that timers set now count from (≤ time). */
    public loopTime: number,
  ) {}

  static install(start: { now: number; loopTime: number }): StaleLoopClock {
    const clock = new StaleLoopClock(start.now, start.loopTime);
    const g = globalThis as unknown as Record<string, unknown>;
    g.setTimeout = (fn: () => void, ms?: number) => clock.set(fn, ms ?? 0);
    g.clearTimeout = (handle: unknown) => clock.clear(handle);
    performance.now = () => clock.time;
    return clock;
  }

  uninstall(): void {
    const g = globalThis as unknown as Record<string, unknown>;
    g.setTimeout = this.saved.setTimeout;
    g.clearTimeout = this.saved.clearTimeout;
    performance.now = this.saved.now;
  }

  /** Resolves once the code under test sets a timer whose delay `match`es. */
  timerSet(match: (ms: number) => boolean): Promise<void> {
    return new Promise((resolve) => this.armedWaiters.push({ match, resolve }));
  }

  /** Moves time on by `ms`, running every timer that falls due, in order, each at its due time. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const next = this.timers.filter((t) => !t.cleared && t.due <= end).sort((a, b) => a.due - b.due || a.id - b.id)[0];
      if (next === undefined) break;
      this.timers = this.timers.filter((t) => t !== next);
      // Inside a timer callback the loop time is fresh: it is the moment the timer ran.
      this.time = Math.max(this.time, next.due);
      this.loopTime = this.time;
      next.fn();
    }
    this.time = end;
    this.loopTime = end;
  }

  private set(fn: () => void, ms: number): object {
    // libuv keeps whole milliseconds and counts from the cached loop time.
    const whole = Math.max(1, Math.trunc(ms));
    const timer: FakeTimer = { id: this.nextId++, due: this.loopTime + whole, fn, ms, cleared: false };
    this.timers.push(timer);
    for (const w of this.armedWaiters.filter((x) => x.match(ms))) {
      this.armedWaiters = this.armedWaiters.filter((x) => x !== w);
      w.resolve();
    }
    return { id: timer.id, unref() { return this; }, ref() { return this; }, hasRef: () => false, refresh() { return this; } };
  }

  private clear(handle: unknown): void {
    const ours = this.timers.find((t) => t.id === (handle as { id?: number } | null)?.id);
    if (ours !== undefined) ours.cleared = true;
    else this.saved.clearTimeout(handle as NodeJS.Timeout); // a real timer set before install
  }
}
