import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildCommand, ChildReady, ChildReply, CountReport, CpuReport, EmptyReport, MemReport, SampleReport } from './ipc.js';

/**
 * The parent's handle on one server child (p2pci or bare Node): starts it, waits for its
 * port, asks it about its memory and connections, and kills it by its PID.
 */
export class ChildHandle {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: ChildReply) => void; reject: (e: Error) => void }>();
  private exited = false;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.on('message', (msg: ChildReply) => {
      const w = this.waiting.get(msg.id);
      if (w === undefined) return;
      this.waiting.delete(msg.id);
      if (msg.error !== undefined) w.reject(new Error(`${name}: ${msg.error}`));
      else w.resolve(msg);
    });
    child.on('exit', (code, signal) => {
      this.exited = true;
      for (const w of this.waiting.values()) w.reject(new Error(`${name} exited (${signal ?? code})`));
      this.waiting.clear();
    });
  }

  /** Forks `script` (a file next to this one in dist/bench/lib) with --expose-gc. */
  static async start(name: string, script: string, args: string[]): Promise<ChildHandle> {
    const path = fileURLToPath(new URL(script, import.meta.url));
    // --profile DIR of the bench: every server child writes a CPU profile there when it stops.
    const profileDir = process.env.P2PCI_BENCH_PROFILE_DIR;
    const execArgv = ['--expose-gc', ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])];
    const child = fork(path, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const port = await new Promise<number>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`${name} exited before listening (code ${code})`));
      child.once('exit', onExit);
      child.once('error', reject);
      child.once('message', (msg: ChildReady) => {
        child.off('exit', onExit);
        resolve(msg.port);
      });
    });
    return new ChildHandle(name, child, port);
  }

  static server(limits: Record<string, number>): Promise<ChildHandle> {
    return ChildHandle.start('p2pci index server', './server-child.js', [JSON.stringify(limits)]);
  }

  /** `uploadLimit`: the peer's --upload-limit, bytes per second. */
  static uploader(folder: string, uploadLimit?: number): Promise<ChildHandle> {
    return ChildHandle.start('p2pci upload server', './upload-child.js', uploadLimit === undefined ? [folder] : [folder, String(uploadLimit)]);
  }

  static bare(mode: 'reqresp' | 'idle' | 'blast' | 'file', arg = ''): Promise<ChildHandle> {
    return ChildHandle.start(`bare Node (${mode})`, './bare-child.js', [mode, arg]);
  }

  get pid(): number {
    return this.child.pid!;
  }

  mem(gc = true): Promise<MemReport> {
    return this.ask({ cmd: 'mem', gc }) as Promise<MemReport>;
  }

  count(): Promise<CountReport> {
    return this.ask({ cmd: 'count' }) as Promise<CountReport>;
  }

  async cpuMicros(): Promise<number> {
    return ((await this.ask({ cmd: 'cpu' })) as CpuReport).cpuMicros;
  }

  sampleStart(): Promise<unknown> {
    return this.ask({ cmd: 'sample-start' });
  }

  sampleStop(): Promise<SampleReport> {
    return this.ask({ cmd: 'sample-stop' }) as Promise<SampleReport>;
  }

  /**
   * Resolves when the server child is next down to `left` connections and records (default:
   * empty). The child starts watching when the request arrives; awaiting `armed` (one more
   * round trip, answered in order) makes sure it has before the caller starts what empties it.
   */
  whenEmpty(left: CountReport = { connections: 0, records: 0 }): { armed: Promise<unknown>; empty: Promise<EmptyReport> } {
    const empty = this.ask({ cmd: 'when-empty', ...left }) as Promise<EmptyReport>;
    return { armed: this.count(), empty };
  }

  /** Polls the child (each answer is one IPC round trip, no timer) until `done` holds. */
  async waitFor(done: (c: CountReport) => boolean, timeoutMs = 60_000): Promise<CountReport> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const c = await this.count();
      if (done(c)) return c;
      if (performance.now() > deadline) throw new Error(`${this.name}: condition not reached in ${timeoutMs} ms (${JSON.stringify(c)})`);
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Closes the IPC channel (the child exits by itself, writing its profile if any); kills it if it lingers. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    this.child.disconnect();
    await gone;
    clearTimeout(killer);
  }

  private ask(command: ChildCommand): Promise<ChildReply> {
    if (this.exited) return Promise.reject(new Error(`${this.name} has exited`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ ...command, id });
    });
  }
}
