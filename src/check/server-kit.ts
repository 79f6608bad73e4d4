import {
  encodeAdd, encodeList, encodeLookup, STATUS_PHRASES, type IndexMethod, type IndexResponse, type PeerAddress, type RfcRecord,
} from '../protocol/index.js';
import { readAnswers, type IndexAnswers } from './index-answers.js';
import { escapeBytes, firstDifference } from './escape.js';
import { CaseFailure, type CaseContext, type Detail } from './types.js';
import type { RawConn } from './raw-conn.js';

/**
 * What the index-server cases share: send a request, read its answers, and judge them,
 * failing with the transcript of the connection and the words of the spec.
 */
export interface Exchange extends IndexAnswers {
  conn: RawConn;
  /** The request bytes this exchange sent. */
  sentBytes: Buffer;
}

/** Sends `request` on `conn` and reads one answer per method. */
export async function exchange(ctx: CaseContext, conn: RawConn, request: string | Buffer, methods: readonly IndexMethod[]): Promise<Exchange> {
  const start = conn.receivedLength;
  const sentBytes = typeof request === 'string' ? Buffer.from(request, 'latin1') : request;
  await conn.send(sentBytes);
  return { ...(await readAnswers(conn, methods, ctx.deadline, start)), conn, sentBytes };
}

/** A failure report of this exchange: what we sent, what came back, what §N asks. */
export function failure(ex: Exchange, message: string, expected: string): CaseFailure {
  return new CaseFailure({ message, sent: escapeBytes(ex.sentBytes), received: escapeBytes(ex.raw), expected });
}

/** The i-th answer, failing the case if it never came or could not be read. */
export function answer(ex: Exchange, i: number, expected: string): IndexResponse {
  if (ex.error !== undefined) throw failure(ex, `unreadable answer: ${ex.error.message}`, expected);
  const r = ex.responses[i];
  if (r === undefined) {
    const why = ex.raw.length === 0 ? (ex.closed ? 'the connection was closed without an answer' : 'no answer') : 'no complete answer';
    throw failure(ex, ex.responses.length === 0 ? why : `${why} to request ${i + 1}`, expected);
  }
  return r;
}

export function expectStatus(ex: Exchange, i: number, status: number, spec: string): IndexResponse {
  const expected = `${status} ${STATUS_PHRASES[status as 200]} (${spec})`;
  const r = answer(ex, i, expected);
  if (r.status !== status) throw failure(ex, `answered ${r.status} ${r.phrase}`, expected);
  return r;
}

/** Exact bytes: a deviation is a warning by default (the answer was usable), a failure in strict cases. */
export function deviation(ex: Exchange): Detail | null {
  const diff = firstDifference(ex.exact, ex.raw);
  if (diff === null) return null;
  return { message: `answer bytes differ from §2 ${diff}`, sent: escapeBytes(ex.sentBytes), received: escapeBytes(ex.raw), expected: escapeBytes(ex.exact) };
}

export function noteDeviation(ctx: CaseContext, ex: Exchange): void {
  const d = deviation(ex);
  if (d !== null) ctx.warn(d);
}

export function requireExact(ex: Exchange): void {
  const d = deviation(ex);
  if (d !== null) throw new CaseFailure(d);
}

export const sameRecord = (a: RfcRecord, b: RfcRecord) => a.rfc === b.rfc && a.title === b.title && a.host === b.host && a.port === b.port;
export const recordText = (r: RfcRecord) => `RFC ${r.rfc} ${r.title} ${r.host} ${r.port}`;

/** Opens a connection as a fresh peer and ADDs `rfc`; the record must be echoed. */
export async function registered(ctx: CaseContext, rfc: number, title = 'Check Record', peer: PeerAddress = ctx.freshPeer()): Promise<{ conn: RawConn; record: RfcRecord; ex: Exchange }> {
  const conn = await ctx.open();
  const record = { rfc, title, host: peer.host, port: peer.port };
  const ex = await exchange(ctx, conn, encodeAdd(rfc, title, peer), ['ADD']);
  const r = expectStatus(ex, 0, 200, '§2: ADD answers 200 and echoes the record it stored');
  if (r.records.length !== 1 || !sameRecord(r.records[0]!, record)) {
    throw failure(ex, `echoed ${r.records.length === 0 ? 'no record' : r.records.map(recordText).join(' | ')}`, `the one record stored: ${recordText(record)} (§2)`);
  }
  return { conn, record, ex };
}

/** LOOKUP from a connection of its own; returns the holders of `rfc` (none for a 404). */
export async function holders(ctx: CaseContext, conn: RawConn, rfc: number): Promise<{ ex: Exchange; records: RfcRecord[] }> {
  const ex = await exchange(ctx, conn, encodeLookup(rfc, '', ctx.freshPeer()), ['LOOKUP']);
  const r = answer(ex, 0, '200 with the holders, or 404 with no records (§2)');
  if (r.status !== 200 && r.status !== 404) throw failure(ex, `LOOKUP answered ${r.status} ${r.phrase}`, '200 with the holders, or 404 (§2)');
  return { ex, records: r.records };
}

export async function listAll(ctx: CaseContext, conn: RawConn): Promise<Exchange> {
  return exchange(ctx, conn, encodeList(ctx.freshPeer()), ['LIST']);
}

/**
 * Polls LOOKUP until `gone(records)` holds: a server removes a closed peer's records soon after
 * the close, not necessarily before our next request reaches it.
 */
export async function waitForHolders(ctx: CaseContext, observer: RawConn, rfc: number, gone: (records: RfcRecord[]) => boolean): Promise<{ ok: boolean; last: Exchange }> {
  // The last poll must have time for its answer, even on a loaded machine.
  const margin = Math.max(100, ctx.timeoutMs / 4);
  let last: Exchange | null = null;
  for (;;) {
    let polled: { ex: Exchange; records: RfcRecord[] };
    try {
      polled = await holders(ctx, observer, rfc);
    } catch (err) {
      if (last === null) throw err;
      return { ok: false, last }; // out of time mid-poll: the verdict is the last answer we got
    }
    last = polled.ex;
    if (gone(polled.records)) return { ok: true, last };
    if (Date.now() + margin >= ctx.deadline) return { ok: false, last };
    await new Promise((r) => setTimeout(r, 20));
  }
}
