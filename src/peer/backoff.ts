/**
 * Reconnection delays: exponential, capped, with jitter so that peers that lost the same
 * index server don't all knock on its door in the same millisecond when it comes back.
 */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** Share of each delay that is random: 0.5 → between 50 % and 100 % of the exponential step. */
  jitter: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = { initialMs: 200, maxMs: 10_000, jitter: 0.5 };

/** The delay before reconnection attempt `attempt` (0-based). `random` is injected for tests. */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const step = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(step * (1 - options.jitter * random()));
}
