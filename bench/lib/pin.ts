import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

/**
 * Pinning for a server figure that must be the server's own: the server process on the last
 * core, everything that loads it on the others (`taskset -p`). Null on one core or without
 * taskset; the caller then says the run was not pinned.
 */
export interface Pinning {
  server: string;
  load: string;
  /** The row note: where things ran. */
  note: string;
}

export function pinning(): Pinning | null {
  const n = cpus().length;
  if (n < 2) return null;
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
  } catch {
    return null;
  }
  const server = String(n - 1);
  const load = n === 2 ? '0' : `0-${n - 2}`;
  return { server, load, note: `server on core ${server}, clients on ${load} (taskset)` };
}

/** Moves a running process (and its threads) onto `cpuList`. */
export function pinProcess(pid: number, cpuList: string): void {
  execFileSync('taskset', ['-a', '-pc', cpuList, String(pid)], { stdio: 'ignore' });
}

/** Every core again, for this process (the bench goes on after a pinned suite). */
export function unpinProcess(pid: number): void {
  pinProcess(pid, `0-${cpus().length - 1}`);
}

/**
 * Gives a mostly idle process (a peer measuring latency) the scheduler's preference over the
 * busy ones sharing its core, so its wake-ups aren't queued behind their time slices; the
 * latency it sees is then the server's. False when not allowed (not root).
 */
export function favourProcess(pid: number): boolean {
  try {
    execFileSync('renice', ['-n', '-10', '-p', String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
