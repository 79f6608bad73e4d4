/**
 * Shared by the protocol test files: feed bytes, pull results, compare the fields that
 * matter, split bytes at arbitrary points. Not a test file itself (the runner takes
 * *.test.ts only).
 */
import assert from 'node:assert/strict';
import { INDEX_METHODS, ProtocolError, RequestParser, type ParserLimits, type ProtocolErrorCode, type Request } from '../../src/protocol/index.js';

export type Result = Request | ProtocolError;

export function parser(limits: Partial<ParserLimits> = {}, idleCompletionMs = 100): RequestParser {
  return new RequestParser({ methods: INDEX_METHODS, limits, idleCompletionMs });
}

export function drain(p: RequestParser): Result[] {
  const out: Result[] = [];
  for (let r = p.next(); r !== null; r = p.next()) out.push(r);
  return out;
}

/** Feeds every chunk (at time 0) and returns what comes out, without any idle/end completion. */
export function feed(chunks: Array<string | Buffer>, p = parser()): Result[] {
  const out: Result[] = [];
  for (const c of chunks) {
    p.push(typeof c === 'string' ? Buffer.from(c, 'latin1') : c, 0);
    out.push(...drain(p));
  }
  return out;
}

/** The fields that matter, so fixtures read like the wire. */
export function brief(r: Result | undefined): unknown {
  if (r === undefined) return undefined;
  if (r instanceof ProtocolError) return { error: r.code, status: r.status };
  const o: Record<string, unknown> = { method: r.method, rfc: r.rfc };
  for (const k of ['host', 'port', 'title', 'os'] as const) if (r[k] !== undefined) o[k] = r[k];
  o.completion = r.completion;
  return o;
}

export const ADD = { method: 'ADD', rfc: 123, host: 'h.example', port: 5678, title: 'A Proferred Official ICP' };
export const LIST = { method: 'LIST', rfc: null, host: 'h.example', port: 5678 };
export const listBytes = 'LIST ALL P2P-CI/1.0\r\nHost: h.example\r\nPort: 5678\r\n\r\n';

export function expectError(results: Result[], code: ProtocolErrorCode, status = 400): void {
  assert.ok(results.length >= 1, 'expected an error, got nothing');
  assert.deepEqual(brief(results[0]), { error: code, status });
}

/** Splits at the given points (mod length + 1), in order; empty pieces dropped. */
export function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    if (p > prev) out.push(bytes.subarray(prev, p));
    prev = p;
  }
  if (prev < bytes.length) out.push(bytes.subarray(prev));
  return out;
}
