/**
 * The slow lane for bulk work. A connection that has more pipelined requests than one turn
 * allows (a flood, or a peer registering a big folder) waits here instead of running again
 * at once; the lane runs its connections round-robin, one turn each, for at most `budgetMs`
 * per turn of the event loop. Interactive peers — one request at a time — are answered as
 * soon as their bytes arrive, so however much bulk work is queued, a LOOKUP waits behind at
 * most one budget of it.
 */
export interface BulkWork {
  /** Runs one turn; the connection re-enters the lane itself if it still has work. */
  runTurn(): void;
}

export class BulkLane {
  private queue: BulkWork[] = [];
  private head = 0;
  private scheduled = false;

  constructor(
    private readonly budgetMs: number,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.queue.length - this.head;
  }

  enqueue(work: BulkWork): void {
    this.queue.push(work);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.run);
    }
  }

  private readonly run = (): void => {
    this.scheduled = false;
    const deadline = this.now() + this.budgetMs;
    // Only what was queued before this slice runs in it: work re-queued during the slice waits for the next.
    const end = this.queue.length;
    while (this.head < end) {
      const work = this.queue[this.head++]!;
      work.runTurn();
      if (this.now() >= deadline) break;
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (this.size > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(this.run);
    }
  };
}
