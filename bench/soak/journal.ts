/**
 * What happened, for the report: the driver's events (the last few are printed with every
 * violation), the counters of the summary line, and the violations themselves.
 */
export class Journal {
  events = 0;
  kills = 0;
  restarts = 0;
  downloads = 0;
  readonly violations: string[] = [];
  private readonly recent: string[] = [];
  private readonly t0 = performance.now();
  private readonly seen = new Set<string>();

  constructor(readonly seed: number, private readonly verbose: boolean) {}

  /** Seconds since the soak started, for messages. */
  time(at = performance.now()): string {
    return `${((at - this.t0) / 1000).toFixed(2)} s`;
  }

  event(text: string): void {
    this.events++;
    this.note(text);
  }

  /** A line of context that is not a driver event (a download's outcome, a reconnect). */
  note(text: string): void {
    const line = `${this.time()} ${text}`;
    this.recent.push(line);
    if (this.recent.length > 12) this.recent.shift();
    if (this.verbose) process.stdout.write(`soak: ${line}\n`);
  }

  /**
   * Reports one violation of invariant `n`. `dedupe` (default: the text) reports a
   * condition that persists only once.
   */
  violate(n: 1 | 2 | 3 | 4, text: string, dedupe = text): void {
    if (this.seen.has(dedupe)) return;
    this.seen.add(dedupe);
    this.violations.push(text);
    const context = this.recent.map((l) => `    ${l}`).join('\n');
    process.stdout.write(`soak: VIOLATION of invariant ${n} (seed ${this.seed}, at ${this.time()}): ${text}\n  last events:\n${context}\n`);
  }
}
