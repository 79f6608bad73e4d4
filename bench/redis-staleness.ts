import { RedisStore } from '../src/index/redis-store.js';
import { redisStoreOptions } from '../src/index/redis-options.js';
import type { RfcRecord } from '../src/protocol/index.js';

/**
 * Issue 14, part 5: how long another instance's LOOKUP cache can answer from before a change.
 * Two RedisStores on one index (in this process, so one clock): A has RFC n cached; B adds a
 * record to it; the figure is the time from B's ADD being acknowledged (the moment B's peer
 * gets its 200) until A's LOOKUP of n includes it. A is asked again on every event-loop turn,
 * so the figure is the invalidation's own delay plus at most one turn.
 */
export async function measureStaleness(url: string, samples: number): Promise<Float64Array> {
  const prefix = `stale${process.pid}:`;
  const open = async () => {
    const s = new RedisStore(redisStoreOptions(url, { prefix, heartbeatTtlMs: 60_000 }));
    await s.start();
    return s;
  };
  const a = await open();
  const b = await open();
  const out = new Float64Array(samples);
  try {
    for (let i = 0; i < samples; i++) {
      const rfc = 1 + (i % 50);
      await a.lookup(rfc);
      if (!Array.isArray(a.lookup(rfc))) throw new Error('the LOOKUP cache did not keep the answer');
      const record: RfcRecord = { rfc, title: `T${rfc}`, host: `h${i}`, port: 1 };
      await b.add(`${b.instanceId}:${i}`, record);
      const acked = performance.now();
      for (;;) {
        const answer = await a.lookup(rfc);
        if (answer.some((r) => r.host === record.host)) break;
        if (performance.now() - acked > 5000) throw new Error(`RFC ${rfc} still stale on the other instance after 5 s`);
        await new Promise((resolve) => setImmediate(resolve));
      }
      out[i] = performance.now() - acked;
    }
  } finally {
    await b.close();
    await a.close();
  }
  return out.sort();
}
