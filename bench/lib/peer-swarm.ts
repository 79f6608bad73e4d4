import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SwarmReport } from './peer-swarm-child.js';

/**
 * The parent's handle on one client process of the `peers` suite (peer-swarm-child.ts): it
 * resolves `joined` with the child's report once all its peers are connected (and have their
 * answers), and `kill` ends it with SIGKILL, the way a crashed host's peers go.
 */
export class PeerSwarm {
  readonly joined: Promise<SwarmReport>;
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    this.joined = new Promise((resolve, reject) => {
      child.once('message', (msg: SwarmReport) => resolve(msg));
      child.once('exit', (code, signal) => reject(new Error(`peer swarm exited before joining (${signal ?? code})`)));
    });
    // A rejection nobody awaits yet (the swarm killed after joining) is not an error.
    this.joined.catch(() => {});
  }

  /** `count` peers from source address `from` and ports `firstPort` up, numbered from `first`, `adds` records each (0: sockets only). */
  static start(port: number, from: string, firstPort: number, count: number, first: number, adds: number): PeerSwarm {
    const path = fileURLToPath(new URL('./peer-swarm-child.js', import.meta.url));
    const child = fork(path, [port, from, firstPort, count, first, adds].map(String), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new PeerSwarm(child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** SIGKILL now (the caller times what follows); resolves when the process is gone. */
  kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    return this.exited;
  }
}

/** Source ports 10000-32767 of each address: below Linux's default ephemeral range (32768-60999). */
export const FIRST_SOURCE_PORT = 10_000;
const LAST_SOURCE_PORT = 32_767;

/**
 * `peers` peers split over as many client processes as the per-process open-file limit
 * `nofile` needs (at least `minProcesses`), each process on its own loopback source address
 * 127.0.0.2, 127.0.0.3, …, with source ports from FIRST_SOURCE_PORT up, below the kernel's
 * ephemeral range. (A run's sockets linger in TIME_WAIT for a minute after it; the next run
 * reuses their ports towards another server port, which the kernel allows.)
 */
export async function startSwarms(port: number, peers: number, adds: number, nofile: number, minProcesses: number, firstPort = FIRST_SOURCE_PORT): Promise<{ swarms: PeerSwarm[]; report: SwarmReport; seconds: number }> {
  const processes = Math.max(minProcesses, Math.ceil(peers / Math.max(1, nofile - 100)));
  const start = performance.now();
  const swarms: PeerSwarm[] = [];
  for (let p = 0, first = 0; p < processes; p++) {
    const count = Math.floor(peers / processes) + (p < peers % processes ? 1 : 0);
    if (firstPort + count > LAST_SOURCE_PORT) throw new Error(`${count} peers from one address: more than its source ports ${firstPort}-${LAST_SOURCE_PORT}`);
    swarms.push(PeerSwarm.start(port, `127.0.0.${2 + p}`, firstPort, count, first, adds));
    first += count;
  }
  try {
    const reports = await Promise.all(swarms.map((s) => s.joined));
    const report: SwarmReport = { joined: 0, refused: 0, failed: 0, wrong: 0 };
    for (const r of reports) for (const k of Object.keys(report) as Array<keyof SwarmReport>) report[k] += r[k];
    return { swarms, report, seconds: (performance.now() - start) / 1000 };
  } catch (err) {
    await Promise.all(swarms.map((s) => s.kill()));
    throw err;
  }
}
