import { fork, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './table.js';
import { ChildHandle } from './lib/child-handle.js';
import { connectTo, closeAll } from './lib/clients.js';
import { IndexClient, readBlast, readList, type ListResult } from './lib/index-client.js';
import { joinBurst } from './lib/join-load.js';
import { percentile } from './lib/lookup-load.js';
import { BENCH_SERVER_LIMITS, fmtCount, type BenchConfig } from './lib/config.js';
import { favourProcess, pinning, pinProcess, unpinProcess } from './lib/pin.js';
import { addRequests, probeRfcs, PROBE_PEER } from './lib/workload.js';
import type { LookupChildCommand, LookupChildReply } from './lib/lookup-child.js';
import { joinPeers } from './index-bench.js';

const MB = 1e6;
/** LIST and the bare pipe each run this often, in turn; each figure is the best run. */
const ROUNDS = 3;

/**
 * LIST ALL at wire speed (issue 14, part 2): the 1M-record index of the index suite streamed
 * to one reader, against a bare Node socket blasting the same number of record-shaped bytes to
 * the same reader. Pinned: the server (or the bare blaster) on one core, the reader on the
 * other, so both figures compare one sender core with one reader core. Also the server's RSS
 * growth over the first (cold) LIST, and how long another peer's LOOKUP waits while a LIST streams.
 */
export async function runListBench(cfg: BenchConfig, log: (s: string) => void): Promise<BenchRow[]> {
  const judge = (ok: boolean) => (cfg.quick ? undefined : ok);
  const plan = pinning();
  const server = await ChildHandle.server(BENCH_SERVER_LIMITS);
  const held: Socket[] = [];
  let bare: ChildHandle | null = null;
  try {
    if (plan !== null) {
      pinProcess(server.pid, plan.server);
      pinProcess(process.pid, plan.load);
    }
    const probes = probeRfcs();
    const control = await connectTo(server.port);
    held.push(control);
    const probed = await new IndexClient(control).send('ADD', addRequests(probes, PROBE_PEER), probes.length);
    if (probed.some((a) => a.status !== 200)) throw new Error('probe ADDs failed');
    log(`list: join ${cfg.joinPeers} peers x ${cfg.addsPerPeer} ADDs`);
    const join = await joinBurst(server.port, joinPeers(cfg.joinPeers, cfg.addsPerPeer));
    held.push(...join.sockets);
    if (join.complete !== cfg.joinPeers) throw new Error(`only ${join.complete} of ${cfg.joinPeers} peers joined (${join.refused} refused, ${join.unanswered} closed unanswered, ${join.wrong} wrong)`);
    const records = (await server.count()).records;

    log(`list: LIST ALL of ${records} records vs bare pipe, ${ROUNDS} rounds each`);
    const lister = await connectTo(server.port);
    held.push(lister);
    let list: ListResult | null = null;
    let blast: ListResult | null = null;
    // The first LIST (cold: JIT, the chunk pool filling) is the RSS row's, sampled by a 2 ms
    // timer in the server (~0.1 ms per sample: ~5-10 % of its CPU, so no timed run is sampled).
    await server.sampleStart();
    await readList(lister, records);
    const rss = await server.sampleStop();
    // CPU of each sender, user + system, over all its runs: steadier than a rate on a shared machine.
    let listCpu = 0;
    let blastCpu = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const cpu0 = await server.cpuMicros();
      const l = await readList(lister, records);
      listCpu += (await server.cpuMicros()) - cpu0;
      if (list === null || l.seconds < list.seconds) list = l;
      if (bare === null) {
        bare = await ChildHandle.bare('blast', String(l.bytes));
        if (plan !== null) pinProcess(bare.pid, plan.server);
      }
      const cpu1 = await bare.cpuMicros();
      const b = await readBlast(await connectTo(bare.port));
      blastCpu += (await bare.cpuMicros()) - cpu1;
      if (blast === null || b.seconds < blast.seconds) blast = b;
    }
    const listRate = list!.bytes / list!.seconds / MB;
    const blastRate = blast!.bytes / blast!.seconds / MB;
    const perRecordNs = (list!.seconds * 1e9) / records;
    // ns of sender CPU per record line (the blaster's per line-sized share of its bytes).
    const listCpuNs = (listCpu * 1000) / (ROUNDS * records);
    const blastCpuNs = (blastCpu * 1000) / (ROUNDS * records);
    const rows: BenchRow[] = [
      {
        figure: `LIST ALL, ${fmtCount(cfg.joinPeers * cfg.addsPerPeer)} records`, value: listRate, unit: 'MB/s',
        reference: blastRate, referenceLabel: 'bare pipe', ratio: listRate / blastRate,
        target: '>= 0.70 x bare pipe', pass: judge(listRate / blastRate >= 0.7),
        note: `${(list!.bytes / MB).toFixed(1)} MB in ${list!.seconds.toFixed(3)} s (${perRecordNs.toFixed(0)} ns/record, wall), best of ${ROUNDS}; sender CPU ${listCpuNs.toFixed(0)} ns/record (bare ${blastCpuNs.toFixed(0)}); ${plan === null ? 'not pinned (one core, or no taskset)' : `${plan.note}, the reader with the clients`}`,
      },
    ];
    const growth = (rss.maxRss - rss.startRss) / MB;
    rows.push({
      figure: 'LIST ALL, server RSS growth', value: growth, unit: 'MB', target: '< 50 MB', pass: judge(growth < 50),
      note: `over the first LIST (cold): RSS ${(rss.startRss / MB).toFixed(0)} -> peak ${(rss.maxRss / MB).toFixed(0)} MB (${rss.samples} timer samples and the kernel's peak RSS)`,
    });

    log('list: LOOKUP of another peer, alone and while a LIST streams');
    let alone: Float64Array;
    let during: Float64Array;
    let favoured = false;
    const looker = LookupPeer.start(server.port);
    try {
      if (plan !== null) pinProcess(looker.pid, plan.load);
      favoured = favourProcess(looker.pid);
      alone = await looker.latenciesDuring(() => delay(Math.max(200, list!.seconds * 1000)));
      during = await looker.latenciesDuring(() => readList(lister, records));
    } finally {
      looker.stop();
    }
    const p99 = percentile(during, 99);
    const aloneP99 = percentile(alone, 99);
    // "Still answered promptly": judged against the same peer's p99 with no LIST, same run.
    rows.push({
      figure: 'LOOKUP latency p99 of another peer while a LIST streams', value: p99, unit: 'ms',
      reference: aloneP99, referenceLabel: 'no LIST', ratio: p99 / aloneP99,
      target: '<= 2 x no LIST', pass: judge(p99 <= 2 * aloneP99 && during.length > 0),
      note: `${during.length} LOOKUPs during one LIST of ${fmtCount(records)} records (${alone.length} without), p50 ${percentile(during, 50).toFixed(2)} ms, max ${during[during.length - 1]?.toFixed(2)} ms (without: p50 ${percentile(alone, 50).toFixed(2)}, max ${alone[alone.length - 1]?.toFixed(2)}); one at a time, closed loop, in a process of its own on the reader's core${favoured ? ', reniced -10 (its wake-ups not queued behind the reader)' : ''}`,
    });
    return rows;
  } finally {
    if (plan !== null) unpinProcess(process.pid);
    await closeAll(held);
    await server.stop();
    await bare?.stop();
  }
}

function delay(ms: number): Promise<unknown> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** lookup-child.ts, forked and pinned with the reader; `during` runs while its LOOKUPs go on. */
class LookupPeer {
  private constructor(private readonly child: ChildProcess) {}

  static start(port: number): LookupPeer {
    const script = fileURLToPath(new URL('./lib/lookup-child.js', import.meta.url));
    return new LookupPeer(fork(script, [String(port)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Latencies (ms, sorted) of the LOOKUPs answered while `during` ran. */
  async latenciesDuring(during: () => Promise<unknown>): Promise<Float64Array> {
    await this.ask({ cmd: 'start' });
    await during();
    const reply = await this.ask({ cmd: 'stop' });
    return Float64Array.from((reply as { latencies: number[] }).latencies);
  }

  stop(): void {
    if (this.child.connected) this.child.disconnect();
  }

  private ask(command: LookupChildCommand): Promise<LookupChildReply> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`LOOKUP child exited (${code})`));
      this.child.once('exit', onExit);
      this.child.once('message', (reply: LookupChildReply) => {
        this.child.off('exit', onExit);
        if ('error' in reply) reject(new Error(`LOOKUP child: ${reply.error}`));
        else resolve(reply);
      });
      this.child.send(command);
    });
  }
}
