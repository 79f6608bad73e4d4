/**
 * Where a component reads the time and sets its timers. Injected so that tests drive time
 * themselves (and can reproduce a timer that wakes a hair before the clock says it is due).
 * The system clock looks the timer functions up at each call, so `node:test`'s mock timers
 * apply to it too.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
