/**
 * Fuzzing the request parser with fast-check: valid requests mutated byte by byte, random
 * bytes, random chunk splits. Shared by the quick test (test/unit/parser-fuzz.test.ts) and the
 * million-input run (`node dist/bench/hardening/parser-fuzz.js [runs]`).
 */
import fc from 'fast-check';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  encodeAdd,
  SilentLine,
  encodeList,
  encodeLookup,
  INDEX_METHODS,
  DEFAULT_LIMITS,
  ProtocolError,
  RequestParser,
  type Request,
} from '../../src/protocol/index.js';

export interface FuzzFigures {
  runs: number;
  inputs: number;
  bytes: number;
  requests: number;
  errors: number;
  maxBufferedBytes: number;
  heapBeforeMB: number;
  heapAfterMB: number;
  ms: number;
}

interface ValidRequest {
  method: 'ADD' | 'LOOKUP' | 'LIST';
  rfc: number;
  host: string;
  port: number;
  title: string;
}

const hostArb = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,30}$/);
const titleArb = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ,.()-]{0,60}$/).map((t) => t.trim());
export const validRequestArb: fc.Arbitrary<ValidRequest> = fc.record({
  method: fc.constantFrom('ADD', 'LOOKUP', 'LIST'),
  rfc: fc.integer({ min: 0, max: 999_999_999 }),
  host: hostArb,
  port: fc.integer({ min: 1, max: 65535 }),
  title: titleArb,
});

export function encodeValid(r: ValidRequest): string {
  const from = { host: r.host, port: r.port };
  if (r.method === 'ADD') return encodeAdd(r.rfc, r.title, from);
  if (r.method === 'LOOKUP') return encodeLookup(r.rfc, r.title, from);
  return encodeList(from);
}

/** Splits bytes at the given cut points (any order, duplicates fine). */
export function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out.filter((b) => b.length > 0);
}

type Mutation = { kind: 'replace' | 'insert' | 'delete'; at: number; byte: number };
const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('replace', 'insert', 'delete'),
  at: fc.nat(),
  byte: fc.integer({ min: 0, max: 255 }),
});

export function mutate(bytes: Buffer, mutations: Mutation[]): Buffer {
  const arr = [...bytes];
  for (const m of mutations) {
    const at = arr.length === 0 ? 0 : m.at % arr.length;
    if (m.kind === 'replace' && arr.length > 0) arr[at] = m.byte;
    else if (m.kind === 'insert') arr.splice(at, 0, m.byte);
    else if (arr.length > 0) arr.splice(at, 1);
  }
  return Buffer.from(arr);
}

/** Feeds chunks and pulls every result; throws if the parser misbehaves in any way. */
export function feedAll(chunks: Buffer[], stats: { maxBuffered: number }): Array<Request | ProtocolError> {
  const parser = new RequestParser({ methods: INDEX_METHODS, idleCompletionMs: 100 });
  const out: Array<Request | ProtocolError> = [];
  const limit = DEFAULT_LIMITS.maxLineBytes + 1;
  let now = 0;
  const drain = () => {
    for (let r = parser.next(); r !== null; r = parser.next()) {
      if (r instanceof SilentLine) throw new Error(`parser returned a dialect's silent line without dialects on: ${r.word}`);
      if (!(r instanceof ProtocolError) && (typeof r !== 'object' || typeof r.method !== 'string')) {
        throw new Error(`parser returned something that is neither a request nor a coded error: ${String(r)}`);
      }
      out.push(r);
    }
    if (parser.bufferedBytes > limit) throw new Error(`parser holds ${parser.bufferedBytes} bytes for one line (limit ${limit})`);
    stats.maxBuffered = Math.max(stats.maxBuffered, parser.bufferedBytes);
  };
  for (const c of chunks) {
    parser.push(c, (now += 1));
    drain();
  }
  const last = parser.expire(now + 1000, true);
  if (last instanceof SilentLine) throw new Error(`parser returned a dialect's silent line without dialects on: ${last.word}`);
  if (last !== null) out.push(last);
  drain();
  return out;
}

function sameRequest(got: Request, want: ValidRequest): boolean {
  if (got.method !== want.method || got.host !== want.host || got.port !== want.port) return false;
  if (want.method === 'LIST') return got.rfc === null;
  return got.rfc === want.rfc && got.title === want.title;
}

/** Runs the three properties `runsEach` times each; throws on the first counterexample. */
export function runParserFuzz(runsEach: number, seed?: number): FuzzFigures {
  const stats = { maxBuffered: 0 };
  let inputs = 0;
  let bytes = 0;
  let requests = 0;
  let errors = 0;
  const count = (results: Array<Request | ProtocolError>, len: number) => {
    inputs++;
    bytes += len;
    for (const r of results) {
      if (r instanceof ProtocolError) errors++;
      else requests++;
    }
  };
  const params = { numRuns: runsEach, ...(seed !== undefined ? { seed } : {}) };
  (globalThis as { gc?: () => void }).gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();

  // 1. Valid requests, mutated byte by byte, in random chunks: never a throw, bounded buffers.
  fc.assert(
    fc.property(validRequestArb, fc.array(mutationArb, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 6 }), (req, muts, cuts) => {
      const data = mutate(Buffer.from(encodeValid(req)), muts);
      count(feedAll(split(data, cuts), stats), data.length);
    }),
    params,
  );

  // 2. Random bytes, random chunks.
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 3000 }), fc.array(fc.nat(), { maxLength: 6 }), (raw, cuts) => {
      const data = Buffer.from(raw);
      count(feedAll(split(data, cuts), stats), data.length);
    }),
    params,
  );

  // 3. Garbage lines, then valid requests (CRLF or LF-only), in random chunks: every valid one is recognised.
  const garbageLine = fc.string({ maxLength: 80 }).map((s) => s.replace(/[\r\n]/g, ' '));
  fc.assert(
    fc.property(fc.array(garbageLine, { maxLength: 3 }), fc.array(validRequestArb, { minLength: 1, maxLength: 4 }), fc.boolean(), fc.array(fc.nat(), { maxLength: 8 }), (garbage, reqs, lfOnly, cuts) => {
      let text = garbage.map((g) => g + '\n').join('') + reqs.map(encodeValid).join('');
      if (lfOnly) text = text.replace(/\r\n/g, '\n');
      const data = Buffer.from(text);
      const results = feedAll(split(data, cuts), stats);
      count(results, data.length);
      const parsed = results.filter((r): r is Request => !(r instanceof ProtocolError));
      const tail = parsed.slice(parsed.length - reqs.length);
      if (tail.length !== reqs.length || !tail.every((got, i) => sameRequest(got, reqs[i]!))) {
        throw new Error(`valid requests not recognised after garbage: ${JSON.stringify(text).slice(0, 300)}`);
      }
    }),
    params,
  );

  const ms = performance.now() - started;
  (globalThis as { gc?: () => void }).gc?.();
  const heapAfter = process.memoryUsage().heapUsed;
  return {
    runs: runsEach * 3,
    inputs,
    bytes,
    requests,
    errors,
    maxBufferedBytes: stats.maxBuffered,
    heapBeforeMB: heapBefore / 2 ** 20,
    heapAfterMB: heapAfter / 2 ** 20,
    ms,
  };
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1]);
if (isMain) {
  const total = Number(process.argv[2] ?? 1_000_000);
  const f = runParserFuzz(Math.ceil(total / 3));
  console.log(`parser fuzz: ${f.inputs.toLocaleString('en-US')} generated inputs (${(f.bytes / 2 ** 20).toFixed(1)} MiB) in ${(f.ms / 1000).toFixed(1)} s`);
  console.log(`  exceptions escaped: 0 (fast-check would have stopped at the first)`);
  console.log(`  requests recognised: ${f.requests.toLocaleString('en-US')}, coded errors: ${f.errors.toLocaleString('en-US')}`);
  console.log(`  largest parser buffer: ${f.maxBufferedBytes} bytes (line limit ${DEFAULT_LIMITS.maxLineBytes})`);
  console.log(`  heap before/after (after GC): ${f.heapBeforeMB.toFixed(1)} / ${f.heapAfterMB.toFixed(1)} MB`);
}
