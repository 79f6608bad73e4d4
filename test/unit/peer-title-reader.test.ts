import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { defaultTitle, readTitle, titleFromText } from '../../src/peer/title-reader.js';

const RFCS = fileURLToPath(new URL('../fixtures/rfcs/', import.meta.url));

// Expected titles written down by reading each file's head by eye.
const EXPECTED: ReadonlyArray<[number, string]> = [
  [1, 'Host Software'], // "Title:   Host Software" inside a Title/Author/Date block
  [3, 'DOCUMENTATION CONVENTIONS'],
  [20, 'ASCII format for Network Interchange'],
  [33, 'New HOST-HOST Protocol'],
  [50, 'Comments on the Meyer Proposal'], // underlined with dashes
  [100, 'Categorization and Guide to NWG/RFCs'],
  [150, 'THE USE OF IPC FACILITIES'], // flush left, in capitals
  [300, 'ARPA NETWORK MAILING LISTS'],
  [400, 'TRAFFIC STATISTICS (September 1972)'],
  [454, 'FILE TRANSFER PROTOCOL'],
  [499, "HARVARD'S NETWORK RJE"],
];

for (const [rfc, title] of EXPECTED) {
  test(`title of RFC ${rfc} is read from the file`, async () => {
    assert.equal(await readTitle(join(RFCS, `rfc${rfc}.txt`), rfc), title);
  });
}

test('files without a recognisable title get the default "RFC <n>"', async () => {
  // rfc2: "[unknown title]"; rfc350: first paragraph right after the header; rfc500: a stub note.
  for (const rfc of [2, 350, 500]) assert.equal(await readTitle(join(RFCS, `rfc${rfc}.txt`), rfc), defaultTitle(rfc));
  assert.equal(defaultTitle(7), 'RFC 7');
});

test('titleFromText: LF-only and CRLF give the same title; control bytes never reach the title', () => {
  const head = '\n\nNetwork Working Group                J. Doe\nRequest for Comments: 9                Somewhere\n\n\n              A Title\twith\x07Bells\n\nBody.\n';
  assert.equal(titleFromText(head), 'A Title with Bells');
  assert.equal(titleFromText(head.replace(/\n/g, '\r\n')), 'A Title with Bells');
  assert.equal(titleFromText(''), null);
  assert.equal(titleFromText('just some text\nwithout a header\n'), null);
});

test('titleFromText joins a title wrapped over two centred lines', () => {
  const head = 'Network Working Group     X\nRequest for Comments: 10  Y\n\n        A Very Long Title That\n          Wraps Onto Two Lines\n\n   Body text.\n';
  assert.equal(titleFromText(head), 'A Very Long Title That Wraps Onto Two Lines');
});
