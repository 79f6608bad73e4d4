import type { SoakOptions } from './options.js';
import { BOUNDS } from './options.js';
import { Journal } from './journal.js';
import { ExpectedIndex } from './model.js';
import { FolderWatch } from './folders.js';
import type { PoolRfc } from './pool.js';
import type { IndexServerSlot, RedisProc } from './servers.js';
import type { PeerProc } from './peer-proc.js';
import type { Proc, ProcExit } from './proc.js';

/** A crash signature in a child's stderr: never expected, whatever the driver did. */
const CRASH = /^\s+at |Uncaught|TypeError|ReferenceError|RangeError|ERR_INTERNAL|FATAL/;

/**
 * Everything the driver, the checker and the invariants share: the children, what the
 * index must show, and the journal. Mutated only by the driver's actions and by what the
 * children print.
 */
export class World {
  readonly journal: Journal;
  readonly expected = new ExpectedIndex();
  readonly folders: FolderWatch;
  readonly servers: IndexServerSlot[] = [];
  redis: RedisProc | null = null;
  /** Peer slots: the running peer, or null. */
  readonly peers: Array<PeerProc | null>;
  /** One-shot `get`s still running. */
  readonly gets = new Set<Proc>();
  /** One-shot records may show until at least then (a killed Redis server's await purge). */
  transientFloor = 0;
  stopping = false;
  /** One-shot processes running (gets, lookups, lists). */
  oneShots = 0;

  constructor(readonly options: SoakOptions, readonly pool: ReadonlyMap<number, PoolRfc>, readonly root: string) {
    this.journal = new Journal(options.seed, options.verbose);
    this.folders = new FolderWatch(pool, this.journal);
    this.peers = new Array<PeerProc | null>(options.peers).fill(null);
  }

  title(rfc: number): string {
    return this.pool.get(rfc)?.title ?? '';
  }

  /** Redis being restarted, or its servers not yet re-asserted: errors and 400s are expected. */
  storeOutage(at = performance.now()): boolean {
    return this.redis !== null && (this.redis.restarting || at < this.expected.storeSettleAt);
  }

  /** Records of one-shots may show until then. */
  refreshTransient(): void {
    this.expected.transientUntil = this.gets.size > 0 ? Infinity : Math.max(this.transientFloor, performance.now() + BOUNDS.settleMs);
  }

  /** Invariant 3 for any child: it ended only if the driver made it, and never crashed. */
  checkExit(proc: Proc, exit: ProcExit, allowed: (exit: ProcExit) => boolean): void {
    const crash = proc.stderrLines.find((l) => CRASH.test(l));
    const tail = proc.stderrLines.slice(-3).join(' | ') || proc.lines.slice(-2).join(' | ');
    const how = exit.signal ?? `exit ${exit.code}`;
    if (crash !== undefined) this.journal.violate(3, `${proc.label} (pid ${proc.pid}) crashed: ${crash.trim()} (${how})`);
    else if (!allowed(exit) && !this.stopping) {
      const asked = proc.expected === null ? 'though the driver did not end it' : `after "${proc.expected}"`;
      this.journal.violate(3, `${proc.label} (pid ${proc.pid}) ended (${how}) ${asked}: ${tail}`);
    }
  }

  /** Whether server `i` was up for all of [from, now]. */
  serverSteady(i: number, from: number): boolean {
    return this.servers[i]!.upThroughout(from) && !this.storeOutage(from) && !this.storeOutage();
  }
}
