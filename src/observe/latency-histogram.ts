/**
 * Request latency in fixed buckets (seconds, Prometheus convention). Kept here rather than
 * in a prom-client Histogram so the hot path is a short loop and two increments with no
 * label hashing; the metrics registry reads it when scraped.
 */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
];

export class LatencyHistogram {
  /** Non-cumulative counts; the last slot is "above every bound" (+Inf). */
  readonly counts = new Float64Array(LATENCY_BUCKETS_SECONDS.length + 1);
  sumSeconds = 0;
  count = 0;

  observe(seconds: number): void {
    let i = 0;
    while (i < LATENCY_BUCKETS_SECONDS.length && seconds > LATENCY_BUCKETS_SECONDS[i]!) i++;
    this.counts[i]!++;
    this.sumSeconds += seconds;
    this.count++;
  }

  /** Cumulative counts per upper bound, as Prometheus exposes them (last = +Inf = count). */
  cumulative(): Array<{ le: number; count: number }> {
    const out: Array<{ le: number; count: number }> = [];
    let running = 0;
    for (let i = 0; i < this.counts.length; i++) {
      running += this.counts[i]!;
      out.push({ le: i < LATENCY_BUCKETS_SECONDS.length ? LATENCY_BUCKETS_SECONDS[i]! : Infinity, count: running });
    }
    return out;
  }

  /** The bound below which `q` (0..1) of the requests finished; an upper estimate. */
  quantile(q: number): number | null {
    if (this.count === 0) return null;
    const target = q * this.count;
    for (const { le, count } of this.cumulative()) if (count >= target) return le;
    return Infinity;
  }
}
