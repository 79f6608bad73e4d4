import { LineReader, LINE_TOO_LONG } from './line-reader.js';
import { ProtocolError } from './errors.js';
import { parseRecordLine, parseRecordLineLoose } from './record-line.js';
import { parseStatusLine } from './status-line.js';
import type { IndexMethod, IndexResponse } from './messages.js';
import type { StatusCode } from './status.js';

export interface ResponseParserOptions {
  maxLineBytes?: number;
  /** Silence after which a response still waiting for its final empty line is complete (§6). */
  idleCompletionMs?: number;
  /**
   * Read what the servers of DIALECTS.md write, beyond §6: records without `RFC` or in D's
   * `<sp>` form, F's status word, a CR inside a status line, G's `END` after an answer.
   */
  dialects?: boolean;
}

type Phase = 'status' | 'add-record' | 'records';

const CRLF_END = 1;
const LF_END = 2;

/**
 * Client-side reader of index-server responses. Tell it, in order, which request each
 * answer belongs to (`expect`), push bytes, pull responses. Tolerates (§6): LF-only lines,
 * missing empty lines, and responses that end only by the server's silence.
 */
export class ResponseParser {
  private readonly lines: LineReader;
  private readonly idleMs: number;
  private readonly dialects: boolean;
  private readonly readRecord: (line: string) => ReturnType<typeof parseRecordLine>;
  /** The ADD answer had a line after its status that is neither a record nor a status line. */
  private garbled = false;
  /** `END` lines read so far (G frames every answer with one). */
  endLines = 0;
  private readonly expected: IndexMethod[] = [];
  private phase: Phase = 'status';
  private status: StatusCode = 200;
  private phrase = '';
  private records: IndexResponse['records'] = [];
  private sawSeparator = false;
  /** After an error status: lines that are not a status line are the server's free text. */
  private afterError = false;
  private lastByteAt = 0;
  /** A status line read while finishing a response; it starts the next one. */
  private carried: string | null = null;
  /** How the lines of the response being read ended: CRLF = 1, LF alone = 2. */
  private ends = 0;

  constructor(options: ResponseParserOptions = {}) {
    this.lines = new LineReader(options.maxLineBytes ?? 65536);
    this.idleMs = options.idleCompletionMs ?? 250;
    this.dialects = options.dialects ?? false;
    this.readRecord = this.dialects ? parseRecordLineLoose : parseRecordLine;
  }

  expect(method: IndexMethod): void {
    this.expected.push(method);
  }

  get pending(): number {
    return this.expected.length;
  }

  push(chunk: Buffer, now = 0): void {
    this.lastByteAt = now;
    this.lines.push(chunk);
  }

  next(): IndexResponse | ProtocolError | null {
    for (;;) {
      let line: string | typeof LINE_TOO_LONG | null;
      let end = 0;
      if (this.carried !== null) {
        line = this.carried;
        this.carried = null;
      } else {
        line = this.lines.nextLine();
        end = this.lines.lastEnd === 'crlf' ? CRLF_END : this.lines.lastEnd === 'lf' ? LF_END : 0;
      }
      if (line === null) return null;
      if (line === LINE_TOO_LONG) {
        if (this.phase === 'status') return new ProtocolError('LINE_TOO_LONG', 'response line too long');
        continue;
      }
      const out = this.onLine(line, end);
      if (out !== null) return out;
    }
  }

  /** When a response waiting for more lines would be completed by silence, or null. */
  idleDeadline(): number | null {
    if (this.phase === 'status' && !this.awaitsUnterminatedStatus()) return null;
    return this.lastByteAt + this.idleMs;
  }

  /**
   * Completes a response the server left open, once it has been silent long enough —
   * including one whose status line never got its line end (`404 Not Found` and silence).
   */
  expire(now: number, endOfInput = false): IndexResponse | null {
    if (this.phase === 'status' && !this.awaitsUnterminatedStatus()) return null;
    if (!endOfInput && now < this.lastByteAt + this.idleMs) return null;
    const tail = this.lines.takePartialLine();
    if (typeof tail === 'string') {
      const out = this.onLine(tail, 0);
      if (out !== null && !(out instanceof ProtocolError)) return out;
    }
    return (this.phase as Phase) === 'status' ? null : this.finish();
  }

  /** An answer is expected and the bytes held so far are the start of a status line. */
  private awaitsUnterminatedStatus(): boolean {
    return this.expected.length > 0 && this.carried === null && this.lines.pendingBytes > 0;
  }

  /** Drops an unterminated line held from a garbled answer, before the request is sent again. */
  dropPartialLine(): void {
    this.lines.takePartialLine();
  }

  private onLine(line: string, lineEnd: number): IndexResponse | ProtocolError | null {
    const blank = line.trim() === '';
    this.ends = this.phase === 'status' ? lineEnd : this.ends | lineEnd;
    // DIALECTS.md G: a line END follows every answer.
    const end = this.dialects && line.trim() === 'END';
    if (end) this.endLines++;
    switch (this.phase) {
      case 'status': {
        if (blank || end) return null;
        const sl = parseStatusLine(line, this.dialects);
        // `400 Bad Request` then `RFC already exists under your registration`: errors carry
        // no records (§2), so such a line is commentary on the answer just read, not a new one.
        if (sl === null && this.afterError) return null;
        if (sl === null) return new ProtocolError('MALFORMED_STATUS_LINE', `not a status line: ${JSON.stringify(line.slice(0, 64))}`);
        const method = this.expected[0] ?? 'LIST';
        this.status = sl.status;
        this.phrase = sl.phrase;
        this.records = [];
        this.sawSeparator = false;
        this.afterError = sl.status !== 200;
        // Errors carry no records (§2): nothing more belongs to this response.
        if (sl.status !== 200) return this.finish();
        this.phase = method === 'ADD' ? 'add-record' : 'records';
        return null;
      }
      case 'add-record': {
        if (blank) return null;
        if (end) return this.finish();
        const rec = this.readRecord(line);
        if (rec !== null) {
          this.records.push(rec);
          return this.finish();
        }
        if (parseStatusLine(line, this.dialects) !== null) this.carried = line;
        else this.garbled = true;
        return this.finish();
      }
      case 'records': {
        if (blank) {
          if (!this.sawSeparator && this.records.length === 0) {
            this.sawSeparator = true;
            return null;
          }
          return this.finish();
        }
        if (end) return this.finish();
        const rec = this.readRecord(line);
        if (rec !== null) {
          this.records.push(rec);
          return null;
        }
        // A status line here means the server skipped the final empty line.
        if (parseStatusLine(line, this.dialects) !== null) {
          this.carried = line;
          return this.finish();
        }
        return null; // an unreadable line inside a record list is skipped
      }
    }
  }

  private finish(): IndexResponse {
    this.expected.shift();
    this.phase = 'status';
    const out: IndexResponse = { status: this.status, phrase: this.phrase, records: this.records };
    if (this.garbled) out.garbledEcho = true;
    if (this.dialects && this.ends === (CRLF_END | LF_END)) out.mixedLineEnds = true;
    this.garbled = false;
    this.ends = 0;
    this.records = [];
    return out;
  }
}
