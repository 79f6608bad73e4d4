import type { BenchRow } from './table.js';
import { ChildHandle } from './lib/child-handle.js';
import { connectMany, closeAll } from './lib/clients.js';
import { BENCH_SERVER_LIMITS, fmtCount, type BenchConfig } from './lib/config.js';

/**
 * RSS per connected idle peer: the server's RSS (after GC) with `n` peers connected, minus
 * its RSS with none, over `n` — for p2pci and for a bare Node server holding sockets.
 */
export async function runIdleBench(cfg: BenchConfig, nofile: number, log: (s: string) => void): Promise<BenchRow[]> {
  // Parent and child each hold one descriptor per connection, under the same limit.
  const n = Math.min(cfg.idlePeers, Math.max(100, nofile - 200));
  log(`${n} idle peers`);
  const p2 = await perPeer(() => ChildHandle.server(BENCH_SERVER_LIMITS), n);
  const bare = await perPeer(() => ChildHandle.bare('idle'), n);
  const kb = p2 / 1024;
  return [
    {
      figure: `memory per idle peer, ${fmtCount(n)} peers (server RSS)`,
      value: kb, unit: 'KB', reference: bare / 1024, referenceLabel: 'bare Node socket', ratio: p2 / bare,
      target: '<= 6 KB', pass: cfg.quick ? undefined : kb <= 6 && n >= cfg.idlePeers,
      ...(n < cfg.idlePeers ? { note: `file descriptor limit ${nofile} allows only ${n} peers` } : {}),
    },
  ];
}

async function perPeer(start: () => Promise<ChildHandle>, n: number): Promise<number> {
  const child = await start();
  try {
    const before = await child.mem(true);
    const sockets = await connectMany(child.port, n);
    try {
      await child.waitFor((c) => c.connections === n);
      const after = await child.mem(true);
      return (after.rss - before.rss) / n;
    } finally {
      await closeAll(sockets);
    }
  } finally {
    await child.stop();
  }
}
