/**
 * Runs the BUILT CLI (`dist/src/cli/main.js`, so `npm run build` first) as real child
 * processes, and waits on their output lines instead of sleeping.
 *
 *   const cli = startCli(['server', '--port', '0']);
 *   try {
 *     const m = await cli.waitForLine(/listening on [^ ]+:(\d+)/);
 *     const port = Number(m[1]);
 *     ...
 *     assert.equal((await cli.stop()).code, 0);
 *   } finally {
 *     cli.kill(); // no-op if it already exited
 *   }
 *
 * Every child started here is also remembered, and `killAllClis()` (put it in `after`)
 * kills the ones still running, each by its own PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI_PATH = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

export interface CliExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Bytes written to the child's stdin right away (stdin stays open unless `endStdin`). */
  stdin?: string;
  endStdin?: boolean;
  /** A command that runs the node process, e.g. `['ip', 'netns', 'exec', ns]`. */
  wrapper?: readonly string[];
  /** Run this JavaScript (`node -e`) instead of the CLI; `args` become its argv. */
  script?: string;
}

export interface RunningCli {
  child: ChildProcess;
  pid: number;
  /** Complete stdout lines so far (without line endings). */
  readonly stdoutLines: string[];
  /** Complete stderr lines so far. */
  readonly stderrLines: string[];
  stdout(): string;
  stderr(): string;
  /** Resolves with the match of the first stdout line (past or future) matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs?: number, stream?: 'stdout' | 'stderr'): Promise<RegExpMatchArray>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<CliExit>;
  /** Sends `signal` (SIGTERM by default) and waits for the exit; SIGKILLs after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<CliExit>;
  /** SIGKILL by PID if still running; safe to call any time. */
  kill(): void;
  write(text: string): void;
}

const running = new Set<RunningCli>();

function assertBuilt(): void {
  if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run \`npm run build\` first (npm test does it)`);
}

export function startCli(args: readonly string[], options: CliOptions = {}): RunningCli {
  assertBuilt();
  const nodeArgs = options.script !== undefined ? ['-e', options.script, '--', ...args] : [CLI_PATH, ...args];
  const [command, ...commandArgs] = [...(options.wrapper ?? []), process.execPath, ...nodeArgs];
  const child = spawn(command!, commandArgs, {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${CLI_PATH}`);
  const pid = child.pid;
  const out = { stdout: '', stderr: '' };
  const lines = { stdout: [] as string[], stderr: [] as string[] };
  const partial = { stdout: '', stderr: '' };
  const watchers = new Set<() => void>();
  let exitInfo: CliExit | null = null;

  const onChunk = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    out[stream] += text;
    const parts = (partial[stream] + text).split('\n');
    partial[stream] = parts.pop()!;
    for (const p of parts) lines[stream].push(p.replace(/\r$/, ''));
    for (const w of [...watchers]) w();
  };
  child.stdout!.on('data', onChunk('stdout'));
  child.stderr!.on('data', onChunk('stderr'));
  child.stdin!.on('error', () => {}); // the child may exit before reading its stdin
  if (options.stdin !== undefined) child.stdin!.write(options.stdin);
  if (options.endStdin) child.stdin!.end();

  const exited = new Promise<CliExit>((resolve) => {
    child.once('close', (code, signal) => {
      // An unterminated last line still counts as a line.
      for (const s of ['stdout', 'stderr'] as const) {
        if (partial[s] !== '') lines[s].push(partial[s]);
        partial[s] = '';
      }
      exitInfo = { code, signal };
      running.delete(cli);
      for (const w of [...watchers]) w();
      resolve(exitInfo);
    });
  });

  const cli: RunningCli = {
    child,
    pid,
    stdoutLines: lines.stdout,
    stderrLines: lines.stderr,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    exited,
    waitForLine(pattern, timeoutMs = 10_000, stream = 'stdout') {
      return new Promise<RegExpMatchArray>((resolve, reject) => {
        let seen = 0;
        const done = (err: Error | null, m?: RegExpMatchArray) => {
          clearTimeout(timer);
          watchers.delete(check);
          if (err) reject(err);
          else resolve(m!);
        };
        const check = () => {
          const list = lines[stream];
          for (; seen < list.length; seen++) {
            const m = pattern.exec(list[seen]!);
            if (m !== null) return done(null, m);
          }
          if (exitInfo !== null) {
            done(new Error(`process exited (${JSON.stringify(exitInfo)}) without a ${stream} line matching ${pattern}; stdout: ${out.stdout.slice(-800)} stderr: ${out.stderr.slice(-800)}`));
          }
        };
        const timer = setTimeout(
          () => done(new Error(`timed out after ${timeoutMs} ms waiting for a ${stream} line matching ${pattern}; stdout: ${out.stdout.slice(-800)} stderr: ${out.stderr.slice(-800)}`)),
          timeoutMs,
        );
        watchers.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM', timeoutMs = 10_000) {
      if (exitInfo !== null) return exitInfo;
      try {
        process.kill(pid, signal);
      } catch {
        // already gone: `exited` resolves on its own
      }
      let timer: NodeJS.Timeout | undefined;
      const forced = new Promise<CliExit>((_, reject) => {
        timer = setTimeout(() => {
          cli.kill();
          reject(new Error(`process ${pid} did not exit within ${timeoutMs} ms of ${signal}`));
        }, timeoutMs);
      });
      try {
        return await Promise.race([exited, forced]);
      } finally {
        clearTimeout(timer);
      }
    },
    kill() {
      if (exitInfo !== null) return;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already exited
      }
    },
    write(text) {
      child.stdin!.write(text);
    },
  };
  running.add(cli);
  return cli;
}

/** Runs the CLI to completion (stdin closed) and returns its exit and output. */
export async function runCli(args: readonly string[], timeoutMs = 20_000, options: CliOptions = {}): Promise<CliExit & { stdout: string; stderr: string }> {
  const cli = startCli(args, { endStdin: true, ...options });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      cli.kill();
      reject(new Error(`p2pci ${args.join(' ')} did not exit within ${timeoutMs} ms; stdout: ${cli.stdout().slice(-800)} stderr: ${cli.stderr().slice(-800)}`));
    }, timeoutMs);
  });
  try {
    const exit = await Promise.race([cli.exited, timeout]);
    return { ...exit, stdout: cli.stdout(), stderr: cli.stderr() };
  } finally {
    clearTimeout(timer);
  }
}

/** Kills (by PID) every CLI child started by this test file that is still running. */
export async function killAllClis(): Promise<void> {
  const still = [...running];
  for (const cli of still) cli.kill();
  await Promise.all(still.map((c) => c.exited));
}
