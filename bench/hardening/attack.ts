/**
 * Live attack: a well-behaved peer measures its LOOKUP latency against the index server
 * (the built CLI, in its own process) first undisturbed, then while thousands of connections
 * send garbage, partial requests and floods (bench/hardening/attacker.ts, another process).
 * Two rounds, each: the good peer alone for `seconds`, then `seconds` under attack (as many
 * samples kept on each side); p50/p99 pooled over both rounds, and the server's RSS before,
 * during and after. The attacker runs at nice 19, the server and good peer at -10 if allowed.
 * Usage: node dist/bench/hardening/attack.js [connections=3000] [seconds=8]
 * Target (issue 5): p99 under attack < 2x baseline; RSS back within 10 % after the attack.
 * Pinned (issue 14): the server alone on the last core, the attacker and the good peer (this
 * process) on the others (`taskset`), so the figure is the server's and not the scheduler's;
 * on a one-core machine nothing is pinned and the rows say so.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpus, getPriority, loadavg, setPriority } from 'node:os';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { encodeAdd, encodeLookup } from '../../src/protocol/index.js';
import type { BenchRow } from '../table.js';
import { pinning } from '../lib/pin.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const ATTACKER = fileURLToPath(new URL('./attacker.js', import.meta.url));

function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? NaN : Number(m[1]) / 1024;
}

/** The server's core and everyone else's, or null when there is one core (or no taskset). */
function cores(): { server: string; others: string } | null {
  const pin = pinning();
  return pin === null ? null : { server: pin.server, others: pin.load };
}

/** `command args` as taskset would run it on `cpuList`, or as it is unpinned. */
function pinned(cpuList: string | undefined, command: string, args: string[]): [string, string[]] {
  return cpuList === undefined ? [command, args] : ['taskset', ['-c', cpuList, command, ...args]];
}

const PIN = cores();

/**
 * The server and the good peer run at nice -10 where that is allowed (root, CAP_SYS_NICE),
 * the attacker at 19: on a machine other work keeps busy, the server under attack is
 * CPU-bound and would otherwise wait behind that work's time slices, a delay that is the
 * scheduler's, not the server's. Both the baseline and the attack are measured so.
 */
const RAISED = -10;

/**
 * Sets the nice value of every thread of `pid` (Linux's is per thread: V8's GC helpers, which
 * a scavenge waits for, would stay behind at the old one); false when not allowed.
 */
function renice(pid: number, nice: number): boolean {
  let threads: number[];
  try {
    threads = readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    threads = [pid];
  }
  try {
    for (const tid of threads) setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}

/**
 * Node flags for the server child, for looking into it under attack: `--profile DIR` of the
 * bench (P2PCI_BENCH_PROFILE_DIR) writes its CPU profile there when it stops, and
 * P2PCI_BENCH_SERVER_NODE_ARGS adds any others (`--trace-gc`, `--max-semi-space-size=8`).
 */
function serverNodeArgs(): string[] {
  const profileDir = process.env.P2PCI_BENCH_PROFILE_DIR;
  const extra = (process.env.P2PCI_BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter((a) => a !== '');
  return [...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), ...extra];
}

/** P2PCI_BENCH_SERVER_ARGS: `p2pci server` flags to try under attack (`--max-requests-per-turn 16`). */
function serverFlags(): string[] {
  return (process.env.P2PCI_BENCH_SERVER_ARGS ?? '').split(/\s+/).filter((a) => a !== '');
}

function startServer(): Promise<{ child: ChildProcess; port: number }> {
  const [cmd, args] = pinned(PIN?.server, process.execPath, [...serverNodeArgs(), CLI, 'server', '--port', '0', '--host', '127.0.0.1', '--quiet', '--status-interval', '0', ...serverFlags()]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on [\d.]+:(\d+)/.exec(out);
      if (m !== null) {
        child.stdout!.removeAllListeners('data');
        // P2PCI_BENCH_SERVER_LOG=FILE keeps what the server prints (`--trace-gc` lines, say).
        const keep = process.env.P2PCI_BENCH_SERVER_LOG;
        if (keep) child.stdout!.pipe(createWriteStream(keep));
        else child.stdout!.resume();
        resolve({ child, port: Number(m[1]) });
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening`)));
  });
}

/**
 * A well-behaved peer: one LOOKUP at a time, the next 1 ms after each answer (well under the
 * server's per-connection rate), for `ms`. Returns the latencies in ms, in the order taken.
 */
async function measure(port: number, ms: number): Promise<number[]> {
  const s: Socket = connect({ port, host: '127.0.0.1', noDelay: true });
  await new Promise((r) => s.once('connect', r));
  const me = { host: 'good.example', port: 5001 };
  const request = encodeLookup(791, '', me);
  const lat: number[] = [];
  const end = performance.now() + ms;
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    let sent = 0;
    let phase: 'add' | 'lookup' = 'add';
    s.on('error', reject);
    s.on('close', () => reject(new Error('the server closed the good peer\'s connection')));
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      if (!buf.endsWith('5001\r\n\r\n')) return;
      buf = '';
      const now = performance.now();
      if (phase === 'lookup') lat.push(now - sent);
      phase = 'lookup';
      if (now >= end) return resolve();
      setTimeout(() => {
        sent = performance.now();
        s.write(request);
      }, 1);
    });
    s.write(encodeAdd(791, 'Internet Protocol', me));
  });
  s.removeAllListeners('close');
  s.destroy();
  return lat;
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;

interface Round {
  /** The good peer alone, right before this attack (the same machine load, near enough). */
  base: number[];
  /** As many samples, under attack (the first ones of the longer side are kept). */
  under: number[];
  rssDuring: number;
  rssAfter: number;
  attack: { opened?: number; closedByServer?: number; bytesSent?: number };
}

/**
 * The good peer alone for `seconds`, then for `seconds` of attack, then `settleMs` alone.
 * The same peer, the same pacing, and as many samples on each side: the side that got more
 * (the quiet one: its answers come sooner) keeps its first ones. The attack lasts the same
 * time in both rounds, so the second does as much to the server's memory as the first.
 */
async function attackRound(pid: number, port: number, connections: number, seconds: number, settleMs: number): Promise<Round> {
  const base = await measure(port, seconds * 1000);
  // The attacker runs at the lowest CPU priority: on a real network it would be other
  // machines; here it must not take the good peer's or the server's core by the scheduler.
  const [cmd, args] = pinned(PIN?.others, 'nice', ['-n', '19', process.execPath, ATTACKER, String(port), String(connections), String(seconds + 5)]);
  const attacker = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  if (attacker.pid !== undefined) renice(attacker.pid, 19); // `nice -n 19` is relative to ours
  let out = '';
  attacker.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise((r) => attacker.once('exit', r));
  const under = await measure(port, seconds * 1000);
  const rssDuring = rssMB(pid);
  attacker.kill('SIGTERM'); // it prints what it did and stops
  await done;
  await measure(port, settleMs); // the server settles while the good peer keeps using it
  const n = Math.min(base.length, under.length);
  return { base: base.slice(0, n), under: under.slice(0, n), rssDuring, rssAfter: rssMB(pid), attack: JSON.parse(out.trim() || '{}') as Round['attack'] };
}

export async function run(opts: { connections?: number; seconds?: number; settleMs?: number } = {}): Promise<BenchRow[]> {
  const connections = opts.connections ?? 3000;
  const seconds = opts.seconds ?? 8;
  const settleMs = opts.settleMs ?? 10_000;
  // The good peer is this process: on the attacker's cores, off the server's.
  if (PIN !== null) execFileSync('taskset', ['-pc', PIN.others, String(process.pid)], { stdio: 'ignore' });
  const pinNote = PIN === null ? 'not pinned (one core, or no taskset)' : `server on core ${PIN.server}, attacker and good peer on ${PIN.others} (taskset)`;
  const niceBefore = getPriority();
  const { child, port } = await startServer();
  const raised = renice(process.pid, RAISED) && renice(child.pid!, RAISED);
  const prioNote = raised ? `server and good peer at nice ${RAISED}, attacker 19` : 'attacker at nice 19 (no right to raise the others)';
  try {
    await measure(port, 500); // warm-up
    const rssBefore = rssMB(child.pid!);
    const loadBefore = loadavg()[0]!;
    const first = await attackRound(child.pid!, port, connections, seconds, settleMs);
    // A second, identical attack tells a leak (RSS grows again) from memory the allocator
    // keeps for reuse after the first (RSS stays where the first one left it).
    const second = await attackRound(child.pid!, port, connections, seconds, settleMs);
    // Both rounds pooled: twice the samples on each side, and each attack's baseline was
    // measured just before it, so a machine that gets busier in between weighs on both sides.
    const base = sorted([...first.base, ...second.base]);
    const under = sorted([...first.under, ...second.under]);
    const ratio = pct(under, 99) / pct(base, 99);
    const rssRatio = first.rssAfter / rssBefore;
    const regrowth = second.rssAfter / first.rssAfter;
    const { attack } = first;
    console.error(`attack: ${connections} connections for ${seconds} s; ${attack.opened ?? '?'} opened, ${attack.closedByServer ?? '?'} closed by the server, ${((attack.bytesSent ?? 0) / 2 ** 20).toFixed(0)} MiB sent`);
    console.error(`good peer LOOKUPs, two rounds pooled: baseline ${base.length}, under attack ${under.length}; load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after`);
    console.error(`p50 ${pct(base, 50).toFixed(3)} ms -> ${pct(under, 50).toFixed(3)} ms; p99 ${pct(base, 99).toFixed(3)} ms -> ${pct(under, 99).toFixed(3)} ms (x${ratio.toFixed(2)})`);
    for (const [i, r] of [first, second].entries()) {
      const [b, u] = [pct(sorted(r.base), 99), pct(sorted(r.under), 99)];
      console.error(`  round ${i + 1}: ${r.under.length} LOOKUPs each side, p99 ${b.toFixed(3)} ms -> ${u.toFixed(3)} ms (x${(u / b).toFixed(2)}), ${r.attack.opened ?? '?'} opened, ${((r.attack.bytesSent ?? 0) / 2 ** 20).toFixed(0)} MiB sent`);
    }
    console.error(`server RSS: before ${rssBefore.toFixed(1)} MB, during ${first.rssDuring.toFixed(1)} MB, 10 s after ${first.rssAfter.toFixed(1)} MB (x${rssRatio.toFixed(2)}); after a second attack ${second.rssAfter.toFixed(1)} MB (x${regrowth.toFixed(2)} of the first)`);
    return [
      { figure: 'good peer LOOKUP p50 under attack', value: pct(under, 50), unit: 'ms', reference: pct(base, 50), referenceLabel: 'no attack', ratio: pct(under, 50) / pct(base, 50) },
      { figure: 'good peer LOOKUP p99 under attack', value: pct(under, 99), unit: 'ms', reference: pct(base, 99), referenceLabel: 'no attack', ratio, target: '< 2x baseline', pass: ratio < 2, note: `${pinNote}; ${prioNote}; two rounds pooled, same samples each side; load ${loadBefore.toFixed(1)}` },
      { figure: 'server RSS 10 s after the attack', value: first.rssAfter, unit: 'MB', reference: rssBefore, referenceLabel: 'before', ratio: rssRatio, target: 'within 10 %', pass: rssRatio <= 1.1 },
      { figure: 'server RSS after a second attack', value: second.rssAfter, unit: 'MB', reference: first.rssAfter, referenceLabel: 'after the first', ratio: regrowth, target: '< 1.10 x the first', pass: regrowth < 1.1, note: pinNote },
    ];
  } finally {
    child.kill('SIGTERM');
    // The bench process goes on (npm run bench): it gets every core back.
    if (PIN !== null) execFileSync('taskset', ['-pc', `0-${cpus().length - 1}`, String(process.pid)], { stdio: 'ignore' });
    renice(process.pid, niceBefore);
  }
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1]);
if (isMain) {
  const [connections, seconds] = process.argv.slice(2).map(Number);
  const rows = await run({ ...(connections ? { connections } : {}), ...(seconds ? { seconds } : {}) });
  const { formatTable } = await import('../table.js');
  console.log(formatTable(rows));
}
