/**
 * A throwaway `redis-server` for tests: its own free port on 127.0.0.1, no persistence,
 * a temp working dir; stopped (and restartable on the same port) by its PID.
 *
 *   const redis = await startRedisServer();
 *   try { ... redis.url ... } finally { await redis.stop(); }
 *
 * Waits for "Ready to accept connections" on its output instead of sleeping.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { createClient } from 'redis';
import { startCli, type RunningCli } from './cli.js';
import { toolCommand } from './optional-tools.js';

export const REDIS_SERVER_BIN = toolCommand('redis-server');

export interface RunningRedis {
  readonly port: number;
  readonly url: string;
  /** PID of the current redis-server process (changes on restart). */
  readonly pid: number;
  /** SIGTERM, then SIGKILL if it lingers; waits for the exit. Without persistence the data is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts a fresh, empty redis-server on the same port (after kill). */
  restart(): Promise<void>;
  /** Kills it and removes its temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

/** A port the OS says is free right now; redis-server binds it a moment later (retried if taken). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.listen(0, '127.0.0.1', resolve).once('error', reject));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function launch(port: number, dir: string, timeoutMs: number): Promise<ChildProcess> {
  const child = spawn(
    REDIS_SERVER_BIN,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', ''],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise<ChildProcess>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server on port ${port} not ready within ${timeoutMs} ms: ${output.slice(-500)}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        child.stdout!.resume(); // keep draining so it never blocks on a full pipe
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${REDIS_SERVER_BIN} (apt-get install redis-server, or REDIS_SERVER=/path/to/redis-server): ${err.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}) before it was ready: ${output.slice(-500)}`));
    });
  });
}

function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startRedisServer(timeoutMs = 10_000): Promise<RunningRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'p2pci-redis-'));
  let port = 0;
  let child: ChildProcess | null = null;
  for (let attempt = 0; child === null; attempt++) {
    port = await freePort();
    try {
      child = await launch(port, dir, timeoutMs);
    } catch (err) {
      if (attempt >= 3 || !String(err).includes('Address already in use')) {
        await rm(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }
  let current: ChildProcess | null = child;
  const kill = async (signal: NodeJS.Signals = 'SIGTERM') => {
    const c = current;
    if (c === null) return;
    current = null;
    const exited = exitOf(c);
    c.kill(signal);
    const force = setTimeout(() => c.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(force);
  };
  let stopped = false;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return current?.pid ?? -1;
    },
    kill,
    async restart() {
      await kill();
      current = await launch(port, dir, timeoutMs);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A `p2pci server` child on the given Redis store, with its port and instance id once it is up. */
export async function startRedisIndexServer(
  redisUrl: string,
  prefix: string,
  heartbeatTtlMs: number,
): Promise<{ cli: RunningCli; port: number; instanceId: string }> {
  const cli = startCli(['server', '--port', '0', '--host', '127.0.0.1', '--store', redisUrl, '--redis-prefix', prefix, '--redis-heartbeat-ttl-ms', String(heartbeatTtlMs)]);
  const id = await cli.waitForLine(/redis store: instance (\S+) shares the index at /);
  const m = await cli.waitForLine(/listening on [^ ]+:(\d+)/);
  return { cli, port: Number(m[1]), instanceId: id[1]! };
}

/**
 * For a test file of RedisStores: one redis-server and an admin client for the whole file
 * (before/after registered here), and every store the file opened closed at the end.
 */
export function redisTestFixture(skip: string | false = false): { readonly redis: RunningRedis; readonly admin: ReturnType<typeof createClient>; readonly opened: Set<{ close(): Promise<void> }> } {
  const fixture = { redis: null as unknown as RunningRedis, admin: null as unknown as ReturnType<typeof createClient>, opened: new Set<{ close(): Promise<void> }>() };
  before(async () => {
    if (skip) return; // no redis-server on this machine: the file's tests are skipped
    fixture.redis = await startRedisServer();
    fixture.admin = createClient({ url: fixture.redis.url, socket: { reconnectStrategy: 50 } });
    fixture.admin.on('error', () => {}); // outage tests restart Redis under it
    await fixture.admin.connect();
  });
  after(async () => {
    for (const s of fixture.opened) await s.close().catch(() => {});
    if (fixture.admin?.isOpen) fixture.admin.destroy();
    await fixture.redis?.stop();
  });
  return fixture;
}
