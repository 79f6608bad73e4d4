import { BOUNDS } from './options.js';
import type { IndexServerSlot } from './servers.js';
import type { World } from './world.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What a server prints that breaks invariant 3: an internal error outside a Redis outage. */
export function onServerLine(w: World, server: IndexServerSlot, line: string): void {
  if (!/(^|\s)error: /.test(line)) return;
  if (w.storeOutage() || w.stopping) return;
  w.journal.violate(3, `${server.label} logged an internal error: ${line.slice(0, 300)}`, `server-error ${line.replace(/^\S+ /, '').slice(0, 120)}`);
}

/** Invariant 4 at the end of a restart-free stretch: RSS did not grow past the bound. */
export function endStretch(w: World, server: IndexServerSlot): void {
  const samples = server.rss;
  const base = samples.find(([t]) => t >= BOUNDS.rssBaselineAfterMs);
  const last = samples[samples.length - 1];
  if (base === undefined || last === undefined || last[0] - base[0] < 10_000) return;
  const grew = last[1] - base[1];
  stretches.push({ seconds: last[0] / 1000, baseMiB: base[1] / 2 ** 20, lastMiB: last[1] / 2 ** 20 });
  if (grew > BOUNDS.rssGrowthBytes) {
    w.journal.violate(4, `${server.label} RSS grew by ${(grew / 2 ** 20).toFixed(1)} MiB over a ${(last[0] / 1000).toFixed(0)} s stretch (${(base[1] / 2 ** 20).toFixed(1)} → ${(last[1] / 2 ** 20).toFixed(1)} MiB)`);
  }
}

export const stretches: Array<{ seconds: number; baseMiB: number; lastMiB: number }> = [];

/** Starts (or restarts) a server slot and watches that only the driver ends it. */
export async function startServer(w: World, server: IndexServerSlot): Promise<boolean> {
  if (!(await server.start())) return false;
  const proc = server.proc!;
  void proc.exited.then((exit) => {
    if (proc.expected === null) server.up = false;
    w.checkExit(proc, exit, () => proc.expected !== null);
  });
  return true;
}

/**
 * Starts a killed server again once Redis is up. A server can't start without Redis (it
 * exits 1, as documented), so a Redis restart that overlaps its start makes it try again.
 */
async function restartServer(w: World, server: IndexServerSlot): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    while (w.redis?.restarting && !w.stopping) await sleep(50);
    if (w.stopping) return true;
    const redisGeneration = w.redis?.generation ?? 0;
    if (await startServer(w, server)) return true;
    const lostRedis = /cannot use Redis/.test(server.proc?.stderrLines.join(' ') ?? '') && (w.redis?.restarting || w.redis?.generation !== redisGeneration);
    if (!lostRedis || attempt >= 3) return false;
  }
}

/** SIGKILLs server `i`, waits `downMs`, restarts it on the same port; its peers must come back. */
export async function killServer(w: World, i: number, downMs: number): Promise<void> {
  const server = w.servers[i]!;
  endStretch(w, server);
  w.journal.kills++;
  const at = performance.now();
  // Redis: what the dead instance held stays until a survivor (or its restart) purges it.
  server.purgeUntil = w.redis === null ? at + BOUNDS.settleMs : at + (BOUNDS.heartbeatTtlMs * 4) / 3 + BOUNDS.settleMs;
  w.transientFloor = Math.max(w.transientFloor, server.purgeUntil);
  w.refreshTransient();
  const affected = w.peers.filter((p) => p !== null && p.server === i && p.proc.alive);
  for (const p of affected) w.expected.unsettlePeer(p!.port, Infinity);
  await server.kill();
  await sleep(downMs);
  if (!(await restartServer(w, server))) {
    if (w.stopping) return;
    w.journal.violate(3, `${server.label} did not restart on its port: ${server.proc?.stderrLines.slice(-2).join(' | ')}`);
    return;
  }
  w.journal.restarts++;
  w.journal.note(`${server.label} restarted`);
  const restartedAt = performance.now();
  // Each peer of it reconnects with its backoff, and says so; then its records are settled again.
  await Promise.all(affected.map(async (p) => {
    while (p!.proc.alive && p!.lastReconnectAt < at && !w.stopping) {
      const frozenGrace = p!.frozen ? BOUNDS.reconnectMs : 0;
      if (performance.now() > restartedAt + BOUNDS.reconnectMs + frozenGrace) {
        w.journal.violate(1, `${p!.label} did not re-register within ${BOUNDS.reconnectMs} ms of ${server.label} restarting`);
        break;
      }
      await sleep(50);
    }
    const back = performance.now();
    w.expected.unsettlePeer(p!.port, Math.max(back + BOUNDS.settleMs, server.purgeUntil));
  }));
}

/** Only the driver may end redis-server. */
export function watchRedis(w: World): void {
  const proc = w.redis!.proc!;
  void proc.exited.then((exit) => w.checkExit(proc, exit, () => proc.expected !== null));
}

/** Restarts Redis empty; every server must re-assert its records once it is back. */
export async function restartRedis(w: World, downMs: number): Promise<void> {
  const redis = w.redis!;
  redis.restarting = true;
  redis.generation++;
  w.expected.storeSettleAt = Infinity;
  w.journal.kills++;
  await redis.kill();
  await sleep(downMs);
  if (!(await redis.launch())) {
    w.journal.violate(3, `redis-server did not restart on port ${redis.port}`);
    return;
  }
  w.journal.restarts++;
  watchRedis(w);
  const back = performance.now();
  redis.restarting = false;
  const deadline = back + BOUNDS.startMs;
  for (const s of w.servers) {
    while (s.up && s.recoveredAt < back && s.startedAt < back && !w.stopping) {
      if (performance.now() > deadline) {
        w.journal.violate(1, `${s.label} did not re-assert its records within ${BOUNDS.startMs} ms of Redis restarting`);
        break;
      }
      await sleep(50);
    }
  }
  w.expected.storeSettleAt = performance.now() + BOUNDS.settleMs;
}
