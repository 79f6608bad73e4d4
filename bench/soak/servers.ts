import { createServer } from 'node:net';
import { Proc } from './proc.js';
import { BOUNDS } from './options.js';
import type { Journal } from './journal.js';

/** A port the OS says is free right now (the child binds it a moment later). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.listen(0, '127.0.0.1', resolve).once('error', reject));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The soak's own redis-server: no persistence, so a restart is a restart empty. */
export class RedisProc {
  proc: Proc | null = null;
  /** Set while it is being restarted. */
  restarting = false;
  /** Counts restarts, so a server start can tell it overlapped one. */
  generation = 0;

  private constructor(readonly port: number, private readonly dir: string) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(dir: string): Promise<RedisProc> {
    for (let attempt = 0; ; attempt++) {
      const redis = new RedisProc(await freePort(), dir);
      if (await redis.launch()) return redis;
      if (attempt >= 3) throw new Error(`redis-server would not start: ${redis.proc?.lines.slice(-5).join(' | ')}`);
    }
  }

  async launch(): Promise<boolean> {
    this.proc = new Proc('redis-server', process.env.REDIS_SERVER ?? 'redis-server', [
      '--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, '--logfile', '',
    ], performance.now());
    return (await this.proc.waitForLine(/Ready to accept connections/, BOUNDS.startMs)) !== null;
  }

  async kill(): Promise<void> {
    this.proc?.signal('SIGKILL', 'driver: restart Redis');
    await this.proc?.exited;
  }
}

export interface ServerHooks {
  journal: Journal;
  /** An `error:` line or a Redis recovery, as the server logs it. */
  onLine(server: IndexServerSlot, line: string): void;
}

/** One index server slot: a `p2pci server` child that the driver kills and restarts on its port. */
export class IndexServerSlot {
  proc: Proc | null = null;
  port = 0;
  /** False from the driver's SIGKILL until the restart is listening. */
  up = false;
  lastKilledAt = -Infinity;
  startedAt = 0;
  recoveredAt = -Infinity;
  /** Records it held when last SIGKILLed may show until then (Redis: until purged). */
  purgeUntil = -Infinity;
  /** RSS samples of the current restart-free stretch: [ms since start, bytes]. */
  rss: Array<[number, number]> = [];

  constructor(readonly index: number, private readonly args: readonly string[], private readonly hooks: ServerHooks) {}

  get label(): string {
    return `server ${this.index} (127.0.0.1:${this.port})`;
  }

  /** Starts (or restarts on the same port); false if it did not come up. */
  async start(): Promise<boolean> {
    const proc = Proc.cli(`index server ${this.index}`, ['server', '--port', String(this.port), '--host', '127.0.0.1', ...this.args], performance.now());
    this.proc = proc;
    proc.onLine((line) => {
      if (/Redis reachable again/.test(line)) this.recoveredAt = performance.now();
      this.hooks.onLine(this, line);
    });
    const m = await proc.waitForLine(/listening on [^ ]+:(\d+)/, BOUNDS.startMs);
    if (m === null) {
      proc.signal('SIGKILL', 'did not start');
      await proc.exited;
      return false;
    }
    this.port = Number(m[1]);
    this.startedAt = performance.now();
    this.rss = [];
    this.up = true;
    return true;
  }

  /** SIGKILL by PID; resolves once it is gone. */
  async kill(): Promise<void> {
    this.up = false;
    this.lastKilledAt = performance.now();
    this.proc?.signal('SIGKILL', 'driver: SIGKILL server');
    await this.proc?.exited;
  }

  /** Whether the server was up (not killed) for the whole of [from, to]. */
  upThroughout(from: number): boolean {
    return this.up && this.lastKilledAt < from && this.startedAt < from;
  }
}
