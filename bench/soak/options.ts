import { Command, InvalidArgumentError, Option } from 'commander';

export type StoreKind = 'memory' | 'redis';

export interface SoakOptions {
  seconds: number;
  peers: number;
  store: StoreKind;
  servers: number;
  seed: number;
  /** Print `soak: pid <pid> <label>` for every child (the test ends leftovers by PID). */
  printPids: boolean;
  /** Print every driver decision as it is taken. */
  verbose: boolean;
}

/**
 * The bounds the invariants are checked against (README "Soak"). Windows are short because
 * the soak starts its servers with a short Redis heartbeat TTL.
 */
export const BOUNDS = {
  /** LIST must match the live peers' shares this long after the event that changed them. */
  settleMs: 2000,
  /** Redis heartbeat TTL of the soak's servers: a SIGKILLed server is purged within 4/3 of it. */
  heartbeatTtlMs: 3000,
  /** A peer must be back on a restarted server within this long (its backoff caps at 10 s). */
  reconnectMs: 12_000,
  /** Every LOOKUP/LIST answered within this while its server is up. */
  answerMs: 1000,
  /** RSS growth allowed over a restart-free stretch, from its sample at `rssBaselineAfterMs`. */
  rssGrowthBytes: 48 * 1024 * 1024,
  rssBaselineAfterMs: 5000,
  /** No server above this, ever. */
  rssMaxBytes: 256 * 1024 * 1024,
  /** Time a server, peer or Redis gets to come up (Node starts slowly on a loaded machine). */
  startMs: 60_000,
} as const;

function whole(min: number, max: number) {
  return (v: string): number => {
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return Number(v);
  };
}

export function parseSoakOptions(argv: readonly string[]): SoakOptions {
  const program = new Command('soak')
    .description('a real p2pci network under seeded churn, with invariants checked throughout')
    .requiredOption('--seconds <n>', 'how long to run', whole(1, 86_400))
    .addOption(new Option('--peers <n>', 'peer slots').argParser(whole(1, 64)).default(6))
    .addOption(new Option('--store <kind>', 'index store').choices(['memory', 'redis']).default('memory'))
    .addOption(new Option('--servers <n>', 'index servers (more than one needs --store redis)').argParser(whole(1, 8)).default(1))
    .addOption(new Option('--seed <n>', 'PRNG seed (default: from the clock, printed)').argParser(whole(0, 2 ** 32 - 1)))
    .option('--print-pids', 'print the PID of every child as it starts', false)
    .option('--verbose', 'print every driver decision', false)
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 1))
    .configureOutput({ writeErr: (s) => process.stderr.write(`soak: ${s.replace(/^error: /, '')}`) });
  program.parse([...argv], { from: 'user' });
  const o = program.opts<Omit<SoakOptions, 'seed'> & { seed?: number }>();
  if (o.servers > 1 && o.store !== 'redis') {
    process.stderr.write('soak: --servers above 1 needs --store redis (memory servers do not share an index)\n');
    process.exit(1);
  }
  return { ...o, seed: o.seed ?? (Date.now() >>> 0) };
}
