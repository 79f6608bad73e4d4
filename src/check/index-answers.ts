import {
  encodeIndexResponse, ProtocolError, ResponseParser, type IndexMethod, type IndexResponse,
} from '../protocol/index.js';
import type { RawConn } from './raw-conn.js';

/** Silence after which an answer that is not spec-exact counts as complete (§6: "a short idle time"). */
export const ANSWER_IDLE_MS = 300;

export interface IndexAnswers {
  /** What a tolerant reader (p2pci's own) makes of the bytes, in request order. */
  responses: IndexResponse[];
  /** The parse error, if the bytes were not readable as answers at all. */
  error?: ProtocolError;
  /** The bytes received for these requests. */
  raw: Buffer;
  /** The bytes a spec-exact server would have sent for the same responses. */
  exact: Buffer;
  /** The target closed the connection. */
  closed: boolean;
}

/** A tolerant reader of the answers, fed incrementally (a LIST of a big index stays linear). */
class AnswerReader {
  private readonly parser = new ResponseParser({ idleCompletionMs: 0, maxLineBytes: 1 << 20 });
  readonly responses: IndexResponse[] = [];
  error?: ProtocolError;
  private fed = 0;

  constructor(private readonly methods: readonly IndexMethod[]) {
    for (const m of methods) this.parser.expect(m);
  }

  get complete(): boolean {
    return this.error !== undefined || this.responses.length === this.methods.length;
  }

  /** Reads what is new in `raw`; `silent`/`closed` let an answer without its final empty line end. */
  update(raw: Buffer, silent: boolean, closed: boolean): void {
    if (raw.length > this.fed) this.parser.push(raw.subarray(this.fed), 0);
    this.fed = raw.length;
    while (!this.complete) {
      const r = this.parser.next();
      if (r instanceof ProtocolError) this.error = r;
      else if (r !== null) this.responses.push(r);
      else {
        const expired = silent || closed ? this.parser.expire(Number.MAX_SAFE_INTEGER, closed) : null;
        if (expired === null) return;
        this.responses.push(expired);
      }
    }
  }
}

function exactBytes(responses: readonly IndexResponse[]): Buffer {
  return Buffer.from(responses.map((r) => encodeIndexResponse(r.status, r.records)).join(''), 'latin1');
}

const lf = (b: Buffer) => b.toString('latin1').replace(/\r\n/g, '\n');

/**
 * Reads the answers to `methods` (requests already sent) from `start` on. Spec-exact answers,
 * or exact but for LF-only lines, complete as soon as their last byte is in; anything else
 * completes when a tolerant reader has every answer and the target falls silent.
 */
export async function readAnswers(conn: RawConn, methods: readonly IndexMethod[], deadline: number, start = 0): Promise<IndexAnswers> {
  const reader = new AnswerReader(methods);
  const raw = () => conn.received.subarray(start);
  const exactNow = () => {
    const bytes = raw();
    if (bytes.length === 0 || bytes[bytes.length - 1] !== 10) return false;
    reader.update(bytes, false, false);
    if (!reader.complete) return false;
    if (reader.error !== undefined) return true;
    const exact = exactBytes(reader.responses);
    return bytes.equals(exact) || lf(bytes) === lf(exact);
  };
  for (;;) {
    const before = conn.receivedLength;
    const end = await conn.waitFor(exactNow, Math.min(deadline, Date.now() + ANSWER_IDLE_MS));
    // A whole idle window without a byte: the target is done talking, for now.
    const silent = end === 'timeout' && conn.receivedLength === before && before > start;
    reader.update(raw(), silent, conn.closed);
    if (end !== 'timeout' || (silent && reader.complete) || Date.now() >= deadline) {
      const bytes = Buffer.from(raw());
      return { responses: reader.responses, error: reader.error, raw: bytes, exact: exactBytes(reader.responses), closed: conn.closed };
    }
  }
}
