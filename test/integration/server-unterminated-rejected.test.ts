/**
 * Issue 11, defect 3: a request rejected at its request line whose last line has no line end
 * (dialect I: `ADD RFC 2 P2P-CI-v1.0.0\nHost: localhost\nPort: 42689\nTitle: t`). Before the
 * fix the unterminated `Title: t` was glued to the next request, which was then skipped as a
 * stray, and the connection sat until the header timeout closed it. Both requests must be
 * answered at once, and per §4 an unknown version word is 505, not 400.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, readUntil, startIndexServer } from '../helpers/net.js';
import { encodeList } from '../../src/protocol/index.js';

const VERSION_505 = 'P2P-CI/1.0 505 P2P-CI Version Not Supported\r\n\r\n\r\n';
const answers = (n: number) => (b: Buffer) => b.toString('latin1').split(VERSION_505).length - 1 >= n;

test('dialect I: two requests with an unknown version word and no final line end are both answered 505 at once', { timeout: 15_000 }, async () => {
  // A header timeout far beyond the read bound: an answer that needs it can't pass. Dialects
  // off (--strict): adapting, the server serves I in its own version word (dialects-their-clients).
  const srv = await startIndexServer({ limits: { headerTimeoutMs: 60_000, dialects: false } });
  const s = await connect(srv.port);
  try {
    s.write('ADD RFC 2 P2P-CI-v1.0.0\nHost: localhost\nPort: 42689\nTitle: t');
    assert.equal((await readUntil(s, answers(1), 2000)).toString('latin1'), VERSION_505);
    s.write('ADD RFC 3 P2P-CI-v1.0.0\nHost: localhost\nPort: 42689\nTitle: u');
    assert.equal((await readUntil(s, answers(1), 2000)).toString('latin1'), VERSION_505);
    // The connection is still in step: a spec request gets its spec answer.
    s.write(encodeList({ host: 'localhost', port: 42689 }));
    assert.equal((await readUntil(s, (b) => b.includes('\r\n\r\n\r\n'), 2000)).toString('latin1'), 'P2P-CI/1.0 200 OK\r\n\r\n\r\n');
  } finally {
    s.destroy();
    await srv.close();
  }
});

test('a stray header line split across reads after a rejected request is skipped, not answered 400', { timeout: 15_000 }, async () => {
  const srv = await startIndexServer({ limits: { headerTimeoutMs: 60_000 } });
  const s = await connect(srv.port);
  try {
    s.write('ADD RFC 2 P2P-CI/2.0\r\nHost: h\r\nPort: 1\r\nTitle: a lo');
    assert.equal((await readUntil(s, answers(1), 2000)).toString('latin1'), VERSION_505);
    s.write('ng title\r\nLIST ALL P2P-CI/1.0\r\nHost: h\r\nPort: 1\r\n\r\n');
    assert.equal((await readUntil(s, (b) => b.includes('\r\n\r\n\r\n'), 2000)).toString('latin1'), 'P2P-CI/1.0 200 OK\r\n\r\n\r\n');
  } finally {
    s.destroy();
    await srv.close();
  }
});
