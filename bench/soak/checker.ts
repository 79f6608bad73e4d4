import { IndexClient } from '../../src/peer/index-client.js';
import type { IndexResponse } from '../../src/protocol/index.js';
import { BOUNDS } from './options.js';
import type { IndexServerSlot } from './servers.js';
import { measureCpuWait } from './cpu-wait.js';
import type { World } from './world.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Answer {
  res: IndexResponse | null;
  sentAt: number;
  ms: number;
  /** Of `ms`, the time the server, Redis or the soak waited for a CPU. */
  cpuWaitMs: number;
  error?: string;
}

/** One request on a fresh connection (so a restarted server is simply asked again). */
async function ask(w: World, server: IndexServerSlot, what: (c: IndexClient) => Promise<IndexResponse>): Promise<Answer> {
  const client = new IndexClient({ server: { host: '127.0.0.1', port: server.port }, reconnect: false, requestTimeoutMs: 5000, connectTimeoutMs: 2000 });
  let sentAt = performance.now();
  let waited = () => 0;
  const pids = [process.pid, server.proc?.pid ?? 0, w.redis?.proc?.pid ?? 0].filter((p) => p > 0);
  try {
    await client.connect();
    sentAt = performance.now();
    waited = measureCpuWait(pids);
    const res = await what(client);
    return { res, sentAt, ms: performance.now() - sentAt, cpuWaitMs: waited() };
  } catch (err) {
    return { res: null, sentAt, ms: performance.now() - sentAt, cpuWaitMs: waited(), error: (err as Error).message };
  } finally {
    await client.close();
  }
}

/** Invariants 1 and 3 on one server: LIST equals the live peers' shares; answers come in time. */
async function checkServer(w: World, server: IndexServerSlot, lookupRfc: number): Promise<void> {
  const list = await ask(w, server, (c) => c.list());
  const lookup = await ask(w, server, (c) => c.lookup(lookupRfc));
  for (const [what, r] of [['LIST', list], [`LOOKUP RFC ${lookupRfc}`, lookup]] as const) {
    if (!w.serverSteady(server.index, r.sentAt - 100) || w.stopping) continue;
    if (r.res === null) {
      w.journal.violate(3, `${what} on ${server.label} failed while it was up: ${r.error}`);
      continue;
    }
    slowest = Math.max(slowest, r.ms - r.cpuWaitMs);
    if (r.ms - r.cpuWaitMs > BOUNDS.answerMs) {
      const detail = `took ${r.ms.toFixed(1)} ms, ${r.cpuWaitMs.toFixed(1)} ms of it waiting for a CPU (bound ${BOUNDS.answerMs} ms)`;
      w.journal.violate(3, `${what} on ${server.label} ${detail}`, `slow ${what} ${Math.floor(performance.now() / 10_000)}`);
    } else if (r.res.status !== 200 && r.res.status !== 404) w.journal.violate(3, `${what} on ${server.label} answered ${r.res.status} ${r.res.phrase} with the index up`);
  }
  if (list.res?.status !== 200 || w.stopping) return;
  checks.lists++;
  checks.records += list.res.records.length;
  for (const problem of w.expected.compare(list.res.records, list.sentAt)) {
    w.journal.violate(1, `LIST on ${server.label}: ${problem} (bound ${BOUNDS.settleMs} ms after the last change)`, `${server.index} ${problem}`);
  }
}

async function sampleRss(w: World): Promise<void> {
  for (const s of w.servers) {
    if (!s.up || s.proc === null) continue;
    const rss = await s.proc.rss();
    if (rss === null) continue;
    s.rss.push([performance.now() - s.startedAt, rss]);
    peakRss = Math.max(peakRss, rss);
    if (rss > BOUNDS.rssMaxBytes) w.journal.violate(4, `${s.label} RSS ${(rss / 2 ** 20).toFixed(1)} MiB above ${BOUNDS.rssMaxBytes / 2 ** 20} MiB`, `rss-max ${s.index}`);
  }
}

export let peakRss = 0;
/** Longest answer seen, less CPU waits (ms). */
export let slowest = 0;
/** How much the checker compared, for the report. */
export const checks = { lists: 0, records: 0 };

/** Checks the invariants continuously until the world stops: every server each round, then the folders. */
export async function runChecker(w: World, periodMs = 500): Promise<void> {
  const rfcs = [...w.pool.keys()];
  let round = 0;
  while (!w.stopping) {
    const started = performance.now();
    const rfc = rfcs[round++ % rfcs.length]!;
    await Promise.all(w.servers.filter((s) => s.up).map((s) => checkServer(w, s, rfc)));
    const t1 = performance.now();
    await sampleRss(w);
    const t2 = performance.now();
    await w.folders.scan();
    if (process.env.SOAK_DEBUG) w.journal.note(`checker: servers ${(t1 - started).toFixed(0)} ms, rss ${(t2 - t1).toFixed(0)} ms, scan ${(performance.now() - t2).toFixed(0)} ms`);
    await sleep(Math.max(50, periodMs - (performance.now() - started)));
  }
}
