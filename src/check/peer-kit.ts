import {
  encodeGet, GetHeadReader, ProtocolError, resolveBody, type GetResponseHead,
} from '../protocol/index.js';
import { ANSWER_IDLE_MS } from './index-answers.js';
import { escapeBytes } from './escape.js';
import { CaseFailure, type CaseContext } from './types.js';
import type { RawConn } from './raw-conn.js';

/** What came back for one GET, read the tolerant way (§6) with the raw bytes kept. */
export interface GetExchange {
  conn: RawConn;
  sentBytes: Buffer;
  raw: Buffer;
  head?: GetResponseHead;
  /** Bytes from the start of the answer to the body's first byte. */
  headBytes?: Buffer;
  /** The body as a tolerant reader saves it (the last Content-Length bytes), when it can. */
  body?: Buffer;
  /** Why no head or body could be read. */
  problem?: string;
  /** The uploader closed the connection. */
  closed: boolean;
}

const CHECK_OS = 'p2pci-check';

export function getRequest(rfc: number | string, host = 'check.invalid'): string {
  return typeof rfc === 'number' ? encodeGet(rfc, host, CHECK_OS) : `GET RFC ${rfc} P2P-CI/1.0\r\nHost: ${host}\r\nOS: ${CHECK_OS}\r\n\r\n`;
}

function readGet(raw: Buffer, closed: boolean): Omit<GetExchange, 'conn' | 'sentBytes' | 'raw' | 'closed'> & { complete: boolean } {
  const reader = new GetHeadReader(64 * 1024);
  let got = reader.push(raw);
  if (got === null && closed) got = reader.end();
  if (got === null) return { complete: false };
  if (got instanceof ProtocolError) return { complete: true, problem: got.message };
  const headBytes = raw.subarray(0, raw.length - got.bodyStart.length);
  if (got.head.status !== 200) return { complete: true, head: got.head, headBytes, body: got.bodyStart };
  const length = got.head.contentLength!;
  const resolved = resolveBody(got.bodyStart.length, length, got.headTail);
  // Short: more may come until the close. Surplus: no reading of the head fits, ever.
  if (!resolved.ok) return { complete: closed || got.bodyStart.length > length, head: got.head, headBytes, problem: `Content-Length is ${length}: ${resolved.reason}` };
  const body = resolved.prepend.length === 0 ? got.bodyStart : Buffer.concat([resolved.prepend, got.bodyStart]);
  return { complete: true, head: got.head, headBytes, body };
}

/**
 * Sends `request` on a fresh connection and reads the answer until the uploader closes, or
 * (for an uploader that never closes) until the body is in and it has been silent a moment.
 */
export async function get(ctx: CaseContext, request: string | Buffer, split = false): Promise<GetExchange> {
  const conn = await ctx.open();
  const sentBytes = typeof request === 'string' ? Buffer.from(request, 'latin1') : request;
  if (split) for (const b of sentBytes) await conn.send(Buffer.from([b]));
  else await conn.send(sentBytes);
  const end = await conn.waitFor((raw, closed) => closed || readGet(raw, false).complete, ctx.deadline);
  if (end === 'match' && !conn.closed) await conn.waitFor((_raw, closed) => closed, Math.min(ctx.deadline, Date.now() + ANSWER_IDLE_MS));
  const raw = Buffer.from(conn.received);
  const { complete: _c, ...read } = readGet(raw, conn.closed);
  return { conn, sentBytes, raw, closed: conn.closed, ...read };
}

export function getFailure(ex: GetExchange, message: string, expected: string): CaseFailure {
  return new CaseFailure({ message, sent: escapeBytes(ex.sentBytes), received: escapeBytes(ex.raw), expected });
}

/** A 200 with a whole body, or the case fails saying what was missing. */
export function served(ex: GetExchange, expected = '200 OK, Content-Length, then exactly that many bytes of the file (§3)'): { head: GetResponseHead; body: Buffer } {
  if (ex.head === undefined) throw getFailure(ex, ex.problem ?? (ex.raw.length === 0 ? 'no answer' : 'no complete answer head'), expected);
  if (ex.head.status !== 200) throw getFailure(ex, `answered ${ex.head.status} ${ex.head.phrase}`, expected);
  if (ex.body === undefined) throw getFailure(ex, ex.problem ?? 'no complete body', expected);
  return { head: ex.head, body: ex.body };
}

/** The RFC the peer serves (--rfc); cases that need it are only run with it. */
export function servedRfc(ctx: CaseContext): number {
  return ctx.rfc!;
}

/** IMF-fixdate of RFC 7231, e.g. `Wed, 12 Feb 2009 15:12:05 GMT`. */
export const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
