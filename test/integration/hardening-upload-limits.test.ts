/**
 * Issue 5, upload side: the upload server's own limits (connections per address, line and
 * request size) cost only the offending connection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeGet } from '../../src/protocol/index.js';
import { UploadServer } from '../../src/peer/upload-server.js';
import { ShareFolder } from '../../src/peer/share-folder.js';
import { connect, containsText, readUntil, waitForClose } from '../helpers/net.js';

async function withUploads(options: ConstructorParameters<typeof UploadServer>[0] extends infer O ? Omit<O & object, 'folder'> : never, body: (port: number) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'p2pci-uplimits-'));
  await copyFile(new URL('../fixtures/rfcs/rfc1.txt', import.meta.url), join(dir, 'rfc1.txt'));
  const uploads = new UploadServer({ ...options, folder: new ShareFolder(dir) });
  const { port } = await uploads.listen(0, '127.0.0.1');
  try {
    await body(port);
  } finally {
    await uploads.close();
    await rm(dir, { recursive: true, force: true });
  }
}

test('upload server: connections per address over the limit are closed, the others are served', { timeout: 15_000 }, async () => {
  await withUploads({ maxConnectionsPerAddress: 2 }, async (port) => {
    const first = await connect(port);
    const second = await connect(port);
    const third = await connect(port);
    await waitForClose(third);
    first.write(encodeGet(1, '127.0.0.1', 'test'));
    const answer = (await readUntil(first, containsText('Content-Type: text/plain'))).toString();
    assert.match(answer, /^P2P-CI\/1.0 200 OK\r\n/);
    first.destroy();
    second.destroy();
  });
});

test('upload server: an over-long line or too large a GET gets a 400 head and no body', { timeout: 15_000 }, async () => {
  await withUploads({ limits: { maxLineBytes: 128, maxRequestBytes: 512 } }, async (port) => {
    const long = await connect(port);
    long.write(`GET RFC 1 P2P-CI/1.0\r\nHost: ${'h'.repeat(500)}\r\nOS: x\r\n\r\n`);
    const refused = (await readUntil(long, containsText('\r\n\r\n'))).toString();
    assert.match(refused, /^P2P-CI\/1.0 400 Bad Request\r\nDate: .+ GMT\r\nOS: .+\r\n\r\n$/);
    await waitForClose(long);
    const big = await connect(port);
    big.write(`GET RFC 1 P2P-CI/1.0\r\n${Array.from({ length: 8 }, (_, i) => `X-${i}: ${'z'.repeat(100)}\r\n`).join('')}\r\n`);
    const answer = (await readUntil(big, containsText('\r\n\r\n'))).toString();
    assert.match(answer, /^P2P-CI\/1.0 400 Bad Request\r\nDate: .+ GMT\r\nOS: .+\r\n\r\n$/);
    await waitForClose(big);
  });
});
