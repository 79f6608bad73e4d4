import type { Socket } from 'node:net';
import type { BenchRow } from './table.js';
import { ChildHandle } from './lib/child-handle.js';
import type { CountReport, MemReport } from './lib/ipc.js';
import { connectTo, closeAll } from './lib/clients.js';
import { IndexClient } from './lib/index-client.js';
import { lookupLoad, percentile } from './lib/lookup-load.js';
import { BENCH_SERVER_LIMITS, fmtCount, type BenchConfig } from './lib/config.js';
import { FIRST_SOURCE_PORT, startSwarms, type PeerSwarm } from './lib/peer-swarm.js';
import { pinning, pinProcess, unpinProcess } from './lib/pin.js';
import { wallNow, type EmptyReport } from './lib/ipc.js';
import { addRequests, lookupRequest, probeAnswer, probeRfcs, PROBE_PEER } from './lib/workload.js';

interface MassKill {
  done: EmptyReport;
  /** Wall-clock ms (wallNow) just before the first SIGKILL. */
  killedAt: number;
  /** Until every client process was reaped (the kernel has closed its sockets by then). */
  reapedMs: number;
  /** The server child's CPU (user + system) from the kills to empty. */
  cpuMs: number;
}

/** SIGKILLs every client process at once; resolves when the child is down to `left` (default: empty). */
async function massKill(child: ChildHandle, swarms: readonly PeerSwarm[], left?: CountReport): Promise<MassKill> {
  const cpuBefore = await child.cpuMicros();
  const watch = child.whenEmpty(left);
  await watch.armed;
  const killedAt = wallNow();
  await Promise.all(swarms.map((s) => s.kill()));
  const reapedMs = wallNow() - killedAt;
  const done = await watch.empty;
  return { done, killedAt, reapedMs, cpuMs: ((await child.cpuMicros()) - cpuBefore) / 1000 };
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

/** RSS without the young generation's committed pages (see MemReport.youngGen). */
const settledRss = (m: MemReport) => m.rss - m.youngGen;

/** Client processes at least: the peers come from this many loopback source addresses. */
const MIN_SWARMS = 3;

/**
 * Issue 14, part 3: as many connected peers as one process may hold. `connectedPeers` peers
 * (19,000 under the 20,000-file limit) from several client processes and source addresses,
 * each registering its records, against one index server child: all joined; server RSS per
 * peer against a bare Node child holding as many plain sockets; LOOKUP p99 at 16 clients with
 * all of them connected against a server with none; and the cleanup after every client
 * process is SIGKILLed at once, timed inside the server child.
 */
export async function runPeersBench(cfg: BenchConfig, nofile: number, log: (s: string) => void): Promise<BenchRow[]> {
  const judge = (ok: boolean) => (cfg.quick ? undefined : ok);
  // The server child holds one descriptor per peer, and a few of its own.
  const peers = Math.min(cfg.connectedPeers, nofile - 200);
  const perPeer = cfg.recordsPerConnectedPeer;
  const limited = peers < cfg.connectedPeers ? `; file descriptor limit ${nofile} allows only ${peers} peers` : '';
  const pin = pinning();
  const pinNote = pin?.note ?? 'not pinned (one core, or no taskset)';
  if (pin !== null) pinProcess(process.pid, pin.load);
  const pinned = (child: ChildHandle) => {
    if (pin !== null) pinProcess(child.pid, pin.server);
    return child;
  };
  const join = async (port: number, adds: number, count = peers, firstPort?: number) => {
    const joined = await startSwarms(port, count, adds, nofile, MIN_SWARMS, firstPort);
    if (pin !== null) for (const s of joined.swarms) pinProcess(s.pid, pin.load);
    return joined;
  };
  try {
    log(`peers: bare Node holding ${peers} sockets`);
    const bare = pinned(await ChildHandle.bare('idle'));
    let barePerPeer: number;
    let bareKill: MassKill;
    try {
      const before = await bare.mem(true);
      const { swarms } = await join(bare.port, 0);
      try {
        await bare.waitFor((c) => c.connections === peers);
        barePerPeer = (settledRss(await bare.mem(true)) - settledRss(before)) / peers;
        bareKill = await massKill(bare, swarms);
      } finally {
        await Promise.all(swarms.map((s) => s.kill()));
      }
    } finally {
      await bare.stop();
    }

    const server = pinned(await ChildHandle.server(BENCH_SERVER_LIMITS));
    const empty = pinned(await ChildHandle.server(BENCH_SERVER_LIMITS));
    let swarms: PeerSwarm[] = [];
    const probeSockets: Socket[] = [];
    try {
      const probes = probeRfcs();
      const requests = probes.map(lookupRequest);
      const answers = probes.map(probeAnswer);
      for (const child of [server, empty]) {
        const socket = await connectTo(child.port);
        probeSockets.push(socket);
        const added = await new IndexClient(socket).send('ADD', addRequests(probes, PROBE_PEER), probes.length);
        if (added.some((a) => a.status !== 200)) throw new Error('probe ADDs failed');
      }
      const lookup = (child: ChildHandle) =>
        lookupLoad({ port: child.port, clients: cfg.latencyClients, requests, answers, answerLength: answers[0]!.length, warmupMs: cfg.warmupMs, durationMs: cfg.durationMs });
      // Warm-up (JIT, socket buffers); not measured. A server that has run a while has seen
      // peers join and leave: a tenth of them do so once here, from source ports of their own
      // (the measured peers' ports would meet these connections' TIME_WAIT).
      for (const child of [server, empty]) await lookup(child);
      // Memory before the warm-up peers: their freed memory is reused by the measured join.
      const before = await server.mem(true);
      const warm = Math.max(1, Math.floor(peers / 10));
      await massKill(server, (await join(server.port, perPeer, warm, FIRST_SOURCE_PORT + peers)).swarms, { connections: 1, records: probes.length });

      log(`peers: ${peers} peers x ${perPeer} records join`);
      const joined = await join(server.port, perPeer);
      swarms = joined.swarms;
      const { report } = joined;
      const records = peers * perPeer + probes.length;
      await server.waitFor((c) => c.connections === peers + 1 && c.records === records);
      const after = await server.mem(true);
      const rssPerPeer = (settledRss(after) - settledRss(before)) / peers;
      const rawPerPeer = (after.rss - before.rss) / peers;

      log(`peers: LOOKUP, ${cfg.latencyClients} clients, ${peers} peers connected vs none`);
      let p99 = Infinity;
      let p99Empty = Infinity;
      for (let round = 0; round < cfg.rounds; round++) {
        for (const child of [server, empty]) {
          const r = await lookup(child);
          if (r.wrongAnswers > 0) throw new Error(`${r.wrongAnswers} wrong LOOKUP answers from ${child.name}`);
          const p = percentile(r.latencies, 99);
          if (child === server) p99 = Math.min(p99, p);
          else p99Empty = Math.min(p99Empty, p);
        }
      }
      const stillConnected = (await server.count()).connections - 1;

      log(`peers: mass disconnect of ${peers} peers`);
      await closeAll(probeSockets);
      await server.waitFor((c) => c.connections === peers && c.records === peers * perPeer);
      const kill = await massKill(server, swarms);
      swarms = [];
      const { done, killedAt } = kill;
      const cleanup = done.emptyAt - killedAt;
      const bareCleanup = bareKill.done.emptyAt - bareKill.killedAt;

      const n = fmtCount(peers);
      const kb = rssPerPeer / 1024;
      return [
        {
          figure: `peers joined, ${n} peers x ${perPeer} records`,
          value: report.joined, unit: 'peers', target: `all ${peers.toLocaleString('en-US')}, 0 refused/failed`,
          pass: judge(report.joined === peers && peers >= cfg.connectedPeers),
          note: `${joined.swarms.length} client processes on 127.0.0.2-${1 + joined.swarms.length}; ${joined.seconds.toFixed(2)} s; refused ${report.refused}, failed ${report.failed}, wrong ${report.wrong}${limited}`,
        },
        {
          figure: `server RSS per connected peer, ${n} peers x ${perPeer} records`,
          // A smoke run's few peers can measure below nothing (RSS noise); the raw figure is in the note.
          value: Math.max(0, kb), unit: 'KB', reference: barePerPeer / 1024, referenceLabel: 'bare Node socket', ratio: rssPerPeer / barePerPeer,
          target: '<= 5 KB', pass: judge(kb <= 5),
          note: `${kb < 0 ? `measured ${kb.toFixed(2)} KB (noise), shown as 0; ` : ''}RSS after GC ${mib(before.rss)} -> ${mib(after.rss)} MiB (${(rawPerPeer / 1024).toFixed(2)} KB/peer), less V8's young generation ${mib(before.youngGen)} -> ${mib(after.youngGen)} MiB (empty, its size set by the join burst, not by the peers); heap used ${mib(before.heapUsed)} -> ${mib(after.heapUsed)} MiB, records included; ${pinNote}`,
        },
        {
          figure: `LOOKUP latency p99, ${cfg.latencyClients} clients, ${n} peers connected`,
          value: p99, unit: 'ms', reference: p99Empty, referenceLabel: 'no idle peers', ratio: p99 / p99Empty,
          target: '<= 1 ms', pass: judge(p99 <= 1 && stillConnected === peers),
          note: `best of ${cfg.rounds} runs each, in turn with a server holding no idle peers; ${stillConnected} peers still connected after; ${pinNote}`,
        },
        {
          figure: `mass disconnect cleanup, ${n} peers x ${perPeer} records`,
          value: cleanup, unit: 'ms', reference: bareCleanup, referenceLabel: 'bare Node: last socket closed', ratio: cleanup / bareCleanup,
          target: '<= 300 ms', pass: judge(cleanup <= 300),
          note: `every client process SIGKILLed at once -> index empty and no connection (timed in the server child); first disconnect at ${(done.firstDisconnectAt - killedAt).toFixed(0)} ms, last socket handle closed at ${(done.socketsClosedAt - killedAt).toFixed(0)} ms, kills reaped at ${kill.reapedMs.toFixed(0)} ms (bare: ${bareKill.reapedMs.toFixed(0)} ms); server CPU ${kill.cpuMs.toFixed(0)} ms (bare: ${bareKill.cpuMs.toFixed(0)} ms); ${pinNote}`,
        },
      ];
    } finally {
      await Promise.all(swarms.map((s) => s.kill()));
      await closeAll(probeSockets);
      await server.stop();
      await empty.stop();
    }
  } finally {
    if (pin !== null) unpinProcess(process.pid);
  }
}
