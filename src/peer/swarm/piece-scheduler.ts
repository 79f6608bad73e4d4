/**
 * The one owner of a swarm download's pieces (aria2-style): which are done, which are in
 * flight from which source. Sources only fetch what it hands them; it decides what each gets
 * next — the lowest missing run while any is left (a faster source comes back sooner and so
 * takes more); then the second half of the longest run still ahead of another source (that
 * source stops where its run now ends); last, in the endgame, a duplicate of the piece being
 * read that would otherwise finish last. No sockets and no timers here: the fetchers report, the scheduler answers.
 */
export const PIECE_BYTES = 1 << 20;
/**
 * Longest run of pieces one ranged GET asks for: each request costs a connection and a gap,
 * so runs are long while much is left; the endgame splits the tails of long runs (steal).
 */
const MAX_RUN = 32;
/** Contributor of a piece found done in the resume state: the source is not known any more. */
export const RESUMED = -2;
const NOBODY = -1;

const MISSING = 0;
const IN_FLIGHT = 1;
const DONE = 2;
/** Reserved by the copy that won, its write not yet on disk. */
const WRITING = 3;

export interface Claim {
  first: number;
  count: number;
  /** A duplicate of a piece another source is already fetching (endgame). */
  race: boolean;
}

interface Flight {
  /** Sources fetching this piece now (at most two: the owner and one racer). */
  holders: Set<number>;
  startedAt: number;
}

/** Per-source figures the endgame decides by. */
interface SourceRate {
  bytes: number;
  ms: number;
}

export class PieceScheduler {
  readonly count: number;
  private readonly state: Uint8Array;
  /** Source index that delivered each done piece, or RESUMED. */
  readonly contributor: Int32Array;
  private readonly flights = new Map<number, Flight>();
  private readonly rates = new Map<number, SourceRate>();
  /** Every piece below this one is not MISSING. */
  private lowMissing = 0;
  private doneCount = 0;
  /** Sources whose pieces were reverted: a write of theirs still under way doesn't count either. */
  private readonly revoked = new Set<number>();
  /** Counts reverts: a reader of done pieces (the prefix hash) starts over when it changes. */
  revision = 0;

  constructor(readonly size: number, readonly pieceBytes = PIECE_BYTES) {
    this.count = Math.ceil(size / pieceBytes);
    this.state = new Uint8Array(this.count);
    this.contributor = new Int32Array(this.count).fill(NOBODY);
  }

  pieceStart(i: number): number {
    return i * this.pieceBytes;
  }

  pieceLength(i: number): number {
    return Math.min(this.pieceBytes, this.size - i * this.pieceBytes);
  }

  get finished(): boolean {
    return this.doneCount === this.count;
  }

  get doneBytes(): number {
    let bytes = this.doneCount * this.pieceBytes;
    if (this.count > 0 && this.state[this.count - 1] === DONE) bytes -= this.pieceBytes - this.pieceLength(this.count - 1);
    return bytes;
  }

  isDone(i: number): boolean {
    return this.state[i] === DONE;
  }

  /** Marks pieces done from a resume state. */
  restore(done: Iterable<number>): void {
    for (const i of done) if (i >= 0 && i < this.count && this.state[i] !== DONE) this.markDone(i, RESUMED);
    this.advanceLow();
  }

  /** What `source` should fetch next, or null: nothing for it now (wait for a change) or finished. */
  claim(source: number, activeSources: number, now: number): Claim | null {
    this.advanceLow();
    if (this.lowMissing < this.count) {
      const missing = this.count - this.doneCount - this.flights.size;
      const run = Math.max(1, Math.min(MAX_RUN, Math.floor(missing / Math.max(1, 2 * activeSources))));
      let count = 0;
      while (count < run && this.lowMissing + count < this.count && this.state[this.lowMissing + count] === MISSING) count++;
      const first = this.lowMissing;
      for (let i = first; i < first + count; i++) this.take(i, source, now);
      return { first, count, race: false };
    }
    const stolen = this.steal(source, now);
    if (stolen !== null) return stolen;
    const piece = this.raceCandidate(source, now);
    if (piece === null) return null;
    this.flights.get(piece)!.holders.add(source);
    return { first: piece, count: 1, race: true };
  }

  /** True while piece `i` is `source`'s to fetch (not finished by a racer, not handed to another). */
  holds(source: number, i: number): boolean {
    return this.flights.get(i)?.holders.has(source) === true;
  }

  /** A whole-file (1.0) source streaming past piece `i`: takes it if nobody has or fetches it. */
  claimPassing(source: number, i: number, now: number): boolean {
    if (this.state[i] !== MISSING) return false;
    this.take(i, source, now);
    return true;
  }

  /** True while some piece at or after `i` is still missing (a whole-file stream has a reason to go on). */
  missingFrom(i: number): boolean {
    for (let p = Math.max(i, this.lowMissing); p < this.count; p++) if (this.state[p] === MISSING) return true;
    return false;
  }

  /**
   * `source` has piece `i` whole and wants to write it. True: it is the first, the piece is
   * now its to write (no one else will write it). False: another copy won; discard this one.
   */
  beginWrite(source: number, i: number): boolean {
    const f = this.flights.get(i);
    if (this.state[i] !== IN_FLIGHT || f === undefined || !f.holders.has(source)) return false;
    this.flights.delete(i);
    this.state[i] = WRITING;
    return true;
  }

  /** The write of piece `i` reached the file. */
  written(source: number, i: number, ms: number): void {
    if (this.revoked.has(source)) {
      this.state[i] = MISSING;
      if (i < this.lowMissing) this.lowMissing = i;
      return;
    }
    this.markDone(i, source);
    const r = this.rates.get(source) ?? { bytes: 0, ms: 0 };
    r.bytes += this.pieceLength(i);
    r.ms += Math.max(ms, 0.1);
    this.rates.set(source, r);
  }

  /** Gives back what `source` holds of pieces [first, first + count) that it did not finish. */
  release(source: number, first: number, count: number): void {
    for (let i = first; i < first + count; i++) {
      const f = this.flights.get(i);
      if (f === undefined || !f.holders.delete(source)) continue;
      if (f.holders.size === 0) {
        this.flights.delete(i);
        this.state[i] = MISSING;
        if (i < this.lowMissing) this.lowMissing = i;
      }
    }
  }

  /** Done pieces `source` delivered become missing again (it lied, or its body proved misplaced); returns how many. */
  revert(source: number): number {
    if (source >= 0) this.revoked.add(source);
    this.revision++;
    let n = 0;
    for (let i = 0; i < this.count; i++) {
      if (this.state[i] === DONE && this.contributor[i] === source) {
        this.state[i] = MISSING;
        this.contributor[i] = NOBODY;
        this.doneCount--;
        if (i < this.lowMissing) this.lowMissing = i;
        n++;
      }
    }
    return n;
  }

  /** Replaces a done piece's contributor (an audit found its bytes wrong and wrote the right ones). */
  reassign(i: number, source: number): void {
    this.contributor[i] = source;
  }

  /** Lowest piece index whose completion the prefix hash waits for. */
  firstNotDone(from: number): number {
    let i = from;
    while (i < this.count && this.state[i] === DONE) i++;
    return i;
  }

  rateOf(source: number): number | null {
    const r = this.rates.get(source);
    return r === undefined || r.bytes === 0 ? null : r.bytes / r.ms;
  }

  private take(i: number, source: number, now: number): void {
    this.state[i] = IN_FLIGHT;
    this.flights.set(i, { holders: new Set([source]), startedAt: now });
  }

  private markDone(i: number, source: number): void {
    this.state[i] = DONE;
    this.contributor[i] = source;
    this.doneCount++;
  }

  private advanceLow(): void {
    while (this.lowMissing < this.count && this.state[this.lowMissing] !== MISSING) this.lowMissing++;
  }

  /**
   * Nothing is missing, but some source still has pieces of its run ahead of the one it reads:
   * the later half of the longest such tail moves to `source` (only one holder each, so it
   * is a hand-over, not a duplicate). A source reads its run in order, so the tail is the part
   * it has not begun.
   */
  private steal(source: number, now: number): Claim | null {
    const held = new Map<number, number[]>();
    for (const [i, f] of this.flights) {
      if (f.holders.size !== 1) continue;
      const h = f.holders.values().next().value!;
      if (h === source || h < 0) continue;
      let list = held.get(h);
      if (list === undefined) held.set(h, (list = []));
      list.push(i);
    }
    // A holder reads its lowest piece now; the rest are in runs (its current one, and the one
    // it opened ahead): the longest contiguous stretch of them is the candidate.
    let best: number[] | null = null;
    for (const list of held.values()) {
      list.sort((a, b) => a - b);
      let from = 1;
      for (let k = 1; k <= list.length; k++) {
        if (k < list.length && list[k] === list[k - 1]! + 1 && k !== 1) continue;
        const stretch = list.slice(from, k);
        if (stretch.length > 0 && (best === null || stretch.length > best.length)) best = stretch;
        from = k;
      }
    }
    if (best === null) return null;
    // The later half (at least one piece) of that stretch changes hands.
    const tail = best.slice(best.length - Math.ceil(best.length / 2));
    for (const i of tail) this.flights.set(i, { holders: new Set([source]), startedAt: now });
    return { first: tail[0]!, count: tail.length, race: false };
  }

  /**
   * Endgame: the in-flight piece (held by one other source) expected to finish last, if
   * `source` would likely fetch it sooner. Rates are bytes per ms of finished pieces; a source
   * with none yet is assumed as fast as the median one.
   */
  private raceCandidate(source: number, now: number): number | null {
    const known = [...this.rates.values()].map((r) => r.bytes / r.ms).sort((a, b) => a - b);
    const median = known.length === 0 ? null : known[Math.floor(known.length / 2)]!;
    const mine = this.rateOf(source) ?? median;
    let best: number | null = null;
    let bestLate = 0;
    // A run's later pieces wait for its earlier ones: queue position counts per holder.
    const queued = new Map<number, number>();
    for (const [i, f] of [...this.flights.entries()].sort((a, b) => a[0] - b[0])) {
      if (f.holders.size !== 1 || f.holders.has(source)) continue;
      const holder = f.holders.values().next().value!;
      const ahead = (queued.get(holder) ?? 0) + this.pieceLength(i);
      queued.set(holder, ahead);
      const theirs = this.rateOf(holder) ?? median;
      const elapsed = now - f.startedAt;
      const late = theirs === null ? elapsed : ahead / theirs - elapsed;
      const mineMs = mine === null ? Infinity : this.pieceLength(i) / mine;
      if (late > 1.2 * mineMs + 5 && late > bestLate) {
        best = i;
        bestLate = late;
      }
    }
    return best;
  }
}
