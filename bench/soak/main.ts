import { rm } from 'node:fs/promises';
import { BOUNDS, parseSoakOptions } from './options.js';
import { loadPool, makeFolder, soakRoot } from './pool.js';
import { killAll, killAllNow, reportSpawns } from './proc.js';
import { IndexServerSlot, RedisProc } from './servers.js';
import { endStretch, onServerLine, startServer, stretches, watchRedis } from './server-actions.js';
import { checks, peakRss, runChecker, slowest } from './checker.js';
import { Driver } from './driver.js';
import { World } from './world.js';

/**
 * `npm run soak -- --seconds N [--peers P] [--store memory|redis] [--servers S] [--seed X]`:
 * a real p2pci network on 127.0.0.1 under seeded churn, invariants checked throughout.
 * Ends with one `soak: …, violations <n>` line; exit 0 only when n is 0.
 */
const POOL_SIZE = 16;

async function main(): Promise<number> {
  const options = parseSoakOptions(process.argv.slice(2));
  const say = (line: string) => process.stdout.write(`soak: ${line}\n`);
  say(`seed ${options.seed}, ${options.peers} peers, ${options.servers} ${options.store} server(s), ${options.seconds} s`);
  if (options.printPids) reportSpawns((pid, label) => say(`pid ${pid} ${label}`));
  const root = await soakRoot(options.seed);
  const world = new World(options, await loadPool(options.seed, POOL_SIZE), root);
  const started = performance.now();
  let driver: Driver | null = null;
  try {
    const bystanders = [await makeFolder(root, 'bystander0', []), await makeFolder(root, 'bystander1', [])];
    bystanders.forEach((d) => world.folders.watch(d));
    const serverArgs = ['--quiet', '--status-interval', '0', '--keepalive-ms', '1000'];
    if (options.store === 'redis') {
      world.redis = await RedisProc.start(root);
      watchRedis(world);
      serverArgs.push('--store', world.redis.url, '--redis-prefix', `soak${options.seed}:`, '--redis-heartbeat-ttl-ms', String(BOUNDS.heartbeatTtlMs));
    }
    for (let i = 0; i < options.servers; i++) {
      const slot = new IndexServerSlot(i, serverArgs, { journal: world.journal, onLine: (s, l) => onServerLine(world, s, l) });
      world.servers.push(slot);
      if (!(await startServer(world, slot))) throw new Error(`index server ${i} did not start: ${slot.proc?.stderrLines.join(' | ')}`);
    }
    driver = new Driver(world, bystanders);
    const checker = runChecker(world);
    await driver.run(started + options.seconds * 1000);
    world.stopping = true;
    await checker;
    for (const s of world.servers) endStretch(world, s);
  } finally {
    world.stopping = true;
    await killAll();
    await driver?.settle();
    await rm(root, { recursive: true, force: true });
  }
  const j = world.journal;
  const longest = stretches.reduce((a, s) => (s.seconds > a.seconds ? s : a), { seconds: 0, baseMiB: 0, lastMiB: 0 });
  say(`server RSS peak ${(peakRss / 2 ** 20).toFixed(1)} MiB; longest restart-free stretch ${longest.seconds.toFixed(0)} s (${longest.baseMiB.toFixed(1)} → ${longest.lastMiB.toFixed(1)} MiB)`);
  say(`${checks.lists} LISTs compared with the live peers' shares (${checks.records} records), ${world.folders.scans} folder scans; slowest answer ${slowest.toFixed(0)} ms less CPU waits`);
  say(`seed ${options.seed}: ${driver?.decisions ?? 0} decisions, digest ${driver?.decisionDigest ?? '-'}`);
  const seconds = Math.round((performance.now() - started) / 1000);
  say(`${seconds} s, ${j.events} events (${j.kills} kills, ${j.restarts} restarts, ${j.downloads} downloads), violations ${j.violations.length}`);
  return j.violations.length === 0 ? 0 : 1;
}

process.on('exit', killAllNow);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    killAllNow();
    process.exit(1);
  });
}
main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`soak: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    killAllNow();
    process.exit(1);
  },
);
