import { ProtocolError } from './errors.js';
import { isHeaderShaped, splitHeaderLine } from './headers.js';
import { parseStatusLine } from './status-line.js';
import type { GetResponseHead } from './messages.js';

/**
 * Reads the head of a GET answer (§3) tolerantly (§6): LF-only lines, no empty line before
 * the body, misspelt header names (`Data:` for `Date:`). Once the head is read, the bytes
 * after it are handed over as the start of the body.
 */
export interface GetHeadResult {
  head: GetResponseHead;
  /** Body bytes that arrived in the same chunks as the head. */
  bodyStart: Buffer;
  /**
   * The bytes between the last header line and the body start (normally the empty line),
   * when they may instead be the body's first bytes: the uploader sent no empty line and the
   * file itself begins with one. Empty when the head is the spec's own (§3: five headers,
   * CRLF, then the empty line): such an uploader sent that empty line, so it is never the
   * file's. `resolveBody` decides between the two readings.
   */
  headTail: Buffer;
  /**
   * What ended the head: its empty line, G's `END` line (DIALECTS.md), or nothing (the body
   * starts at the first line that isn't a header).
   */
  separator: 'empty-line' | 'end-line' | null;
  /** The status line's version word as sent (`P2P-CI/1.0`, F's `P2PCI/1.0`). */
  versionWord: string;
}

/** The spec's head (§3) names exactly these, spelled so; each is one bit of `spelled`. */
const SPEC_HEADERS: ReadonlyMap<string, number> = new Map([['Date', 1], ['OS', 2], ['Last-Modified', 4], ['Content-Length', 8], ['Content-Type', 16]]);
const ALL_SPEC_HEADERS = 31;

export const DEFAULT_MAX_HEAD_BYTES = 16384;

/** Maps a header name, misspelt or not, to the field it most likely means. */
function fieldOf(name: string): keyof GetResponseHead | null {
  const n = name.replace(/[-_ ]/g, '');
  if (n === 'date' || n === 'data') return 'date';
  if (n === 'os') return 'os';
  if (n.startsWith('lastmod')) return 'lastModified';
  if (n.startsWith('contentl') || n === 'length') return 'contentLength';
  if (n.startsWith('contentt')) return 'contentType';
  if (n === 'contentrange') return 'contentRange';
  if (n === 'reprdigest') return 'reprDigest';
  return null;
}

export class GetHeadReader {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private head: GetResponseHead | null = null;
  private lastHeaderEnd = 0;
  /** Every line so far ended with CR LF. */
  private crlf = true;
  /** Bit set of SPEC_HEADERS seen with their exact names. */
  private spelled = 0;
  private specVersion = false;
  private versionWord = '';

  /** `dialects`: also read what DIALECTS.md's uploaders write (F's status word, G's `END`). */
  constructor(private readonly maxHeadBytes = DEFAULT_MAX_HEAD_BYTES, private readonly dialects = false) {}

  /** Feed bytes; returns the head once it is known, a coded error, or null for "need more". */
  push(chunk: Buffer): GetHeadResult | ProtocolError | null {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    for (;;) {
      const lf = this.buf.indexOf(10, this.pos);
      if (lf === -1) break;
      const start = this.pos;
      const end = lf > start && this.buf[lf - 1] === 13 ? lf - 1 : lf;
      if (end === lf) this.crlf = false;
      const line = this.buf.toString('latin1', start, end);
      this.pos = lf + 1;
      const out = this.onLine(line, start);
      if (out !== null) return out;
    }
    if (this.buf.length > this.maxHeadBytes) {
      return new ProtocolError('REQUEST_TOO_LARGE', `response head larger than ${this.maxHeadBytes} bytes`);
    }
    return null;
  }

  /** At end of input before the head was complete: an error response may carry no empty line. */
  end(): GetHeadResult | ProtocolError {
    if (this.head !== null && this.head.status !== 200) return this.done(this.buf.length, this.buf.length, null);
    return new ProtocolError('MALFORMED_STATUS_LINE', this.head === null ? 'connection closed before a status line' : 'connection closed before the body');
  }

  private onLine(line: string, lineStart: number): GetHeadResult | ProtocolError | null {
    if (this.head === null) {
      if (line.trim() === '') return null;
      const sl = parseStatusLine(line, this.dialects);
      if (sl === null) return new ProtocolError('MALFORMED_STATUS_LINE', `not a status line: ${JSON.stringify(line.slice(0, 64))}`);
      this.head = { status: sl.status, phrase: sl.phrase };
      this.specVersion = line.startsWith('P2P-CI/1.0 ');
      this.versionWord = line.trim().split(/[ \t\r]/)[0]!;
      this.lastHeaderEnd = this.pos;
      return null;
    }
    if (line.trim() === '') return this.done(this.lastHeaderEnd, this.pos, 'empty-line');
    // DIALECTS.md G: its head ends with a line `END`, the body follows it.
    if (this.dialects && line === 'END') return this.done(this.pos, this.pos, 'end-line');
    if (isHeaderShaped(line)) {
      const h = splitHeaderLine(line);
      const field = h === null ? null : fieldOf(h.name);
      if (h !== null && field !== null) {
        const colon = line.indexOf(':');
        if (line.startsWith(': ', colon)) this.spelled |= SPEC_HEADERS.get(line.slice(0, colon)) ?? 0;
        if (field === 'contentLength') {
          // An error answer has no body (§3), whatever its Content-Length says (`Content-Length:`).
          if (this.head.status !== 200) {
            this.lastHeaderEnd = this.pos;
            return null;
          }
          if (!/^\d{1,15}$/.test(h.value)) return new ProtocolError('BAD_CONTENT_LENGTH', `bad Content-Length ${JSON.stringify(h.value.slice(0, 32))}`);
          this.head.contentLength = Number(h.value);
        } else if (field !== 'status' && field !== 'phrase') {
          this.head[field] = h.value;
        }
      }
      this.lastHeaderEnd = this.pos;
      return null;
    }
    // No empty line: the first line that isn't a header starts the body, once we know its length.
    if (this.head.contentLength !== undefined || this.head.status !== 200) return this.done(lineStart, lineStart, null);
    return null;
  }

  private done(tailStart: number, bodyStart: number, separator: GetHeadResult['separator']): GetHeadResult | ProtocolError {
    const head = this.head!;
    if (head.status === 200 && head.contentLength === undefined) {
      return new ProtocolError('BAD_CONTENT_LENGTH', '200 answer without Content-Length');
    }
    const specHead = this.specVersion && this.crlf && this.spelled === ALL_SPEC_HEADERS;
    const result: GetHeadResult = {
      head,
      bodyStart: this.buf.subarray(bodyStart),
      headTail: specHead ? Buffer.alloc(0) : Buffer.from(this.buf.subarray(tailStart, bodyStart)),
      separator,
      versionWord: this.versionWord,
    };
    this.buf = Buffer.alloc(0);
    this.pos = 0;
    return result;
  }
}

export type BodyResolution =
  | { ok: true; prepend: Buffer }
  | { ok: false; reason: string };

/**
 * Where the body is follows from the head, never from a count. There are two readings of a
 * head's end: the body starts after the empty line that ends the head, or — for an uploader
 * that sends no empty line (§6) — that empty line is the file's own first line (`headTail`,
 * offered only when the head is not the spec's own). `written` counts the bytes received
 * after the empty line. A transfer is good only when one reading leaves exactly
 * Content-Length bytes; the two differ by the empty line, so at most one can. Anything else —
 * surplus bytes before or after the body, a body short by any other count — fails: no byte is
 * trimmed or made up to fit, so a shifted or cut file is never saved.
 */
export function resolveBody(written: number, contentLength: number, headTail: Buffer): BodyResolution {
  if (written === contentLength) return { ok: true, prepend: Buffer.alloc(0) };
  if (written > contentLength) return { ok: false, reason: surplusReason(written, contentLength) };
  if (headTail.length > 0 && written + headTail.length === contentLength) return { ok: true, prepend: Buffer.from(headTail) };
  return { ok: false, reason: `got ${written} of ${contentLength} bytes` };
}

export function surplusReason(written: number, contentLength: number): string {
  return `sent ${written - contentLength} bytes more than Content-Length ${contentLength}: where the body starts can't be told`;
}
