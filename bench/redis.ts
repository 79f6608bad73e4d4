import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import { formatTable, type BenchRow } from './table.js';
import { connectTo, closeAll } from './lib/clients.js';
import { IndexClient } from './lib/index-client.js';
import { lookupLoad, percentile, type LookupLoadResult } from './lib/lookup-load.js';
import { addRequests, lookupRequest, probeAnswer, probeRfcs, PROBE_PEER } from './lib/workload.js';
import { measureStaleness } from './redis-staleness.js';

/**
 * Issue 8: what sharing the index through Redis costs, and what a second server buys.
 * The built CLI (`p2pci server`) runs with the memory store, with `--store redis://…` alone,
 * and as two instances on one Redis with the clients split between them; the same closed-loop
 * LOOKUP load (exact answers checked) runs against each, in rotating order, best of `rounds`.
 * The redis-server is the bench's own (free port, no persistence), stopped by its PID.
 *
 *   npm run build && node dist/bench/redis.js [--quick]
 */
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const BENCH_FLAGS = ['--quiet', '--status-interval', '0', '--max-requests-per-second', '0', '--max-connections', '0', '--max-connections-per-address', '0'];

interface Child {
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Spawns a process and resolves once a line of its stdout matches `ready`. */
function startChild(command: string, args: string[], ready: RegExp, what: string): Promise<Child & { match: RegExpExecArray }> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    let text = '';
    const onExit = () => reject(new Error(`${what} exited before it was ready: ${text.slice(-400)}`));
    child.once('exit', onExit);
    child.once('error', (err) => reject(new Error(`cannot start ${what}: ${err.message}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const match = ready.exec(text);
      if (match === null) return;
      child.off('exit', onExit);
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      resolve({ child, stop, match });
    });
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.listen(0, '127.0.0.1', resolve).once('error', reject));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function startRedis(dir: string): Promise<Child & { url: string }> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', ''];
  const redis = await startChild(process.env.REDIS_SERVER ?? 'redis-server', args, /Ready to accept connections/, 'redis-server');
  return { ...redis, url: `redis://127.0.0.1:${port}` };
}

async function startServer(store: string, prefix: string, extra: string[] = []): Promise<Child & { port: number }> {
  const args = [CLI, 'server', '--port', '0', '--host', '127.0.0.1', ...BENCH_FLAGS, '--store', store, '--redis-prefix', prefix, ...extra];
  const s = await startChild(process.execPath, args, /listening on [^ ]+:(\d+)/, 'p2pci server');
  return { ...s, port: Number(s.match[1]) };
}

type Setup = 'memory' | 'redis1' | 'redis2' | 'nocache';
const LABEL: Record<Setup, string> = {
  memory: 'memory store, 1 server',
  nocache: 'Redis store without the LOOKUP cache, 1 server',
  redis1: 'Redis store, 1 server',
  redis2: 'Redis store, 2 servers',
};

let runs = 0;

/** Seconds of CPU the redis-server has used so far (user + system), from INFO cpu. */
async function redisCpuSeconds(url: string): Promise<number> {
  const client = createClient({ url });
  client.on('error', () => {});
  await client.connect();
  try {
    const info = await client.info('cpu');
    const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? NaN);
    return field('used_cpu_user') + field('used_cpu_sys');
  } finally {
    client.destroy();
  }
}

/**
 * CPU seconds a process has used (user + system), from /proc (Linux): what each LOOKUP costs
 * in CPU is steadier on a shared machine than how many fit in a second.
 */
async function processCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const CLOCK_TICKS = 100; // USER_HZ on every Linux this runs on
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

interface Measured extends LookupLoadResult {
  /** CPU of the p2pci server process(es) per LOOKUP, in microseconds. */
  serverCpuUs: number;
  /** CPU of redis-server per LOOKUP, in microseconds (Redis setups only). */
  redisCpuUs?: number;
}

/** One measurement: fresh servers (and a fresh key prefix), probes registered, load, stop. */
async function measure(setup: Setup, redisUrl: string, clients: number, warmupMs: number, durationMs: number): Promise<Measured> {
  const prefix = `bench${++runs}:`;
  const store = setup === 'memory' ? 'memory' : redisUrl;
  const servers = [await startServer(store, prefix, setup === 'nocache' ? ['--redis-cache-entries', '0'] : [])];
  if (setup === 'redis2') servers.push(await startServer(store, prefix));
  const probes = probeRfcs();
  const control = await connectTo(servers[0]!.port);
  try {
    const added = await new IndexClient(control).send('ADD', addRequests(probes, PROBE_PEER), probes.length);
    if (added.some((a) => a.status !== 200)) throw new Error('probe ADDs failed');
    const answers = probes.map(probeAnswer);
    const pids = servers.map((s) => s.child.pid!);
    const cpuBefore = setup === 'memory' ? 0 : await redisCpuSeconds(redisUrl);
    const serverCpuBefore = await Promise.all(pids.map(processCpuSeconds));
    const wallBefore = performance.now();
    // Same total client count whatever the setup; split evenly over the servers.
    const parts = await Promise.all(
      servers.map((s, i) =>
        lookupLoad({
          port: s.port, clients: Math.floor(clients / servers.length) + (i < clients % servers.length ? 1 : 0),
          requests: probes.map(lookupRequest), answers, answerLength: answers[0]!.length, warmupMs, durationMs,
        }),
      ),
    );
    // LOOKUPs over the whole load (warm-up included) ≈ the measured rate × the wall time.
    const lookups = parts.reduce((n, p) => n + p.rate, 0) * ((performance.now() - wallBefore) / 1000);
    const serverCpu = (await Promise.all(pids.map(processCpuSeconds))).reduce((sum, c, i) => sum + c - serverCpuBefore[i]!, 0);
    const redisCpu = setup === 'memory' ? undefined : (await redisCpuSeconds(redisUrl)) - cpuBefore;
    const wrong = parts.reduce((n, p) => n + p.wrongAnswers, 0);
    if (wrong > 0) throw new Error(`${wrong} wrong LOOKUP answers (${LABEL[setup]})`);
    const latencies = Float64Array.from(parts.flatMap((p) => [...p.latencies])).sort();
    return {
      answered: parts.reduce((n, p) => n + p.answered, 0),
      rate: parts.reduce((n, p) => n + p.rate, 0),
      latencies,
      wrongAnswers: 0,
      serverCpuUs: (serverCpu / lookups) * 1e6,
      ...(redisCpu !== undefined ? { redisCpuUs: (redisCpu / lookups) * 1e6 } : {}),
    };
  } finally {
    await closeAll([control]);
    for (const s of servers) await s.stop();
  }
}

export async function run(opts: { quick: boolean } = { quick: false }): Promise<BenchRow[]> {
  const clients = opts.quick ? 4 : 64;
  const rounds = opts.quick ? 1 : 3;
  const warmupMs = opts.quick ? 100 : 500;
  const durationMs = opts.quick ? 500 : 3000;
  const dir = await mkdtemp(join(tmpdir(), 'p2pci-bench-redis-'));
  const redis = await startRedis(dir);
  const best: Partial<Record<Setup, Measured>> = {};
  let stale: Float64Array = new Float64Array(0);
  try {
    // --quick (part of npm test) leaves out the no-cache reference: one server start less.
    const setups: Setup[] = opts.quick ? ['memory', 'redis1', 'redis2'] : ['memory', 'redis1', 'redis2', 'nocache'];
    for (let r = 0; r < rounds; r++) {
      // Rotate which goes first, so drift on a shared machine hits every setup alike.
      for (const setup of [...setups.slice(r % setups.length), ...setups.slice(0, r % setups.length)]) {
        process.stderr.write(`bench: LOOKUP, ${clients} clients, ${LABEL[setup]} (round ${r + 1}/${rounds})\n`);
        const res = await measure(setup, redis.url, clients, warmupMs, durationMs);
        if (best[setup] === undefined || res.rate > best[setup]!.rate) best[setup] = res;
      }
    }
    process.stderr.write('bench: staleness of the LOOKUP cache across instances\n');
    stale = await measureStaleness(redis.url, opts.quick ? 20 : 500);
  } finally {
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
  const [memory, redis1, redis2, nocache] = [best.memory!, best.redis1!, best.redis2!, best.nocache];
  const note = `best of ${rounds}; ${clients} closed-loop clients, exact answers checked`;
  const staleMax = stale[stale.length - 1]!;
  return [
    { figure: `LOOKUP rate, ${LABEL.memory}`, value: memory.rate, unit: 'req/s', note },
    {
      figure: `LOOKUP rate, ${LABEL.redis1}`, value: redis1.rate, unit: 'req/s',
      reference: memory.rate, referenceLabel: LABEL.memory, ratio: redis1.rate / memory.rate, note,
      target: '>= 0.80 x memory store', ...(opts.quick ? {} : { pass: redis1.rate / memory.rate >= 0.8 }),
    },
    ...(nocache === undefined ? [] : [{
      figure: `LOOKUP rate, ${LABEL.nocache}`, value: nocache.rate, unit: 'req/s',
      reference: memory.rate, referenceLabel: LABEL.memory, ratio: nocache.rate / memory.rate, note: `${note}; --redis-cache-entries 0`,
    }]),
    {
      figure: 'LOOKUP cache staleness across instances, max', value: staleMax, unit: 'ms',
      target: '<= 10 ms', ...(opts.quick ? {} : { pass: staleMax <= 10 }),
      note: `ADD acknowledged on one instance -> the other's cached LOOKUP has it; ${stale.length} samples, p50 ${percentile(stale, 50).toFixed(2)} ms, p99 ${percentile(stale, 99).toFixed(2)} ms`,
    },
    {
      figure: `LOOKUP rate, ${LABEL.redis2}`, value: redis2.rate, unit: 'req/s',
      reference: redis1.rate, referenceLabel: LABEL.redis1, ratio: redis2.rate / redis1.rate,
      note: `${note}; clients split over the 2 servers; 2 cores shared by load, servers and Redis`,
    },
    {
      figure: `server CPU per LOOKUP, ${LABEL.redis1}`, value: redis1.serverCpuUs, unit: 'µs',
      reference: memory.serverCpuUs, referenceLabel: LABEL.memory, ratio: redis1.serverCpuUs / memory.serverCpuUs,
    },
    { figure: `redis-server CPU per LOOKUP, ${LABEL.redis1}`, value: redis1.redisCpuUs!, unit: 'µs' },
    // CPU is counted in ticks: a very short run may see none, and extrapolates nothing.
    ...(redis1.redisCpuUs! > 0
      ? [{
          figure: 'LOOKUP rate one Redis core would serve (extrapolated)', value: 1e6 / redis1.redisCpuUs!, unit: 'req/s',
          note: '1 s / redis-server CPU per LOOKUP: where Redis itself becomes the limit',
        }]
      : []),
    {
      figure: `LOOKUP latency p99, ${LABEL.redis1}`, value: percentile(redis1.latencies, 99), unit: 'ms',
      reference: percentile(memory.latencies, 99), referenceLabel: LABEL.memory,
    },
    {
      figure: `LOOKUP latency p99, ${LABEL.redis2}`, value: percentile(redis2.latencies, 99), unit: 'ms',
      reference: percentile(redis1.latencies, 99), referenceLabel: LABEL.redis1,
    },
  ];
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  run({ quick: process.argv.includes('--quick') })
    .then((rows) => process.stdout.write(formatTable(rows) + '\n'))
    .catch((err: unknown) => {
      process.stderr.write(`redis bench: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
}
