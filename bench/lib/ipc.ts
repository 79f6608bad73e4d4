import { getHeapSpaceStatistics } from 'node:v8';

/**
 * The small IPC vocabulary between the bench (parent) and its server children: the parent
 * asks, the child answers with the same `id`. Children measure themselves, so the parent's
 * own CPU and memory never pollute a server figure.
 */
export type ChildCommand =
  | { cmd: 'mem'; gc: boolean }
  | { cmd: 'count' }
  | { cmd: 'cpu' }
  | { cmd: 'sample-start' }
  | { cmd: 'sample-stop' }
  /** Answered when the child is down to `connections` connections and `records` records. */
  | { cmd: 'when-empty'; connections: number; records: number };

export interface MemReport {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /**
   * Resident bytes of V8's young generation (new space), empty after a full GC but still
   * committed: a burst of allocation (19,000 peers joining) grows it to its maximum, 2 x 16 MiB
   * whatever the number of peers, and V8 gives it back only once allocation has been low for
   * a while. Part of `rss`; a figure per peer subtracts it.
   */
  youngGen: number;
}

export interface CountReport {
  connections: number;
  records: number;
}

/**
 * When a server child's index and connections emptied (answer to `when-empty`, sent when it
 * happens). Times are wall-clock milliseconds with sub-millisecond precision
 * (`performance.timeOrigin + performance.now()`), comparable across processes of one machine.
 */
export interface EmptyReport {
  /** The first disconnect after the request. */
  firstDisconnectAt: number;
  /** The store and the server were down to what the request said (no record, no connection: empty). */
  emptyAt: number;
  /** The last peer socket handle was gone (closed at the OS level). */
  socketsClosedAt: number;
}

/** Wall-clock milliseconds, sub-millisecond precise, comparable between processes. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/** CPU time the child has used so far, user + system, in microseconds. */
export interface CpuReport {
  cpuMicros: number;
}

export interface SampleReport {
  /** Highest RSS seen between sample-start and sample-stop, and the RSS at start. */
  maxRss: number;
  startRss: number;
  samples: number;
}

export type ChildRequest = ChildCommand & { id: number };
export type ChildReply = { id: number; error?: string } & Partial<MemReport & CountReport & SampleReport & CpuReport & EmptyReport>;
export interface ChildReady {
  ready: true;
  port: number;
}

/** Forces full collections (twice: weak refs and finalizers can free more on the second). */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run node with --expose-gc');
  gc();
  gc();
}

export function memReport(): MemReport {
  const m = process.memoryUsage();
  let youngGen = 0;
  for (const space of getHeapSpaceStatistics()) if (space.space_name.startsWith('new_')) youngGen += space.physical_space_size;
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, youngGen };
}

/**
 * Samples RSS while a measurement runs (e.g. LIST ALL). A timer here only observes; it
 * paces nothing, the load is closed loop.
 */
export class RssSampler {
  private timer: NodeJS.Timeout | null = null;
  private maxRss = 0;
  private startRss = 0;
  private samples = 0;

  /** The process's lifetime peak RSS at start: if it rises, the window set a new peak. */
  private startPeak = 0;

  start(): void {
    this.stop();
    this.startPeak = process.resourceUsage().maxRSS * 1024;
    this.startRss = this.maxRss = process.memoryUsage.rss();
    this.samples = 1;
    this.timer = setInterval(() => {
      const rss = process.memoryUsage.rss();
      if (rss > this.maxRss) this.maxRss = rss;
      this.samples++;
    }, 2);
  }

  stop(): SampleReport {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    const rss = process.memoryUsage.rss();
    if (rss > this.maxRss) this.maxRss = rss;
    // A busy event loop runs few timers; the kernel's high-water mark misses no peak.
    const peak = process.resourceUsage().maxRSS * 1024;
    if (peak > this.startPeak && peak > this.maxRss) this.maxRss = peak;
    return { maxRss: this.maxRss, startRss: this.startRss, samples: this.samples };
  }
}
