/**
 * Frames bytes into lines, whatever the read() boundaries were (§6): a line ends at LF, and
 * a CR right before it is dropped. A line longer than the limit is reported once and its
 * bytes are discarded up to its LF, so a client can't grow this buffer without bound.
 */
export const LINE_TOO_LONG = Symbol('line too long');
export type LineResult = string | typeof LINE_TOO_LONG | null;
export type LineEnd = 'crlf' | 'lf' | 'none';

const LF = 10;
const CR = 13;
const EMPTY = Buffer.alloc(0);

export class LineReader {
  private buf: Buffer = EMPTY;
  private pos = 0;
  /** Where the LF search resumes, so dribbled input isn't rescanned from the start. */
  private scanFrom = 0;
  private discarding = false;
  /** How the line last returned ended: evidence of the sender's dialect (DIALECTS.md). */
  lastEnd: LineEnd = 'none';

  constructor(private readonly maxLineBytes: number) {}

  push(chunk: Buffer): void {
    if (this.pos >= this.buf.length) {
      this.buf = chunk;
      this.scanFrom = 0;
    } else {
      const rest = this.buf.subarray(this.pos);
      this.buf = Buffer.concat([rest, chunk]);
      this.scanFrom -= this.pos;
    }
    this.pos = 0;
  }

  /** Bytes held that don't yet form a whole line. */
  get pendingBytes(): number {
    return this.buf.length - this.pos;
  }

  /** The next whole line, LINE_TOO_LONG once for an over-long line, or null for "need more". */
  nextLine(): LineResult {
    for (;;) {
      const from = Math.max(this.pos, this.scanFrom);
      const lf = this.buf.indexOf(LF, from);
      if (lf === -1) {
        if (this.discarding) {
          this.clear();
          return null;
        }
        if (this.buf.length - this.pos > this.maxLineBytes + 1) {
          this.discarding = true;
          this.clear();
          return LINE_TOO_LONG;
        }
        this.compact();
        return null;
      }
      const start = this.pos;
      this.pos = lf + 1;
      this.scanFrom = this.pos;
      if (this.discarding) {
        this.discarding = false;
        continue;
      }
      if (this.pos === this.buf.length) {
        const line = this.lineOf(start, lf);
        this.clear();
        return line;
      }
      return this.lineOf(start, lf);
    }
  }

  private lineOf(start: number, lf: number): LineResult {
    const end = lf > start && this.buf[lf - 1] === CR ? lf - 1 : lf;
    if (end - start > this.maxLineBytes) return LINE_TOO_LONG;
    this.lastEnd = end === lf ? 'lf' : 'crlf';
    return this.buf.toString('utf8', start, end);
  }

  /** Drops the reference to a consumed chunk so an idle connection holds no read buffer. */
  private clear(): void {
    this.buf = EMPTY;
    this.pos = 0;
    this.scanFrom = 0;
  }

  /** Keeps only a copy of the unterminated tail, not the whole chunk it came in. */
  private compact(): void {
    if (this.pos === 0) {
      this.scanFrom = this.buf.length;
      return;
    }
    this.buf = this.pos < this.buf.length ? Buffer.from(this.buf.subarray(this.pos)) : EMPTY;
    this.pos = 0;
    this.scanFrom = this.buf.length;
  }

  /** The first bytes (at most `max`) of the unterminated tail, without taking them. */
  peekPartial(max: number): string {
    if (this.discarding || this.pos >= this.buf.length) return '';
    return this.buf.toString('latin1', this.pos, Math.min(this.buf.length, this.pos + max));
  }

  /** The unterminated tail as a final line (at idle time or end of input), or null if none. */
  takePartialLine(): LineResult {
    if (this.discarding) {
      this.discarding = false;
      this.clear();
      return null;
    }
    if (this.pos >= this.buf.length) return null;
    let end = this.buf.length;
    if (this.buf[end - 1] === CR) end--;
    const line = this.buf.toString('utf8', this.pos, end);
    this.lastEnd = 'none';
    this.clear();
    return line;
  }

  /**
   * The bytes already here reach an empty line through CRLF lines only (peeked, not
   * consumed): a request complete at its last defined header, followed by headers it does
   * not define (extensions) and its empty line, still had the spec's shape.
   */
  emptyLineAhead(maxLines = 16): boolean {
    if (this.discarding) return false;
    let at = this.pos;
    for (let n = 0; n < maxLines; n++) {
      const lf = this.buf.indexOf(LF, at);
      if (lf === -1) return at < this.buf.length && this.buf[at] === CR && at + 1 === this.buf.length;
      if (lf === at) return true; // a bare LF: an empty line all the same
      if (this.buf[lf - 1] !== CR) return false;
      if (lf === at + 1) return true;
      at = lf + 1;
    }
    return false;
  }

  /** Hands over the unread bytes (e.g. the start of a body) and empties the reader. */
  takeRest(): Buffer {
    const rest = this.buf.subarray(this.pos);
    this.clear();
    this.discarding = false;
    return rest;
  }
}
