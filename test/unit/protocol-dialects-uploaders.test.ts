/**
 * Our downloader → their uploaders, as the dialect table's `uploader` entries say
 * (src/protocol/dialects/uploader-reaction.ts): each piece of evidence an uploader of
 * DIALECTS.md shows to our GET, and the exact bytes we send next.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECT_TABLE, GetDialect, SPEC_GET, encodeGet, headEvidence, uploaderReaction } from '../../src/protocol/index.js';

const GET = { rfc: 2, host: 'vm', os: 'Linux' };
const SPEC_BYTES = 'GET RFC 2 P2P-CI/1.0\r\nHost: vm\r\nOS: Linux\r\n\r\n';
const LF_BYTES = 'GET RFC 2 P2P-CI/1.0\nHost: vm\nOS: Linux\n\n';

/** A head as the GET head reader reports it. */
const head = (status: number, separator: 'empty-line' | 'end-line' | null = 'empty-line', versionWord = 'P2P-CI/1.0') => ({ status, separator, versionWord });

test('a GET starts in the spec\'s bytes, exactly encode.ts\'s; a spec uploader\'s answers change nothing', () => {
  const g = new GetDialect(GET, undefined, true);
  assert.equal(g.request(), SPEC_BYTES);
  assert.equal(g.request(), encodeGet(2, 'vm', 'Linux'));
  for (const status of [200, 404, 400]) assert.deepEqual(g.answered(head(status)), { then: 'take', send: '' }, `${status}`);
  assert.equal(g.request(), SPEC_BYTES);
  assert.equal(g.id, 'spec');
  assert.equal(g.learnt(), null, 'nothing to remember of a spec uploader');
  assert.deepEqual(headEvidence(head(200)), []);
});

test('E: a 505 to the spec GET → the same GET again in LF, once; named E and remembered', () => {
  const g = new GetDialect(GET, undefined, true);
  assert.deepEqual(g.answered(head(505, null)), { then: 'again', send: LF_BYTES });
  assert.deepEqual(g.answered(head(505, null)), { then: 'take', send: '' }, 'a 505 to the LF GET teaches nothing more');
  assert.equal(g.id, 'E');
  assert.equal(g.describe(), 'in LF');
  assert.deepEqual(g.learnt(), { style: { eol: '\n', end: false }, id: 'E' });
  // The next GET to it starts in LF and is named by what was learnt.
  const next = new GetDialect(GET, g.learnt()!, true);
  assert.equal(next.request(), LF_BYTES);
  assert.deepEqual(next.answered(head(200, null)), { then: 'take', send: '' });
  assert.equal(next.id, 'E');
});

test('G: silence on a fresh connection → a line END after the GET; its END-framed head confirms it', () => {
  const g = new GetDialect(GET, undefined, true);
  assert.equal(g.expects('silence'), true);
  assert.deepEqual(g.react('silence'), { then: 'complete', send: 'END\n' });
  assert.equal(g.expects('silence'), false, 'END is sent once');
  assert.deepEqual(g.answered(head(200, 'end-line')), { then: 'take', send: '' });
  assert.equal(g.id, 'G');
  assert.deepEqual(g.learnt(), { style: { eol: '\r\n', end: true }, id: 'G' });
  const next = new GetDialect(GET, g.learnt()!, true);
  assert.equal(next.request(), `${SPEC_BYTES}END\n`);
  assert.equal(next.expects('silence'), false);
  next.answered(head(200, 'end-line'));
  assert.equal(next.id, 'G');
});

test('a slow spec uploader that got our END stays spec: the try is undone when its head shows no END', () => {
  const g = new GetDialect(GET, undefined, true);
  assert.equal(g.react('silence').send, 'END\n');
  g.answered(head(200));
  assert.equal(g.id, 'spec');
  assert.deepEqual(g.style, SPEC_GET);
  assert.equal(g.learnt(), null);
});

test('a 505 after our END try: the retry is the LF GET without END (the 505 was not G\'s)', () => {
  const g = new GetDialect(GET, undefined, true);
  g.react('silence');
  assert.deepEqual(g.answered(head(505, null)), { then: 'again', send: LF_BYTES });
  assert.equal(g.id, 'E');
});

test('F: its status word P2PCI/1.0 names it; the bytes stay the spec\'s', () => {
  const g = new GetDialect(GET, undefined, true);
  assert.deepEqual(headEvidence(head(200, 'empty-line', 'P2PCI/1.0')), ['status-version']);
  assert.deepEqual(g.answered(head(200, 'empty-line', 'P2PCI/1.0')), { then: 'take', send: '' });
  assert.equal(g.id, 'F');
  assert.equal(g.request(), SPEC_BYTES);
  assert.deepEqual(g.learnt(), { style: SPEC_GET, id: 'F' });
  assert.equal(uploaderReaction('status-version', SPEC_GET, 'P2P-CI-v1.0.0'), null, 'a word no entry claims names nothing');
});

test('B: a connection held open after exactly Content-Length bytes names it; G\'s own END named G first', () => {
  const b = new GetDialect(GET, undefined, true);
  assert.equal(b.expects('held-open'), true);
  b.answered(head(200, null));
  b.react('held-open');
  assert.equal(b.id, 'B');
  const g = new GetDialect(GET, undefined, true);
  g.react('silence');
  g.answered(head(200, 'end-line'));
  g.react('held-open');
  assert.equal(g.id, 'G');
});

test('a spec-style memory (B, F) does not name an uploader that now shows nothing', () => {
  const g = new GetDialect(GET, { style: SPEC_GET, id: 'F' }, true);
  assert.equal(g.request(), SPEC_BYTES);
  g.answered(head(200));
  assert.equal(g.id, 'spec');
  assert.equal(g.learnt(), null, 'forgotten');
});

test('--strict: spec bytes whatever was learnt, no evidence watched, every answer taken as it is', () => {
  const g = new GetDialect(GET, { style: { eol: '\n', end: true }, id: 'G' }, false);
  assert.equal(g.request(), SPEC_BYTES);
  assert.equal(g.expects('silence'), false);
  assert.equal(g.expects('held-open'), false);
  assert.deepEqual(g.react('silence'), { then: 'take', send: '' });
  assert.deepEqual(g.answered(head(505, null)), { then: 'take', send: '' });
  assert.equal(g.id, 'spec');
});

test('the table\'s uploader entries: status-version only where a status word is given, complete only adds bytes', () => {
  for (const d of DIALECT_TABLE) {
    for (const r of d.uploader ?? []) {
      if (r.on === 'status-version') assert.ok(d.statusVersion !== undefined, `${d.id} claims a status word`);
      if (r.then === 'complete') {
        const g = new GetDialect(GET, { style: { ...SPEC_GET, ...r.when }, id: d.id }, true);
        const before = g.request();
        const next = g.react(r.on);
        assert.equal(g.request(), before + next.send, `${d.id}: what 'complete' sends makes the GET of the new style`);
      }
    }
  }
  assert.deepEqual(DIALECT_TABLE.filter((d) => d.uploader !== undefined).map((d) => d.id).sort(), ['B', 'E', 'F', 'G']);
});
