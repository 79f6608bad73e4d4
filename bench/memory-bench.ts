import type { BenchRow } from './table.js';
import { ChildHandle } from './lib/child-handle.js';
import { closeAll } from './lib/clients.js';
import { joinBurst } from './lib/join-load.js';
import { BENCH_SERVER_LIMITS, fmtCount, type BenchConfig } from './lib/config.js';
import { distinctRfc } from './lib/workload.js';
import { joinPeers } from './index-bench.js';

/**
 * Memory per record in the worst case (issue 14: <= 300 B): the same join, but every record has its
 * own RFC number and title, so nothing is shared between records (the judged figure uses the
 * real series' ~10,000 numbers, where a title is stored once per RFC).
 */
export async function runMemoryBench(cfg: BenchConfig, log: (s: string) => void): Promise<BenchRow[]> {
  const records = cfg.joinPeers * cfg.addsPerPeer;
  const judge = (ok: boolean) => (cfg.quick ? undefined : ok);
  log(`memory: ${records} records, every one its own RFC number and title`);
  const server = await ChildHandle.server(BENCH_SERVER_LIMITS);
  try {
    const peers = joinPeers(cfg.joinPeers, cfg.addsPerPeer, distinctRfc);
    const before = await server.mem(true);
    const join = await joinBurst(server.port, peers);
    try {
      if (join.complete !== cfg.joinPeers) throw new Error(`only ${join.complete} of ${cfg.joinPeers} peers joined (${join.refused} refused, ${join.unanswered} closed unanswered, ${join.wrong} wrong)`);
      const after = await server.mem(true);
      const perRecord = (after.heapUsed - before.heapUsed) / records;
      return [
        {
          figure: `memory per record, ${fmtCount(records)} distinct RFCs and titles`,
          value: perRecord, unit: 'B', target: '<= 300 B', pass: judge(perRecord <= 300),
          note: 'worst case: a title string (~70 B) and an index bucket per record',
        },
      ];
    } finally {
      await closeAll(join.sockets);
    }
  } finally {
    await server.stop();
  }
}
