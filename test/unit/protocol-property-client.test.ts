/**
 * Property tests (fast-check) of the client-side readers: index-server answers (pipelined,
 * in the spec's form, LF-only, or without empty lines, in any chunking) read back exactly;
 * GET answers for real RFC files in every tolerated dialect yield the file byte for byte.
 * A failing run prints its seed and counterexample; rerun with that seed to reproduce.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import {
  encodeIndexResponse,
  GetHeadReader,
  ProtocolError,
  resolveBody,
  ResponseParser,
  type IndexMethod,
  type IndexResponse,
  type RfcRecord,
  type StatusCode,
} from '../../src/protocol/index.js';
import { split } from './protocol-harness.js';

const recordArb: fc.Arbitrary<RfcRecord> = fc.record({
  rfc: fc.integer({ min: 0, max: 999_999_999 }),
  // A record line's title sits between single words: its ends can't carry blanks.
  title: fc.oneof(fc.constant(''), fc.stringMatching(/^[A-Za-z0-9(][A-Za-z0-9 ,.()'-]{0,40}[A-Za-z0-9.)]$/)),
  host: fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,30}$/),
  port: fc.integer({ min: 1, max: 65535 }),
}).map((r) => ({ ...r })); // plain objects, comparable with deepEqual
type Answer = { method: IndexMethod; status: StatusCode; records: RfcRecord[] };
const answerArb: fc.Arbitrary<Answer> = fc.oneof(
  recordArb.map((r): Answer => ({ method: 'ADD', status: 200, records: [r] })),
  fc.array(recordArb, { minLength: 1, maxLength: 5 }).map((records): Answer => ({ method: 'LOOKUP', status: 200, records })),
  fc.constant<Answer>({ method: 'LOOKUP', status: 404, records: [] }),
  fc.array(recordArb, { maxLength: 8 }).map((records): Answer => ({ method: 'LIST', status: 200, records })),
  fc.constantFrom<Answer>({ method: 'ADD', status: 400, records: [] }, { method: 'LIST', status: 505, records: [] }),
);

test('property: pipelined answers in CRLF, LF-only or without empty lines, any chunking, read back the same', { timeout: 60_000 }, () => {
  fc.assert(
    fc.property(
      fc.array(answerArb, { minLength: 1, maxLength: 6 }),
      fc.constantFrom('spec', 'lf', 'no-empty-lines'),
      fc.array(fc.nat(), { maxLength: 30 }),
      (answers, dialect, cuts) => {
        let text = answers.map((a) => encodeIndexResponse(a.status, a.records)).join('');
        if (dialect !== 'spec') text = text.replace(/\r\n/g, '\n');
        if (dialect === 'no-empty-lines') text = text.replace(/\n\n+/g, '\n');
        const p = new ResponseParser({ idleCompletionMs: 50 });
        for (const a of answers) p.expect(a.method);
        const got: Array<IndexResponse | ProtocolError> = [];
        for (const chunk of split(Buffer.from(text, 'utf8'), cuts)) {
          p.push(chunk, 0);
          for (let r = p.next(); r !== null; r = p.next()) got.push(r);
        }
        // Without empty lines the last LOOKUP/LIST ends only with the server's silence.
        const last = p.expire(50);
        if (last !== null) got.push(last);
        assert.deepEqual(
          got.map((r) => (r instanceof ProtocolError ? r.code : { status: r.status, records: r.records })),
          answers.map((a) => ({ status: a.status, records: a.records })),
        );
        assert.equal(p.pending, 0);
      },
    ),
    { numRuns: 800 },
  );
});

const fixtureDir = new URL('../fixtures/rfcs/', import.meta.url);
const fixtureNames = readdirSync(fixtureDir).filter((n) => /^rfc\d+\.txt$/.test(n)).sort();

test('property: a GET answer for any fixture RFC, in any tolerated dialect and chunking, yields the file byte for byte or fails, never a wrong file', { timeout: 60_000 }, () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...fixtureNames),
      fc.record({ lf: fc.boolean(), separator: fc.boolean(), data: fc.boolean(), extraFront: fc.nat({ max: 3 }) }),
      fc.array(fc.nat(), { maxLength: 25 }),
      (name, d, cuts) => {
        const file = readFileSync(new URL(name, fixtureDir));
        const eol = d.lf ? '\n' : '\r\n';
        const head =
          `P2P-CI/1.0 200 OK${eol}${d.data ? 'Data' : 'Date'}: Thu, 12 Feb 2009 15:12:05 GMT${eol}OS: Linux${eol}` +
          `Last-Modified: Thu, 21 Jan 2001 09:23:46 GMT${eol}Content-Length: ${file.length}${eol}Content-Type: text/plain${eol}` +
          (d.separator ? eol + eol.repeat(d.extraFront) : '');
        const reader = new GetHeadReader();
        let result: ReturnType<GetHeadReader['push']> = null;
        const body: Buffer[] = [];
        for (const chunk of split(Buffer.concat([Buffer.from(head, 'latin1'), file]), cuts)) {
          if (result === null) {
            result = reader.push(chunk);
            if (result !== null && !(result instanceof ProtocolError)) body.push(result.bodyStart);
          } else {
            body.push(chunk);
          }
        }
        assert.ok(result !== null && !(result instanceof ProtocolError), `head not read: ${String(result)}`);
        const received = Buffer.concat(body);
        const verdict = resolveBody(received.length, result.head.contentLength!, result.headTail);
        // Never a wrong file: whatever is saved is the file itself.
        if (verdict.ok) {
          const saved = Buffer.concat([verdict.prepend, received]);
          assert.ok(saved.equals(file), `${name}: ${saved.length} bytes saved, ${file.length} expected`);
        }
        // And always the file when the head decides where the body starts: one empty line
        // sent, or none sent by an uploader whose head isn't the spec's own (§3 heads end
        // with their empty line, so without it a file starting with one can't be told apart).
        const specHead = !d.lf && !d.data;
        const startsBlank = file[0] === 10 || (file[0] === 13 && file[1] === 10);
        const decidable = d.separator ? d.extraFront === 0 : !specHead || !startsBlank;
        assert.equal(verdict.ok, decidable, `${name} ${JSON.stringify(d)}: ${verdict.ok ? 'saved' : verdict.reason}`);
      },
    ),
    { numRuns: 300 },
  );
});
