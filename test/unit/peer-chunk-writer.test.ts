import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChunkWriter } from '../../src/peer/chunk-writer.js';

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'p2pci-chunks-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('chunks pushed faster than the disk writes land in order, byte for byte, and progress reaches the total', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'out');
    const file = await open(path, 'wx');
    const chunks = Array.from({ length: 300 }, (_, i) => randomBytes(1 + ((i * 7919) % 70_000)));
    const total = chunks.reduce((n, c) => n + c.length, 0);
    const progress: number[] = [];
    const writer = new ChunkWriter(file, 1 << 20, (onDisk) => progress.push(onDisk));
    for (const chunk of chunks) await writer.push(chunk);
    await writer.push(Buffer.alloc(0));
    await writer.drain();
    await file.close();
    assert.ok((await readFile(path)).equals(Buffer.concat(chunks)));
    assert.equal(writer.pending, 0);
    assert.equal(progress.at(-1), total);
    assert.ok(progress.every((n, i) => i === 0 || n > progress[i - 1]!), 'progress only grows');
    // Chunks that arrived during a write went out together: far fewer writes than chunks.
    assert.ok(progress.length < chunks.length, `${progress.length} writes for ${chunks.length} chunks`);
  });
});

test('push returns at once under the limit and waits for the disk once the limit is reached', async () => {
  await withTempDir(async (dir) => {
    const file = await open(join(dir, 'out'), 'wx');
    const writer = new ChunkWriter(file, 100_000);
    await writer.push(Buffer.alloc(60_000, 1));
    assert.equal(writer.pending, 60_000, 'under the limit: not waited for');
    await writer.push(Buffer.alloc(60_000, 2));
    assert.equal(writer.pending, 0, 'over the limit: returned only once written');
    await writer.drain();
    await file.close();
  });
});

test('a write error is thrown by the next push or by drain, and nothing more is written', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'read-only');
    await writeFile(path, 'x');
    const file = await open(path, 'r'); // writes fail with EBADF
    const writer = new ChunkWriter(file, 1 << 20);
    await writer.push(Buffer.from('first'));
    await assert.rejects(writer.drain(), { code: 'EBADF' });
    await assert.rejects(writer.push(Buffer.from('second')), { code: 'EBADF' });
    await file.close();
    assert.equal(await readFile(path, 'utf8'), 'x');
  });
});
