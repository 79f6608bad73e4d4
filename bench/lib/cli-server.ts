import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

/**
 * The built CLI (`p2pci server`) as a child process, the way a user starts it: its stdout is
 * a pipe the bench reads and discards (a terminal or `| tee` stands behind it in real life).
 */
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
/** Limits lifted because all load comes from 127.0.0.1; status lines off. */
export const CLI_BENCH_FLAGS = ['--status-interval', '0', '--max-requests-per-second', '0', '--max-connections', '0', '--max-connections-per-address', '0'];

export interface CliServerChild {
  child: ChildProcess;
  port: number;
  dashboard: string | null;
  stop(): Promise<void>;
}

/** Starts `p2pci server --port 0 <flags>` and resolves once it listens (and, with --http, serves). */
export async function startCliServer(flags: readonly string[], nodeArgs: readonly string[] = [], stdout: 'read' | 'blocked' = 'read'): Promise<CliServerChild> {
  const withHttp = flags.includes('--http');
  const args = [...nodeArgs, CLI, 'server', '--port', '0', '--host', '127.0.0.1', ...CLI_BENCH_FLAGS, ...flags];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise<CliServerChild>((resolve, reject) => {
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
        // Read and discard the rest, as a terminal would take it; or never read again (a
        // pipe nobody reads: the kernel's pipe buffer fills and the server must drop lines).
        if (stdout === 'read') child.stdout!.resume();
        else child.stdout!.pause();
        resolve({ child, port, dashboard, stop });
      }
    });
  });
}

/** The 1-minute load average and the core count, so a reader can judge how crowded the run was. */
export function machineLoad(): string {
  return `${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`;
}

/** CPU seconds (user + system) the process has used, from /proc; null where there is no /proc. */
export async function cpuSeconds(pid: number): Promise<number | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'latin1');
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th of them.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
/** The process's resident set, in bytes, from /proc (0 where there is none). */
export async function rssBytes(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'latin1');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** USER_HZ: 100 on every Linux that Node 20 runs on. */
const CLOCK_TICKS = 100;
