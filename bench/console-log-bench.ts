import type { BenchRow } from './table.js';
import type { BenchConfig } from './lib/config.js';
import { connectTo, closeAll } from './lib/clients.js';
import { IndexClient } from './lib/index-client.js';
import { lookupLoad, type LookupLoadResult } from './lib/lookup-load.js';
import { addRequests, lookupRequest, probeAnswer, probeRfcs, PROBE_PEER } from './lib/workload.js';
import { cpuSeconds, machineLoad, rssBytes, startCliServer } from './lib/cli-server.js';

/**
 * Issue 14, part 1: what the console costs. The built CLI (`p2pci server`) as users start it —
 * one line per request, text or `--log-format json`, into a pipe the bench reads — against
 * `--quiet`, with the same closed-loop LOOKUP clients, in rotating order, best of `rounds`.
 * And once more with a stdout pipe nobody reads: the server must keep its speed and its
 * memory (lines are dropped and counted, not queued).
 */
type Mode = 'quiet' | 'text' | 'json' | 'blocked';
const FLAGS: Record<Mode, string[]> = { quiet: ['--quiet'], text: [], json: ['--log-format', 'json'], blocked: [] };
const LABEL: Record<Mode, string> = {
  quiet: '--quiet',
  text: 'default text log',
  json: '--log-format json',
  blocked: 'default text log, stdout a pipe nobody reads',
};

interface Measured {
  load: LookupLoadResult;
  cpuUs: number;
  rssGrowth: number;
}

async function measure(mode: Mode, clients: number, warmupMs: number, durationMs: number): Promise<Measured> {
  const probes = probeRfcs();
  const server = await startCliServer(FLAGS[mode], [], mode === 'blocked' ? 'blocked' : 'read');
  const control = await connectTo(server.port);
  try {
    const added = await new IndexClient(control).send('ADD', addRequests(probes, PROBE_PEER), probes.length);
    if (added.some((a) => a.status !== 200)) throw new Error('probe ADDs failed');
    const answers = probes.map(probeAnswer);
    const load = (ms: number) => lookupLoad({ port: server.port, clients, requests: probes.map(lookupRequest), answers, answerLength: answers[0]!.length, warmupMs: 0, durationMs: ms });
    await load(warmupMs); // JIT warm-up (and, blocked, the pipe filled), not counted
    const pid = server.child.pid!;
    const rssBefore = await rssBytes(pid);
    const before = await cpuSeconds(pid);
    const result = await load(durationMs);
    const after = await cpuSeconds(pid);
    if (result.wrongAnswers > 0) throw new Error(`${result.wrongAnswers} wrong LOOKUP answers (${LABEL[mode]})`);
    return { load: result, cpuUs: before === null || after === null ? NaN : ((after - before) * 1e6) / result.answered, rssGrowth: Math.max(0, (await rssBytes(pid)) - rssBefore) };
  } finally {
    await closeAll([control]);
    await server.stop();
  }
}

export async function runConsoleBench(cfg: BenchConfig, log: (s: string) => void): Promise<BenchRow[]> {
  const clients = cfg.judgedClients;
  // --quick (part of npm test) is a smoke run: two servers, not four, to stay in its time budget.
  const modes: Mode[] = cfg.quick ? ['quiet', 'json'] : ['quiet', 'text', 'json', 'blocked'];
  const best: Partial<Record<Mode, Measured>> = {};
  const cpu: Partial<Record<Mode, number>> = {};
  // More rounds than the other suites: four servers in turn, and the ratio is judged.
  const rounds = cfg.quick ? 1 : 5;
  for (let r = 0; r < rounds; r++) {
    // Rotate which goes first, so drift on a shared machine hits every mode alike.
    for (const mode of [...modes.slice(r % modes.length), ...modes.slice(0, r % modes.length)]) {
      log(`LOOKUP, ${clients} clients, CLI ${LABEL[mode]} (round ${r + 1}/${rounds})`);
      const m = await measure(mode, clients, cfg.warmupMs * 2, cfg.durationMs);
      if (best[mode] === undefined || m.load.rate > best[mode]!.load.rate) best[mode] = m;
      if (!(m.cpuUs >= (cpu[mode] ?? Infinity))) cpu[mode] = m.cpuUs;
    }
  }
  const quiet = best.quiet!;
  const judge = (ok: boolean) => (cfg.quick ? undefined : ok);
  const rows: BenchRow[] = [
    { figure: `LOOKUP rate, ${clients} clients, CLI ${LABEL.quiet}`, value: quiet.load.rate, unit: 'req/s', note: `best of ${rounds}; load average ${machineLoad()}` },
  ];
  for (const mode of (['text', 'json', 'blocked'] as const).filter((m) => best[m] !== undefined)) {
    const ratio = best[mode]!.load.rate / quiet.load.rate;
    rows.push({
      figure: `LOOKUP rate, ${clients} clients, CLI ${LABEL[mode]}`, value: best[mode]!.load.rate, unit: 'req/s',
      reference: quiet.load.rate, referenceLabel: LABEL.quiet, ratio, target: '>= 0.90 x --quiet', pass: judge(ratio >= 0.9),
      note: `best of ${rounds}`,
    });
  }
  for (const mode of (['text', 'json'] as const).filter((m) => cpu[m] !== undefined)) {
    rows.push({
      figure: `server CPU per LOOKUP, CLI ${LABEL[mode]}`, value: cpu[mode]!, unit: 'µs', reference: cpu.quiet!, referenceLabel: LABEL.quiet,
      ratio: cpu[mode]! / cpu.quiet!, note: `least of ${rounds}`,
    });
  }
  if (best.blocked === undefined || best.text === undefined) return rows;
  // Against the same server whose pipe is read: the same lines are made, so the difference is
  // what a reader that stopped costs (the pending lines and the pipe), not the young
  // generation that any per-request logging grows.
  const growth = best.blocked.rssGrowth / 1e6;
  const readGrowth = best.text.rssGrowth / 1e6;
  rows.push({
    figure: `server RSS growth while ${LABEL.blocked}`, value: growth, unit: 'MB', reference: readGrowth, referenceLabel: `${LABEL.text}, pipe read`,
    target: '< 10 MB over the pipe read (bounded)', pass: judge(growth - readGrowth < 10),
    note: `${best.blocked!.load.answered.toLocaleString('en-US')} requests logged into a full pipe in ${cfg.durationMs} ms; lines beyond 1 MiB pending are dropped and counted, unbuilt; --quiet grew ${(quiet.rssGrowth / 1e6).toFixed(2)} MB`,
  });
  return rows;
}
