/**
 * The audit after a failed whole-file check (src/peer/swarm/piece-audit.ts). A lying source is
 * a checker too; when another checker's verdict drops it, the liar's own fetch in flight dies
 * with its socket ("Premature close", a plain Error, not SourceFailed). That must end the
 * liar's checking, not the download: found 1 run in 150 of the bench's liar row.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditPieces } from '../../src/peer/swarm/piece-audit.js';
import { PieceScheduler } from '../../src/peer/swarm/piece-scheduler.js';
import type { SwarmSource } from '../../src/peer/swarm/swarm-source.js';

const PIECE = 16;
const TRUTH = Buffer.from('0123456789abcdef'.repeat(4)); // 4 pieces
const source = (index: number): SwarmSource => ({ peer: { host: '127.0.0.1', port: 7000 + index }, index, bytes: 0, dropped: false, digest: null, socket: null, streaming: false });

test("a liar dropped while its own audit fetch is in flight: the audit ends well, the liar named, the file exact", { timeout: 10_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'p2pci-audit-'));
  const file = await open(join(dir, 'data'), 'w+');
  try {
    // Pieces 0-1 came from honest source 0, pieces 2-3 from liar 1 (wrong bytes on disk).
    const onDisk = Buffer.from(TRUTH);
    onDisk.fill('X', 2 * PIECE);
    await file.write(onDisk, 0, onDisk.length, 0);
    const pieces = new PieceScheduler(TRUTH.length, PIECE);
    pieces.restore([0, 1, 2, 3]);
    [0, 0, 1, 1].forEach((giver, i) => pieces.reassign(i, giver));
    const sources = [source(0), source(1), source(2)];
    let failLiarFetch: ((err: Error) => void) | null = null;
    const drops: string[] = [];
    await auditPieces({
      pieces, file, sources,
      fetch: (src, i) => {
        // The liar's fetch hangs until it is dropped, then dies as its destroyed socket would.
        if (src.index === 1) return new Promise<Buffer>((_, reject) => (failLiarFetch = reject));
        return Promise.resolve(TRUTH.subarray(pieces.pieceStart(i), pieces.pieceStart(i) + pieces.pieceLength(i)));
      },
      drop: (src, reason) => {
        if (src.dropped) return;
        src.dropped = true;
        src.reason = reason;
        drops.push(`${src.index}: ${reason}`);
        failLiarFetch?.(new Error('Premature close'));
      },
      write: async (i, bytes) => {
        await file.write(bytes, 0, bytes.length, pieces.pieceStart(i));
      },
    });
    assert.equal(drops.length, 1, drops.join('; '));
    assert.match(drops[0]!, /^1: sent wrong bytes for piece [23] \(bytes \d+-\d+\)$/);
    const now = Buffer.alloc(TRUTH.length);
    await file.read(now, 0, now.length, 0);
    assert.equal(now.toString(), TRUTH.toString());
  } finally {
    await file.close();
    await rm(dir, { recursive: true, force: true });
  }
});
