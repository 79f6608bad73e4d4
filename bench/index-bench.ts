import type { Socket } from 'node:net';
import type { BenchRow } from './table.js';
import { ChildHandle } from './lib/child-handle.js';
import { connectTo, closeAll } from './lib/clients.js';
import { IndexClient } from './lib/index-client.js';
import { joinBurst, type JoinPeer } from './lib/join-load.js';
import { lookupLoad, percentile, type LookupLoadResult } from './lib/lookup-load.js';
import { BENCH_SERVER_LIMITS, fmtCount, type BenchConfig } from './lib/config.js';
import { timeDeparture } from './lib/departure.js';
import { addRequests, joinRfc, joinTraffic, lookupRequest, probeAnswer, probeRfcs, PROBE_PEER, type RfcOf } from './lib/workload.js';

const MB = 1e6;

type Measured = LookupLoadResult & { cpuPerAnswer: number };

/**
 * The index-server figures of issue 6, in one sequence on one server child: LOOKUP rate and
 * latency against bare Node, then the index grown to 100k and (by the join burst) 1M records,
 * memory per record, and a 10,000-record peer leaving. LIST ALL of the same index is the
 * `list` suite (list-bench.ts), pinned.
 */
export async function runIndexBench(cfg: BenchConfig, log: (s: string) => void): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const judge = (ok: boolean) => (cfg.quick ? undefined : ok);
  const probes = probeRfcs();
  const requests = probes.map(lookupRequest);
  const answers = probes.map(probeAnswer);
  const answerLength = answers[0]!.length;
  const server = await ChildHandle.server(BENCH_SERVER_LIMITS);
  const bare = await ChildHandle.bare('reqresp', answers[0]!.toString('latin1'));
  const held: Socket[] = [];
  /** One closed-loop run, with the server child's CPU per answer (less noisy than a rate on a shared machine). */
  const load = async (child: ChildHandle, clients: number, exact: boolean) => {
    const cpuBefore = await child.cpuMicros();
    const r = await lookupLoad({ port: child.port, clients, requests, answers: exact ? answers : null, answerLength, warmupMs: cfg.warmupMs, durationMs: cfg.durationMs });
    return { ...r, cpuPerAnswer: ((await child.cpuMicros()) - cpuBefore) / Math.max(1, r.completed ?? r.answered) };
  };
  /**
   * Best of `rounds` runs on the server under test and on a reference server, alternating, so
   * both meet the same machine (other processes come and go on a shared one).
   */
  const pair = async (clients: number, other: ChildHandle, otherIsP2pci: boolean) => {
    let p2: Measured | null = null;
    let ref: Measured | null = null;
    for (let round = 0; round < cfg.rounds; round++) {
      for (const [child, exact] of [[server, true], [other, otherIsP2pci]] as const) {
        const r = await load(child, clients, exact);
        if (r.wrongAnswers > 0) throw new Error(`${r.wrongAnswers} wrong LOOKUP answers from ${child.name}`);
        if (child === server && (p2 === null || r.rate > p2.rate)) p2 = r;
        if (child === other && (ref === null || r.rate > ref.rate)) ref = r;
      }
    }
    return { p2: p2!, ref: ref! };
  };
  const registerProbes = async (child: ChildHandle) => {
    const socket = await connectTo(child.port);
    held.push(socket);
    const probed = await new IndexClient(socket).send('ADD', addRequests(probes, PROBE_PEER), probes.length);
    if (probed.some((a) => a.status !== 200)) throw new Error('probe ADDs failed');
  };
  // The reference for index size: a second server that only ever holds the probe records.
  const small = await ChildHandle.server(BENCH_SERVER_LIMITS);
  try {
    await registerProbes(server);
    await registerProbes(small);
    // Warm-up (JIT, socket buffers) of both p2pci servers; not measured.
    for (const child of [server, small, bare]) await load(child, cfg.latencyClients, child !== bare);

    for (const clients of cfg.lookupClients) {
      log(`LOOKUP, ${clients} clients`);
      const { p2, ref: b } = await pair(clients, bare, false);
      const ratio = p2.rate / b.rate;
      const judged = clients === cfg.judgedClients;
      rows.push({
        figure: `LOOKUP rate, ${clients} client${clients === 1 ? '' : 's'}`,
        value: p2.rate, unit: 'req/s', reference: b.rate, referenceLabel: 'bare Node', ratio,
        ...(judged ? { target: '>= 0.70 x bare Node', pass: judge(ratio >= 0.7) } : {}),
      });
      if (judged) {
        rows.push({
          figure: `server CPU per LOOKUP, ${clients} clients`, value: p2.cpuPerAnswer, unit: 'µs', reference: b.cpuPerAnswer, referenceLabel: 'bare Node',
          ratio: p2.cpuPerAnswer / b.cpuPerAnswer, note: 'user + system of the server process, per answer',
        });
      }
      if (clients === cfg.latencyClients) {
        const p99 = percentile(p2.latencies, 99);
        rows.push({ figure: `LOOKUP latency p50, ${clients} clients`, value: percentile(p2.latencies, 50), unit: 'ms', reference: percentile(b.latencies, 50), referenceLabel: 'bare Node' });
        rows.push({
          figure: `LOOKUP latency p99, ${clients} clients`, value: p99, unit: 'ms', reference: percentile(b.latencies, 99), referenceLabel: 'bare Node',
          target: '<= 1 ms', pass: judge(p99 <= 1),
        });
      }
    }
    const sizeRow = async (nominal: number, judged: boolean): Promise<BenchRow> => {
      const records = (await server.count()).records;
      const { p2, ref } = await pair(cfg.latencyClients, small, true);
      const ratio = p2.rate / ref.rate;
      return {
        figure: `LOOKUP rate, ${fmtCount(nominal)} records, ${cfg.latencyClients} clients`,
        value: p2.rate, unit: 'req/s', reference: ref.rate, referenceLabel: `${fmtCount(probes.length)} records`, ratio,
        ...(judged ? { target: '>= 0.90 x rate at 1k', pass: judge(ratio >= 0.9) } : {}),
        note: `${records.toLocaleString('en-US')} records (${fmtCount(probes.length)} probed + join peers'), vs a 1k-record server in turn`,
      };
    };

    // The middle size: peers join, are measured against, and leave again.
    log(`index at ${fmtCount(cfg.midPeers * cfg.addsPerPeer)} records`);
    const mid = await joinBurst(server.port, joinPeers(cfg.midPeers, cfg.addsPerPeer));
    if (mid.complete !== cfg.midPeers) throw new Error(`only ${mid.complete} of ${cfg.midPeers} peers joined (${mid.refused} refused, ${mid.unanswered} closed unanswered, ${mid.wrong} wrong)`);
    rows.push(await sizeRow(cfg.midPeers * cfg.addsPerPeer, false));
    await closeAll(mid.sockets);
    await server.waitFor((c) => c.records === probes.length);

    log(`join: ${cfg.joinPeers} peers x ${cfg.addsPerPeer} ADDs`);
    const peers = joinPeers(cfg.joinPeers, cfg.addsPerPeer);
    const before = await server.mem(true);
    const join = await joinBurst(server.port, peers);
    held.push(...join.sockets);
    const adds = cfg.joinPeers * cfg.addsPerPeer;
    const joinOk = join.complete === cfg.joinPeers;
    rows.push({
      figure: `join: ${fmtCount(cfg.joinPeers)} peers x ${fmtCount(cfg.addsPerPeer)} ADDs, burst`,
      value: adds / join.seconds, unit: 'ADD/s', target: '>= 100,000 ADD/s, all answered', pass: judge(joinOk && adds / join.seconds >= 100_000),
      note: `${join.seconds.toFixed(2)} s; refused ${join.refused}, unanswered ${join.unanswered}, wrong ${join.wrong}`,
    });
    const after = await server.mem(true);
    const records = (await server.count()).records;
    const perRecord = (after.heapUsed - before.heapUsed) / (records - probes.length);
    rows.push({
      figure: 'memory per record (server heap after GC)', value: perRecord, unit: 'B', target: '<= 150 B', pass: judge(perRecord <= 150),
      note: `${fmtCount(records - probes.length)} records; heap ${(before.heapUsed / MB).toFixed(0)} -> ${(after.heapUsed / MB).toFixed(0)} MB, includes ${cfg.joinPeers} connections`,
    });
    log(`LOOKUP at ${records} records`);
    rows.push(await sizeRow(adds, true));

    log(`a ${fmtCount(cfg.leaverRecords)}-record peer leaves`);
    const times: number[] = [];
    for (let k = 0; k < cfg.leaverRepeats; k++) times.push(await timeDeparture(server.port, cfg.leaverRecords));
    times.sort((x, y) => x - y);
    const median = times[Math.floor(times.length / 2)]!;
    rows.push({
      figure: `disconnect cleanup, ${fmtCount(cfg.leaverRecords)} records`, value: median, unit: 'ms', target: '< 50 ms', pass: judge(median < 50),
      note: `close -> LOOKUP miss, median of ${times.length} (${times.map((t) => t.toFixed(1)).join(', ')})`,
    });

  } finally {
    await closeAll(held);
    await server.stop();
    await small.stop();
    await bare.stop();
  }
  return rows;
}

/** Join peers with their requests and the exact answers the server must give. */
export function joinPeers(n: number, adds: number, rfcOf: RfcOf = joinRfc): JoinPeer[] {
  return Array.from({ length: n }, (_, i) => joinTraffic(i, adds, rfcOf));
}
