/**
 * Events per second for a fixed set of series over the last `seconds` seconds: a ring of
 * one-second buckets, each a row of counters. Counting is an index computation and an
 * increment; nothing is allocated per event, so it can sit on the server's hot path.
 */
export class RollingRate {
  /** counts[(bucket * series) + slot] */
  private readonly counts: Uint32Array;
  /** The second (since the epoch) the newest bucket stands for. */
  private head: number;

  constructor(
    readonly series: number,
    readonly seconds: number,
    nowMs: number,
  ) {
    this.counts = new Uint32Array(series * seconds);
    this.head = Math.floor(nowMs / 1000);
  }

  add(slot: number, nowMs: number): void {
    const second = Math.floor(nowMs / 1000);
    if (second !== this.head) this.advance(second);
    this.counts[(this.head % this.seconds) * this.series + slot]!++;
  }

  /**
   * One array per slot, oldest second first, ending with the (still filling) current second.
   * Slots that saw nothing in the window are left out.
   */
  window(nowMs: number): { endSecond: number; perSlot: Map<number, number[]> } {
    if (Math.floor(nowMs / 1000) > this.head) this.advance(Math.floor(nowMs / 1000));
    const second = this.head;
    const perSlot = new Map<number, number[]>();
    for (let slot = 0; slot < this.series; slot++) {
      let values: number[] | null = null;
      for (let i = 0; i < this.seconds; i++) {
        const s = second - this.seconds + 1 + i;
        const n = this.counts[(((s % this.seconds) + this.seconds) % this.seconds) * this.series + slot]!;
        if (n !== 0 && values === null) values = new Array<number>(this.seconds).fill(0);
        if (values !== null) values[i] = n;
      }
      if (values !== null) perSlot.set(slot, values);
    }
    return { endSecond: second, perSlot };
  }

  /** Clears the buckets of the seconds skipped since the last event (at most the whole ring). */
  private advance(second: number): void {
    // The wall clock stepped back, or a reader moved the window past a coarser event clock:
    // keep counting into the newest bucket.
    if (second < this.head) return;
    const gap = Math.min(second - this.head, this.seconds);
    for (let i = 1; i <= gap; i++) {
      const b = (this.head + i) % this.seconds;
      this.counts.fill(0, b * this.series, (b + 1) * this.series);
    }
    this.head = second;
  }
}
