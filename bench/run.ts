import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTable, type BenchRow } from './table.js';
import { FULL, QUICK, type BenchConfig } from './lib/config.js';
import { runIndexBench } from './index-bench.js';
import { runListBench } from './list-bench.js';
import { runIdleBench } from './idle-bench.js';
import { runPeersBench } from './peers-bench.js';
import { runGetBench } from './get-bench.js';
import { runMemoryBench } from './memory-bench.js';
import { runConsoleBench } from './console-log-bench.js';
import { run as runAttack } from './hardening/attack.js';
import { runSwarmBench } from './swarm-bench.js';

/** The live attack (bench/hardening/attack.ts), pinned. Not in --quick: over a minute even when short. */
async function runAttackBench(cfg: BenchConfig): Promise<BenchRow[]> {
  return cfg.quick ? [] : runAttack({});
}

/**
 * `npm run bench [-- --quick] [-- --json FILE] [-- --only index,list,memory,idle,peers,get,swarm,redis,dashboard,console,attack] [-- --profile DIR]`:
 * runs every load tool and prints one table (progress goes to stderr); --profile makes every
 * server child write a `node --cpu-prof` profile into DIR. Re-executes itself
 * once under bash with the open-file limit raised to the hard limit, for the idle-peer and
 * connected-peer figures.
 */
const USAGE = 'usage: run.js [--quick] [--json FILE] [--only index,list,memory,idle,peers,get,swarm,redis,dashboard,console,attack] [--profile DIR]';
const SUITES = ['index', 'list', 'memory', 'idle', 'peers', 'get', 'swarm', 'redis', 'dashboard', 'console', 'attack'] as const;
type Suite = (typeof SUITES)[number];

interface Args {
  quick: boolean;
  json: string | null;
  only: Set<Suite>;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, json: null, only: new Set(SUITES) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') args.quick = true;
    else if (a === '--json' && argv[i + 1] !== undefined) args.json = argv[++i]!;
    else if (a === '--profile' && argv[i + 1] !== undefined) process.env.P2PCI_BENCH_PROFILE_DIR = resolvePath(argv[++i]!);
    else if (a === '--only' && argv[i + 1] !== undefined) {
      const names = argv[++i]!.split(',');
      const bad = names.filter((s) => !(SUITES as readonly string[]).includes(s));
      if (bad.length > 0) throw new Error(`unknown suite ${bad.join(', ')}; suites: ${SUITES.join(', ')}`);
      args.only = new Set(names as Suite[]);
    } else if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE + '\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${JSON.stringify(a)}\n${USAGE}`);
  }
  return args;
}

/** Runs a bench module another engineer owns (bench/redis.ts, bench/dashboard-overhead.ts), if it is there. */
async function runOptional(file: string, quick: boolean): Promise<BenchRow[]> {
  const url = new URL(file, import.meta.url);
  if (!existsSync(fileURLToPath(url))) return [];
  const mod = (await import(url.href)) as { run?: (opts: { quick: boolean }) => Promise<BenchRow[]> };
  if (typeof mod.run !== 'function') throw new Error(`${file} exports no run()`);
  return mod.run({ quick });
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const cfg: BenchConfig = args.quick ? QUICK : FULL;
  const nofile = Number(process.env.P2PCI_BENCH_NOFILE ?? '1024') || 1024;
  const log = (s: string) => process.stderr.write(`bench: ${s}\n`);
  const rows: BenchRow[] = [];
  let failed = 0;
  const suites: Array<[Suite, () => Promise<BenchRow[]>]> = [
    ['index', () => runIndexBench(cfg, log)],
    ['list', () => runListBench(cfg, log)],
    ['memory', () => runMemoryBench(cfg, log)],
    ['idle', () => runIdleBench(cfg, nofile, log)],
    ['peers', () => runPeersBench(cfg, nofile, log)],
    ['get', () => runGetBench(cfg, log)],
    ['swarm', () => runSwarmBench(cfg, log)],
    ['redis', () => runOptional('./redis.js', cfg.quick)],
    ['dashboard', () => runOptional('./dashboard-overhead.js', cfg.quick)],
    ['console', () => runConsoleBench(cfg, log)],
    ['attack', () => runAttackBench(cfg)],
  ];
  const started = new Date();
  for (const [name, run] of suites) {
    if (!args.only.has(name)) continue;
    try {
      rows.push(...(await run()));
    } catch (err) {
      failed++;
      const message = err instanceof Error ? err.message : String(err);
      log(`${name} failed: ${message}`);
      rows.push({ figure: `${name}: did not complete`, value: NaN, unit: '', pass: false, note: message });
    }
  }
  const machine = `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}`;
  process.stdout.write(`p2pci bench${cfg.quick ? ' --quick' : ''}, ${started.toISOString()}, ${machine}\n\n`);
  process.stdout.write(formatTable(rows) + '\n');
  if (args.json !== null) {
    await writeFile(args.json, JSON.stringify({ date: started.toISOString(), machine, quick: cfg.quick, rows }, null, 2) + '\n');
  }
  return failed > 0 ? 1 : 0;
}

/** Re-runs this script under bash with `ulimit -n` at the hard limit; returns its exit code. */
function reexecWithMoreFiles(): Promise<number> {
  const script = fileURLToPath(import.meta.url);
  const raise = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; P2PCI_BENCH_NOFILE="$(ulimit -n)" exec "$0" "$@"';
  const child = spawn('bash', ['-c', raise, process.execPath, ...process.execArgv, script, ...process.argv.slice(2)], { stdio: 'inherit' });
  // Whoever stops the bench stops the re-executed one too (its server children follow it via IPC).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => {
    child.on('error', () => resolve(-1));
    child.on('exit', (code, signal) => resolve(signal !== null ? 1 : (code ?? 1)));
  });
}

let code: number;
try {
  code = process.env.P2PCI_BENCH_NOFILE === undefined ? await reexecWithMoreFiles() : -1;
  if (code === -1) {
    process.env.P2PCI_BENCH_NOFILE ??= '1024';
    code = await main();
  }
} catch (err) {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  code = 2;
}
process.exit(code);
