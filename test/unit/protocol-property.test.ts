/**
 * Property tests (fast-check) of the request parser:
 *  - any valid request, written in any §6 dialect (LF or CRLF, any case, runs of blanks,
 *    Post for Port, headers in any order, unknown headers, with or without the empty line),
 *    several in a row, fed in arbitrary chunk splits, parses back to the same requests;
 *  - random bytes and mutated valid requests never throw, yield only Request / ProtocolError
 *    / null, keep the line buffer bounded, and do not depend on how the bytes were chunked.
 * A failing run prints its seed and counterexample; rerun with that seed to reproduce.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFAULT_LIMITS, INDEX_METHODS, ProtocolError, RequestParser, type Request } from '../../src/protocol/index.js';
import { split } from './protocol-harness.js';

type Result = Request | ProtocolError;

interface Valid {
  method: 'ADD' | 'LOOKUP' | 'LIST';
  rfc: number;
  host: string;
  port: number;
  title: string;
}

interface Dialect {
  lf: boolean;
  caseFlips: boolean[];
  gaps: string[];
  post: boolean;
  order: number[];
  unknown: string | null;
  blankLine: boolean;
}

const blankRun = fc.stringMatching(/^[ \t]{1,4}$/);
const validArb: fc.Arbitrary<Valid> = fc.record({
  method: fc.constantFrom('ADD' as const, 'LOOKUP' as const, 'LIST' as const),
  rfc: fc.integer({ min: 0, max: 999_999_999 }),
  host: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9.:_-]{0,40}$/),
  port: fc.integer({ min: 1, max: 65535 }),
  // Any text without line ends; the parser trims its ends (§6), so compare trimmed.
  title: fc.string({ unit: 'grapheme', maxLength: 60 }).filter((t) => !/[\r\n]/.test(t)),
});
const dialectArb: fc.Arbitrary<Dialect> = fc.record({
  lf: fc.boolean(),
  caseFlips: fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }),
  gaps: fc.array(blankRun, { minLength: 8, maxLength: 8 }),
  post: fc.boolean(),
  order: fc.shuffledSubarray([0, 1, 2], { minLength: 3, maxLength: 3 }),
  unknown: fc.option(fc.constantFrom('X-Client: fc 1.0', 'Accept: */*', 'OS: Plan 9'), { nil: null }),
  blankLine: fc.boolean(),
});

function flipCase(word: string, flips: boolean[]): string {
  return [...word].map((c, i) => (flips[i % flips.length] ? c.toLowerCase() : c.toUpperCase())).join('');
}

/** Writes `r` the way a deviating but acceptable client might (§6). */
function encodeInDialect(r: Valid, d: Dialect): string {
  const eol = d.lf ? '\n' : '\r\n';
  const g = d.gaps;
  const method = flipCase(r.method, d.caseFlips);
  const version = flipCase('P2P-CI/1.0', d.caseFlips.slice(3));
  const requestLine = r.method === 'LIST'
    ? `${method}${g[0]}${flipCase('ALL', d.caseFlips.slice(1))}${g[1]}${version}`
    : `${method}${g[0]}${flipCase('RFC', d.caseFlips.slice(1))}${g[1]}${r.rfc}${g[2]}${version}`;
  const headers = [
    `${flipCase('Host', d.caseFlips.slice(5))}:${g[3]}${r.host}${g[4]}`,
    `${flipCase(d.post ? 'Post' : 'Port', d.caseFlips.slice(7))}:${g[5]}${r.port}`,
    `${flipCase('Title', d.caseFlips.slice(9))}:${g[6]}${r.title}`,
  ];
  const lines = [requestLine];
  if (d.unknown !== null && r.method !== 'LIST') lines.push(d.unknown);
  for (const i of d.order) if (i < 2 || r.method !== 'LIST') lines.push(headers[i]!);
  return lines.join(eol) + eol + (d.blankLine ? eol : '');
}

function expected(r: Valid): Record<string, unknown> {
  const o: Record<string, unknown> = { method: r.method, rfc: r.method === 'LIST' ? null : r.rfc, host: r.host, port: r.port };
  if (r.method !== 'LIST') o.title = r.title.trim();
  return o;
}

function brief(r: Result): Record<string, unknown> {
  if (r instanceof ProtocolError) return { error: r.code };
  const o: Record<string, unknown> = { method: r.method, rfc: r.rfc, host: r.host, port: r.port };
  if (r.title !== undefined) o.title = r.title;
  return o;
}

/** Feeds every chunk, pulls everything after each, then ends the input; checks the contract. */
function run(chunks: Buffer[], idleAt?: number[]): Result[] {
  const p = new RequestParser({ methods: INDEX_METHODS, idleCompletionMs: 50 });
  const out: Result[] = [];
  const take = (r: unknown) => {
    if (r === null) return false;
    if (!(r instanceof ProtocolError) && !(typeof r === 'object' && r !== null && INDEX_METHODS.includes((r as Request).method))) {
      throw new Error(`parser returned neither a request nor a coded error: ${String(r)}`);
    }
    if (r instanceof ProtocolError) assert.ok(r.status === 400 || r.status === 505, `error ${r.code} maps to ${r.status}`);
    out.push(r as Result);
    return true;
  };
  let now = 0;
  chunks.forEach((c, i) => {
    p.push(c, (now += 1));
    while (take(p.next()));
    assert.ok(p.bufferedBytes <= DEFAULT_LIMITS.maxLineBytes + 1, `line buffer holds ${p.bufferedBytes} bytes`);
    if (idleAt?.includes(i)) take(p.expire((now += 1000)));
  });
  while (take(p.expire(now, true)));
  return out;
}

test('property: valid requests in any §6 dialect, any chunking, parse back to the same requests', { timeout: 60_000 }, () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(validArb, dialectArb), { minLength: 1, maxLength: 4 }),
      fc.array(fc.nat(), { maxLength: 40 }),
      (requests, cuts) => {
        const bytes = Buffer.from(requests.map(([r, d]) => encodeInDialect(r, d)).join(''), 'utf8');
        const got = run(split(bytes, cuts)).map(brief);
        assert.deepEqual(got, requests.map(([r]) => expected(r)));
      },
    ),
    { numRuns: 600 },
  );
});

test('property: random bytes never throw, yield only coded results, and do not depend on chunking', { timeout: 60_000 }, () => {
  // Bytes biased towards what matters to the parser: line ends, blanks, colons, digits, words.
  const byteArb = fc.oneof(
    fc.integer({ min: 0, max: 255 }),
    fc.constantFrom(10, 13, 32, 9, 58, 48, 49),
  );
  const tokenArb = fc.oneof(
    fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
    fc.array(byteArb, { maxLength: 64 }).map((a) => Buffer.from(a)),
    fc.constantFrom('ADD ', 'LOOKUP ', 'LIST ALL ', 'RFC ', '12 ', 'P2P-CI/1.0', 'P2P-CI/2.0', 'Host: h', 'Port: 7', 'Post: 99999', 'Title: x', '\r\n', '\n', ':').map((s) => Buffer.from(s)),
  );
  fc.assert(
    fc.property(fc.array(tokenArb, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 30 }), (tokens, cuts) => {
      const bytes = Buffer.concat(tokens);
      const whole = run([bytes]).map(brief);
      const pieces = run(split(bytes, cuts)).map(brief);
      assert.deepEqual(pieces, whole);
    }),
    { numRuns: 1500 },
  );
});

test('property: mutated valid requests, with idle expiries between chunks, never throw', { timeout: 60_000 }, () => {
  const mutation = fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), kind: fc.constantFrom('replace', 'insert', 'delete') });
  fc.assert(
    fc.property(
      fc.array(fc.tuple(validArb, dialectArb), { minLength: 1, maxLength: 3 }),
      fc.array(mutation, { minLength: 1, maxLength: 6 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      fc.array(fc.nat({ max: 20 }), { maxLength: 4 }),
      (requests, mutations, cuts, idleAt) => {
        const arr = [...Buffer.from(requests.map(([r, d]) => encodeInDialect(r, d)).join(''), 'utf8')];
        for (const m of mutations) {
          const at = m.at % (arr.length + 1);
          if (m.kind === 'insert') arr.splice(at, 0, m.byte);
          else if (at < arr.length) {
            if (m.kind === 'replace') arr[at] = m.byte;
            else arr.splice(at, 1);
          }
        }
        const results = run(split(Buffer.from(arr), cuts), idleAt);
        // A few mutated bytes can't turn N requests into many more answers than lines.
        const lines = arr.filter((b) => b === 10).length + 1;
        assert.ok(results.length <= lines, `${results.length} results from ${lines} lines`);
      },
    ),
    { numRuns: 1500 },
  );
});

test('the dialect encoder behind the properties writes what it claims (fixture)', { timeout: 10_000 }, () => {
  // The dialect encoder really puts the title on the wire, so the round-trip check has teeth.
  const r: Valid = { method: 'ADD', rfc: 7, host: 'h', port: 9, title: ' spaced  title ' };
  const d: Dialect = { lf: true, caseFlips: Array(16).fill(true), gaps: Array(8).fill('\t '), post: true, order: [2, 1, 0], unknown: 'X: y', blankLine: false };
  const wire = encodeInDialect(r, d);
  assert.equal(wire, 'add\t rfc\t 7\t p2p-ci/1.0\nX: y\ntitle:\t  spaced  title \npost:\t 9\nhost:\t h\t \n');
  assert.deepEqual(run([Buffer.from(wire)]).map(brief), [{ method: 'ADD', rfc: 7, host: 'h', port: 9, title: 'spaced  title' }]);
});
