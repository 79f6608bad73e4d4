import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './table.js';
import { formatTable } from './table.js';
import { connectTo, closeAll } from './lib/clients.js';
import { IndexClient } from './lib/index-client.js';
import { lookupLoad, percentile, type LookupLoadResult } from './lib/lookup-load.js';
import { addRequests, lookupRequest, probeAnswer, probeRfcs, PROBE_PEER } from './lib/workload.js';

/**
 * Issue 7: what the dashboard costs the index. The built CLI (`p2pci server`) is started
 * without and with `--http 0`, alternately; with it, a client polls /stats.json every second
 * (an open page) and scrapes /metrics every second (an eager Prometheus). The same closed-loop
 * LOOKUP load runs against both; each figure is the best of `rounds` runs.
 *
 *   npm run build && node dist/bench/dashboard-overhead.js [--quick]
 */
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const BENCH_FLAGS = ['--quiet', '--status-interval', '0', '--max-requests-per-second', '0', '--max-connections', '0', '--max-connections-per-address', '0'];

interface ServerChild {
  child: ChildProcess;
  port: number;
  dashboard: string | null;
  stop(): Promise<void>;
}

async function startServer(withHttp: boolean): Promise<ServerChild> {
  const args = [CLI, 'server', '--port', '0', '--host', '127.0.0.1', ...BENCH_FLAGS, ...(withHttp ? ['--http', '0'] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise<ServerChild>((resolve, reject) => {
    let text = '';
    let port = 0;
    const onExit = () => reject(new Error(`p2pci server exited before it was ready: ${text.slice(-400)}`));
    child.once('exit', onExit);
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      port ||= Number(/listening on [^ ]+:(\d+)/.exec(text)?.[1] ?? 0);
      const dashboard = /dashboard on (\S+)/.exec(text)?.[1] ?? null;
      if (port !== 0 && (!withHttp || dashboard !== null)) {
        child.off('exit', onExit);
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume();
        resolve({ child, port, dashboard, stop });
      }
    });
  });
}

/** What an open dashboard page plus a Prometheus scraper do: one /stats.json and one /metrics per second. */
function watch(url: string): () => Promise<void> {
  let busy: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    busy = Promise.all([fetch(`${url}stats.json`).then((r) => r.arrayBuffer()), fetch(`${url}metrics`).then((r) => r.arrayBuffer())]);
    busy.catch(() => {});
  }, 1000);
  return async () => {
    clearInterval(timer);
    await busy.catch(() => {});
  };
}

async function measure(withHttp: boolean, clients: number, warmupMs: number, durationMs: number): Promise<LookupLoadResult> {
  const probes = probeRfcs();
  const server = await startServer(withHttp);
  const control = await connectTo(server.port);
  try {
    const added = await new IndexClient(control).send('ADD', addRequests(probes, PROBE_PEER), probes.length);
    if (added.some((a) => a.status !== 200)) throw new Error('probe ADDs failed');
    const stopWatching = server.dashboard !== null ? watch(server.dashboard) : async () => {};
    try {
      const answers = probes.map(probeAnswer);
      const result = await lookupLoad({
        port: server.port, clients, requests: probes.map(lookupRequest), answers, answerLength: answers[0]!.length, warmupMs, durationMs,
      });
      if (result.wrongAnswers > 0) throw new Error(`${result.wrongAnswers} wrong LOOKUP answers`);
      return result;
    } finally {
      await stopWatching();
    }
  } finally {
    await closeAll([control]);
    await server.stop();
  }
}

export async function run(opts: { quick: boolean } = { quick: false }): Promise<BenchRow[]> {
  const clients = opts.quick ? 4 : 16;
  const rounds = opts.quick ? 1 : 3;
  const warmupMs = opts.quick ? 100 : 500;
  const durationMs = opts.quick ? 500 : 3000;
  let without: LookupLoadResult | null = null;
  let withHttp: LookupLoadResult | null = null;
  for (let r = 0; r < rounds; r++) {
    // Alternate which goes first, so drift on a shared machine hits both alike.
    for (const mode of r % 2 === 0 ? [false, true] : [true, false]) {
      process.stderr.write(`bench: LOOKUP, ${clients} clients, ${mode ? 'with' : 'without'} --http (round ${r + 1}/${rounds})\n`);
      const res = await measure(mode, clients, warmupMs, durationMs);
      if (mode) withHttp = withHttp === null || res.rate > withHttp.rate ? res : withHttp;
      else without = without === null || res.rate > without.rate ? res : without;
    }
  }
  const ratio = withHttp!.rate / without!.rate;
  return [
    { figure: `LOOKUP rate, ${clients} clients, CLI without --http`, value: without!.rate, unit: 'req/s', note: `best of ${rounds}` },
    {
      figure: `LOOKUP rate, ${clients} clients, CLI with --http (page + /metrics polled 1/s)`,
      value: withHttp!.rate, unit: 'req/s', reference: without!.rate, referenceLabel: 'without --http', ratio,
      target: '>= 0.95 x without --http', ...(opts.quick ? {} : { pass: ratio >= 0.95 }), note: `best of ${rounds}`,
    },
    {
      figure: `LOOKUP latency p99, ${clients} clients, with --http`, value: percentile(withHttp!.latencies, 99), unit: 'ms',
      reference: percentile(without!.latencies, 99), referenceLabel: 'without --http',
    },
  ];
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  run({ quick: process.argv.includes('--quick') })
    .then((rows) => process.stdout.write(formatTable(rows) + '\n'))
    .catch((err: unknown) => {
      process.stderr.write(`dashboard-overhead: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
}
