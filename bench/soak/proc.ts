import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** The built CLI every soak child runs. */
export const CLI_PATH = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface ProcExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

/** Every child still running, so the soak (and its test) can end each one by its PID. */
const running = new Set<Proc>();
let onSpawn: ((pid: number, label: string) => void) | null = null;

/** Called with the PID of every child as it starts (`--print-pids`). */
export function reportSpawns(callback: (pid: number, label: string) => void): void {
  onSpawn = callback;
}

/**
 * One child process of the soak: its output lines, a wait for a line, and what the driver
 * did to it (`expected` is set before the driver signals it, so an exit nobody asked
 * for is told apart from one the driver caused).
 */
export class Proc {
  readonly pid: number;
  readonly lines: string[] = [];
  readonly stderrLines: string[] = [];
  readonly exited: Promise<ProcExit>;
  exit: ProcExit | null = null;
  /** Why the driver expects this process to end (null: it must not end by itself). */
  expected: string | null = null;
  private readonly child: ChildProcess;
  private readonly listeners = new Set<(line: string) => void>();

  constructor(readonly label: string, command: string, args: readonly string[], readonly startedAt: number) {
    this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
    if (this.child.pid === undefined) throw new Error(`could not start ${label}`);
    this.pid = this.child.pid;
    running.add(this);
    onSpawn?.(this.pid, label);
    this.child.stdin!.on('error', () => {});
    this.split(this.child.stdout!, (l) => {
      this.lines.push(l);
      for (const f of [...this.listeners]) f(l);
    });
    this.split(this.child.stderr!, (l) => this.stderrLines.push(l));
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        running.delete(this);
        this.exit = { code, signal, at: performance.now() };
        for (const f of [...this.listeners]) f('');
        resolve(this.exit);
      });
    });
  }

  static cli(label: string, args: readonly string[], now: number): Proc {
    return new Proc(label, process.execPath, [CLI_PATH, ...args], now);
  }

  get alive(): boolean {
    return this.exit === null;
  }

  /** Calls `f` with every stdout line from now on. */
  onLine(f: (line: string) => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  /** The first stdout line (past or future) matching `re`, or null on exit or timeout. */
  waitForLine(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray | null> {
    for (const l of this.lines) {
      const m = re.exec(l);
      if (m !== null) return Promise.resolve(m);
    }
    return new Promise((resolve) => {
      const done = (m: RegExpMatchArray | null) => {
        clearTimeout(timer);
        off();
        resolve(m);
      };
      const off = this.onLine((l) => {
        const m = re.exec(l);
        if (m !== null) done(m);
        else if (this.exit !== null) done(null);
      });
      const timer = setTimeout(() => done(null), timeoutMs);
      if (this.exit !== null) done(null);
    });
  }

  write(text: string): void {
    if (this.alive) this.child.stdin!.write(text);
  }

  /** Sends `signal` by PID; `why` marks the exit it may cause as the driver's doing. */
  signal(signal: NodeJS.Signals, why: string | null): void {
    if (why !== null) this.expected = why;
    if (!this.alive) return;
    try {
      process.kill(this.pid, signal);
    } catch {
      // already gone; `exited` resolves on its own
    }
  }

  /** Resident set size in bytes (from /proc), or null once gone. */
  async rss(): Promise<number | null> {
    if (!this.alive) return null;
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${this.pid}/status`, 'utf8'));
      return m === null ? null : Number(m[1]) * 1024;
    } catch {
      return null;
    }
  }

  private split(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
    let partial = '';
    stream.on('data', (chunk: Buffer) => {
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop()!;
      for (const p of parts) onLine(p.replace(/\r$/, ''));
    });
    stream.on('end', () => {
      if (partial !== '') onLine(partial);
      partial = '';
    });
  }
}

/** SIGCONTs (a frozen child could not die) and SIGKILLs every child still running, by PID. */
export async function killAll(): Promise<void> {
  const still = [...running];
  for (const p of still) {
    p.expected ??= 'the soak ended';
    p.signal('SIGCONT', null);
    p.signal('SIGKILL', null);
  }
  await Promise.all(still.map((p) => p.exited));
}

/** The same, synchronously, for the soak's own exit (nothing can be awaited then). */
export function killAllNow(): void {
  for (const p of running) {
    p.signal('SIGCONT', null);
    p.signal('SIGKILL', null);
  }
}
