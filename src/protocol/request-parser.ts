import { LineReader, LINE_TOO_LONG, type LineEnd } from './line-reader.js';
import { SHAPE } from './dialects/shape.js';
import { silentLine } from './dialects/recognise.js';
import { ProtocolError } from './errors.js';
import { withDefaults, type ParserLimits } from './limits.js';
import { isHeaderShaped, parsePort, splitHeaderLine, type HeaderLine } from './headers.js';
import { looksLikeRequestLine, parseRequestLine } from './request-line.js';
import type { Completion, Method, Request } from './messages.js';

/**
 * The headers each method defines. §6: a request is complete at its empty line, or as soon
 * as every header its method defines has arrived — some clients never send the empty line.
 */
const HOST = 1;
const PORT = 2;
const TITLE = 4;
const OS = 8;
const DEFINED_HEADERS: Readonly<Record<Method, number>> = {
  ADD: HOST | PORT | TITLE,
  LOOKUP: HOST | PORT | TITLE,
  LIST: HOST | PORT,
  GET: HOST | OS,
};

/** What the index server accepts, and what a peer's upload server accepts. */
export const INDEX_METHODS: readonly Method[] = ['ADD', 'LOOKUP', 'LIST'];
export const PEER_METHODS: readonly Method[] = ['GET'];

/** How long a partial request may sit without a byte before it is processed as it is. */
export const DEFAULT_IDLE_COMPLETION_MS = 250;

export interface RequestParserOptions {
  methods: readonly Method[];
  limits?: Partial<ParserLimits>;
  idleCompletionMs?: number;
  /**
   * Accept what the dialects of DIALECTS.md send beyond §6: their silent lines (`END`,
   * `CONNECT …`), their version words, colon-less `Host x` lines. Off (`--strict`): spec only.
   */
  dialects?: boolean;
}

/** A line a dialect sends outside any request (`END`, `CONNECT 5000 P2P-CI/1.0`): never answered. */
export class SilentLine {
  constructor(
    readonly word: string,
    /** The SHAPE bit it proves for the connection (0 for none). */
    readonly evidence: number,
  ) {}
}

export type ParseResult = Request | ProtocolError | SilentLine;

/**
 * Control bytes (tab and CR aside: blanks and line ends of some dialects) and U+FFFD (bytes
 * that are not UTF-8): no client of any dialect puts them in a request line; random bytes
 * have them in almost every line. The server closes such a connection after its 400.
 */
const NOT_TEXT = /[\u0000-\u0008\u000a-\u000c\u000e-\u001f\u007f\ufffd]/;

const END_BIT: Readonly<Record<LineEnd, number>> = { crlf: SHAPE.CRLF, lf: SHAPE.LF, none: SHAPE.UNTERMINATED };

/** One Set per method list, shared by every parser: a server makes one parser per connection. */
const methodSets = new WeakMap<readonly Method[], ReadonlySet<Method>>();
function methodSet(methods: readonly Method[]): ReadonlySet<Method> {
  let set = methodSets.get(methods);
  if (set === undefined) {
    set = new Set(methods);
    methodSets.set(methods, set);
  }
  return set;
}

/** A request still being read: the fields of a Request so far, and what completes it. */
interface Partial_ extends Omit<Request, 'completion'> {
  /** Bit set of the defined headers seen so far. */
  seen: number;
  headerCount: number;
  /** How the last line that was not empty ended (F ends only its last line with LF alone). */
  lastEnd: LineEnd;
}

/**
 * Incremental, socket-free request parser. Feed it Buffers of any size with `push`, pull
 * complete requests (or coded errors) with `next`. Time is passed in, never read.
 *
 * After the first request, header lines and empty lines found where a request line is
 * expected belong to the previous request (§6) and are skipped.
 */
export class RequestParser {
  private readonly lines: LineReader;
  private readonly limits: ParserLimits;
  private readonly methods: ReadonlySet<Method>;
  private readonly idleMs: number;
  private readonly dialects: boolean;
  private current: Partial_ | null = null;
  private afterFirst = false;
  private lastByteAt = 0;
  /** Bytes of the line being assembled, counted towards the request size limit. */
  private oversized = false;
  /** A request line that ended the request before it; it starts the next one. */
  private carried: { line: string; bytes: number } | null = null;
  /** An unterminated stray header line was dropped; its continuation may still arrive. */
  private strayTailDropped = false;

  constructor(options: RequestParserOptions) {
    this.limits = withDefaults(options.limits);
    this.lines = new LineReader(this.limits.maxLineBytes);
    this.methods = methodSet(options.methods);
    this.idleMs = options.idleCompletionMs ?? DEFAULT_IDLE_COMPLETION_MS;
    this.dialects = options.dialects ?? false;
  }

  push(chunk: Buffer, now = 0): void {
    this.lastByteAt = now;
    this.lines.push(chunk);
  }

  /**
   * The caller reads again after not reading for a while (its own pause: backpressure,
   * fairness, a rate limit): the idle gap counts from now, since the peer's silence could not
   * be seen meanwhile — its next bytes may have been waiting in the kernel all along.
   */
  restartIdleClock(now: number): void {
    this.lastByteAt = now;
  }

  /** Bytes held for a line not yet complete: stays within the line limit whatever arrives. */
  get bufferedBytes(): number {
    return this.lines.pendingBytes;
  }

  /** The next complete request or error, or null when more bytes are needed. */
  next(): ParseResult | null {
    if (this.carried !== null) {
      const { line, bytes } = this.carried;
      this.carried = null;
      const result = this.onLine(line, bytes);
      if (result !== null) return result;
    }
    for (;;) {
      const line = this.lines.nextLine();
      if (line === null) {
        this.dropStrayTail();
        return this.checkPartialSize();
      }
      if (line === LINE_TOO_LONG) return this.fail(new ProtocolError('LINE_TOO_LONG', `line longer than ${this.limits.maxLineBytes} bytes`));
      const result = this.onLine(line, Buffer.byteLength(line) + 2);
      if (result !== null) return result;
    }
  }

  /**
   * When the current request will be completed by idleness, or null. Only a request whose
   * request line has arrived waits for that: a half-sent request line waits for its LF (or
   * the server's header timeout), so a byte-a-second client can't turn fragments into requests.
   */
  idleDeadline(): number | null {
    return this.current === null ? null : this.lastByteAt + this.idleMs;
  }

  /**
   * §6: a partial request that receives no byte for a short idle time is processed with what
   * it has. At end of input (`endOfInput`) an unterminated last line counts as a line too;
   * complete lines not yet pulled come out first, so call it until it returns null.
   */
  expire(now: number, endOfInput = false): ParseResult | null {
    if (!endOfInput && now < this.lastByteAt + this.idleMs) return null;
    // Lines the caller hasn't pulled yet are whole requests, not part of a "partial line".
    const pending = this.next();
    if (pending !== null) return pending;
    // Once a request has begun, its unterminated last line is part of "what it has": many
    // clients join their lines with CRLF and send no final line end. Left in the buffer, it
    // would be glued to the next request's first line, and that request skipped as a stray.
    // Without a request line, only the end of input turns a fragment into a line.
    if (endOfInput || this.current !== null) {
      const tail = this.lines.takePartialLine();
      if (tail !== null && tail !== LINE_TOO_LONG) {
        const result = this.onLine(tail, Buffer.byteLength(tail));
        if (result !== null) return result;
      }
    }
    if (this.current === null) return null;
    return this.complete(endOfInput ? 'end-of-input' : 'idle');
  }

  /** True while a request has begun but is not yet complete. */
  get inRequest(): boolean {
    return this.current !== null || this.lines.pendingBytes > 0;
  }

  private checkPartialSize(): ParseResult | null {
    if (this.current !== null && !this.oversized && this.current.size + this.lines.pendingBytes > this.limits.maxRequestBytes) {
      this.oversized = true;
      return this.fail(new ProtocolError('REQUEST_TOO_LARGE', `request larger than ${this.limits.maxRequestBytes} bytes`));
    }
    return null;
  }

  private onLine(line: string, bytes: number): ParseResult | null {
    const cur = this.current;
    if (cur === null) return this.onRequestLine(line, bytes);
    cur.size += bytes;
    if (cur.size > this.limits.maxRequestBytes) {
      return this.fail(new ProtocolError('REQUEST_TOO_LARGE', `request larger than ${this.limits.maxRequestBytes} bytes`));
    }
    const end = this.lines.lastEnd;
    cur.shape |= END_BIT[end];
    if (line.trim() === '') return this.complete('blank-line');
    const header = splitHeaderLine(line);
    // A client that sends neither the empty line nor every header still gets its request
    // answered when its next request line arrives, instead of losing both.
    if (header === null && looksLikeRequestLine(line, this.methods, this.dialects)) {
      cur.size -= bytes;
      this.carried = { line, bytes };
      return this.complete('next-request');
    }
    cur.lastEnd = end;
    return this.onHeaderLine(cur, header ?? this.colonlessHeader(cur, line), line);
  }

  /** DIALECTS.md F: `Host 127.0.0.1` / `OS Linux` after a valid GET line, when adapting. */
  private colonlessHeader(cur: Partial_, line: string): HeaderLine | null {
    if (!this.dialects) return null;
    const m = /^[ \t]*(host|os)[ \t]+(.*)$/i.exec(line);
    if (m === null) return null;
    cur.shape |= SHAPE.COLONLESS_HEADER;
    return { name: m[1]!.toLowerCase(), value: m[2]!.trim() };
  }

  /**
   * A header-shaped tail without its line end, where a request line is expected, is the last
   * line of a request already answered or rejected (`…\nTitle: t` and nothing more; §6 skips
   * such strays). Left in the buffer it would be glued to the next request's first line and
   * that request lost, or the connection held until the header timeout; so it goes now. A
   * request line is never header-shaped, so no request is cut.
   */
  private dropStrayTail(): void {
    if (this.current !== null || !this.afterFirst || this.lines.pendingBytes === 0) return;
    if (!isHeaderShaped(this.lines.peekPartial(256))) return;
    this.lines.takePartialLine();
    this.strayTailDropped = true;
  }

  private onRequestLine(line: string, bytes: number): ParseResult | null {
    this.oversized = false;
    if (this.strayTailDropped) {
      this.strayTailDropped = false;
      // The rest of that stray, split across reads (`Title: lo` | `ng title\n`).
      if (!looksLikeRequestLine(line, this.methods) && !isHeaderShaped(line)) return null;
    }
    if (line.trim() === '') return null;
    if (this.afterFirst && isHeaderShaped(line)) return null;
    if (this.dialects) {
      const silent = silentLine(line);
      if (silent !== null) return new SilentLine(line.trim().split(/[ \t]/)[0]!.toUpperCase(), silent.evidence);
    }
    this.afterFirst = true;
    if (NOT_TEXT.test(line)) return new ProtocolError('BINARY_INPUT', 'request line is not text');
    const head = parseRequestLine(line, this.methods, this.dialects);
    if (head instanceof ProtocolError) return head;
    const end = this.lines.lastEnd;
    const shape = END_BIT[end] | (head.altVersion ? SHAPE.ALT_VERSION : 0);
    this.current = { method: head.method, rfc: head.rfc, seen: 0, headerCount: 0, size: bytes, shape, lastEnd: end };
    return null;
  }

  private onHeaderLine(cur: Partial_, header: HeaderLine | null, line: string): ParseResult | null {
    if (++cur.headerCount > this.limits.maxHeaders) {
      return this.fail(new ProtocolError('TOO_MANY_HEADERS', `more than ${this.limits.maxHeaders} header lines`));
    }
    if (header === null) return this.fail(new ProtocolError('MALFORMED_HEADER', 'header line must be "Name: value"'));
    if (header.name === 'host' && header.value !== '' && (cur.shape & SHAPE.COLONLESS_HEADER) === 0) {
      // DIALECTS.md H writes `Host:value`; §2 shows a blank after the colon.
      const after = line.charCodeAt(line.indexOf(':') + 1);
      if (after !== 32 && after !== 9) cur.shape |= SHAPE.TIGHT_HEADER;
    }
    // `Post` is a known misspelling of `Port` in widely copied clients (§6).
    const name = header.name === 'post' ? 'port' : header.name;
    switch (name) {
      case 'host':
        if (header.value === '' || /[ \t]/.test(header.value)) return this.fail(new ProtocolError('MALFORMED_HEADER', 'Host must be one word'));
        cur.host = header.value;
        cur.seen |= HOST;
        break;
      case 'port': {
        const port = parsePort(header.value);
        if (port === null) return this.fail(new ProtocolError('BAD_PORT', `Port must be 1-65535, got ${JSON.stringify(header.value.slice(0, 32))}`));
        cur.port = port;
        cur.seen |= PORT;
        break;
      }
      case 'title':
        if (header.value.length > this.limits.maxTitleLength) {
          return this.fail(new ProtocolError('TITLE_TOO_LONG', `title longer than ${this.limits.maxTitleLength} characters`));
        }
        cur.title = header.value;
        cur.seen |= TITLE;
        break;
      case 'os':
        cur.os = header.value;
        cur.seen |= OS;
        break;
      // p2pci's extensions (README "Extensions"): kept as sent, read by the upload server.
      case 'range':
        cur.range = header.value;
        break;
      case 'want-repr-digest':
        cur.wantReprDigest = header.value;
        break;
      default:
        return null; // unknown headers are ignored (§6)
    }
    const defined = DEFINED_HEADERS[cur.method];
    return (cur.seen & defined) === defined ? this.complete('all-headers') : null;
  }

  private complete(completion: Completion): ParseResult {
    const cur = this.current!;
    this.current = null;
    if (cur.method === 'ADD') {
      if (cur.host === undefined) return new ProtocolError('MISSING_HEADER', 'ADD needs a Host header');
      if (cur.port === undefined) return new ProtocolError('MISSING_HEADER', 'ADD needs a Port header');
    }
    let shape = cur.shape;
    // A spec request is complete at its last header; its empty line usually came with it.
    if (completion === 'blank-line' || (completion === 'all-headers' && this.lines.emptyLineAhead())) shape |= SHAPE.BLANK_END;
    if (cur.lastEnd === 'lf' && (shape & SHAPE.CRLF) !== 0) shape |= SHAPE.LAST_LF;
    const req: Request = { method: cur.method, rfc: cur.rfc, completion, size: cur.size, shape };
    if (cur.host !== undefined) req.host = cur.host;
    if (cur.port !== undefined) req.port = cur.port;
    if (cur.title !== undefined) req.title = cur.title;
    if (cur.os !== undefined) req.os = cur.os;
    if (cur.range !== undefined) req.range = cur.range;
    if (cur.wantReprDigest !== undefined) req.wantReprDigest = cur.wantReprDigest;
    return req;
  }

  /** Abandons the current request; its remaining header lines will be skipped as strays. */
  private fail(error: ProtocolError): ProtocolError {
    this.current = null;
    this.afterFirst = true;
    return error;
  }
}
