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
   * The bytes between the last header line and the body start (normally the empty line).
   * If the uploader sent no empty line and the file itself begins with an empty line, those
   * bytes are really the body's first bytes; `resolveBody` puts them back when needed.
   */
  headTail: Buffer;
}

export const DEFAULT_MAX_HEAD_BYTES = 16384;

/** Maps a header name, misspelt or not, to the field it most likely means. */
function fieldOf(name: string): keyof GetResponseHead | null {
  const n = name.replace(/[-_ ]/g, '');
  if (n === 'date' || n === 'data') return 'date';
  if (n === 'os') return 'os';
  if (n.startsWith('lastmod')) return 'lastModified';
  if (n.startsWith('contentl') || n === 'length') return 'contentLength';
  if (n.startsWith('contentt')) return 'contentType';
  return null;
}

export class GetHeadReader {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private head: GetResponseHead | null = null;
  private lastHeaderEnd = 0;

  constructor(private readonly maxHeadBytes = DEFAULT_MAX_HEAD_BYTES) {}

  /** Feed bytes; returns the head once it is known, a coded error, or null for "need more". */
  push(chunk: Buffer): GetHeadResult | ProtocolError | null {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    for (;;) {
      const lf = this.buf.indexOf(10, this.pos);
      if (lf === -1) break;
      const start = this.pos;
      const end = lf > start && this.buf[lf - 1] === 13 ? lf - 1 : lf;
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
    if (this.head !== null && this.head.status !== 200) return this.done(this.buf.length, this.buf.length);
    return new ProtocolError('MALFORMED_STATUS_LINE', this.head === null ? 'connection closed before a status line' : 'connection closed before the body');
  }

  private onLine(line: string, lineStart: number): GetHeadResult | ProtocolError | null {
    if (this.head === null) {
      if (line.trim() === '') return null;
      const sl = parseStatusLine(line);
      if (sl === null) return new ProtocolError('MALFORMED_STATUS_LINE', `not a status line: ${JSON.stringify(line.slice(0, 64))}`);
      this.head = { status: sl.status, phrase: sl.phrase };
      this.lastHeaderEnd = this.pos;
      return null;
    }
    if (line.trim() === '') return this.done(this.lastHeaderEnd, this.pos);
    if (isHeaderShaped(line)) {
      const h = splitHeaderLine(line);
      const field = h === null ? null : fieldOf(h.name);
      if (h !== null && field !== null) {
        if (field === 'contentLength') {
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
    if (this.head.contentLength !== undefined || this.head.status !== 200) return this.done(lineStart, lineStart);
    return null;
  }

  private done(tailStart: number, bodyStart: number): GetHeadResult | ProtocolError {
    const head = this.head!;
    if (head.status === 200 && head.contentLength === undefined) {
      return new ProtocolError('BAD_CONTENT_LENGTH', '200 answer without Content-Length');
    }
    const result: GetHeadResult = {
      head,
      bodyStart: this.buf.subarray(bodyStart),
      headTail: Buffer.from(this.buf.subarray(tailStart, bodyStart)),
    };
    this.buf = Buffer.alloc(0);
    this.pos = 0;
    return result;
  }
}

export type BodyResolution =
  | { ok: true; trimPrefix: number; prepend: Buffer }
  | { ok: false; reason: string };

/**
 * §6: the body is the last Content-Length bytes received; fewer is a failed transfer.
 * `written` counts the bytes received after the head. Extra bytes at the front are trimmed;
 * a shortfall is made up only from the head's tail (an empty line the file itself began
 * with, when the uploader sent no separator), never from real header bytes. That reading
 * only holds when exactly the whole empty line is missing: a body 1 byte short after a
 * CRLF separator is a cut transfer, not a file starting with half an empty line.
 */
export function resolveBody(written: number, contentLength: number, headTail: Buffer): BodyResolution {
  if (written >= contentLength) return { ok: true, trimPrefix: written - contentLength, prepend: Buffer.alloc(0) };
  const missing = contentLength - written;
  if (missing === headTail.length && written > 0) {
    return { ok: true, trimPrefix: 0, prepend: Buffer.from(headTail) };
  }
  return { ok: false, reason: `got ${written} of ${contentLength} bytes` };
}
