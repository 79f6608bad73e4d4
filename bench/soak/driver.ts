import { createHash } from 'node:crypto';
import { Prng } from './prng.js';
import { freezePeer, joinPeer, killPeer, leavePeer, menuCommand } from './peer-actions.js';
import { bystander, killYoungestGet, oneShotGet } from './oneshots.js';
import { killServer, restartRedis } from './server-actions.js';
import type { World } from './world.js';

/** One-shot processes (get, lookup, list) running at once before the driver waits. */
const MAX_ONE_SHOTS = 3;

type Kind = 'join' | 'leave' | 'kill' | 'freeze' | 'download' | 'add' | 'get' | 'killGet' | 'serverKill' | 'redisRestart' | 'lookup' | 'list';

const WEIGHTS: Record<Kind, number> = {
  join: 10, leave: 5, kill: 4, freeze: 3, download: 24, add: 5, get: 8, killGet: 2, serverKill: 1, redisRestart: 1, lookup: 2, list: 2,
};

/**
 * The chaos driver. Every step draws the same seven numbers from the PRNG and interprets
 * them against the driver's own view of the slots (which only its decisions change), so a
 * seed replays the same sequence of decisions however the processes behave. What the
 * decisions do to a slot is chained per slot, so a leave never overtakes the join before it.
 */
export class Driver {
  private readonly prng: Prng;
  private readonly up: boolean[];
  private readonly frozenSteps: number[];
  private readonly slotChain: Array<Promise<void>>;
  private readonly serverChain: Array<Promise<void>>;
  private redisChain: Promise<void> = Promise.resolve();
  private readonly digest = createHash('sha256');
  private readonly weights: Record<Kind, number>;
  private readonly rfcs: number[];
  decisions = 0;

  constructor(private readonly w: World, private readonly bystanderDirs: readonly string[]) {
    this.prng = new Prng(w.options.seed);
    this.up = new Array<boolean>(w.options.peers).fill(false);
    this.frozenSteps = new Array<number>(w.options.peers).fill(0);
    this.slotChain = this.up.map(() => Promise.resolve());
    this.serverChain = w.servers.map(() => Promise.resolve());
    this.weights = { ...WEIGHTS, redisRestart: w.redis === null ? 0 : WEIGHTS.redisRestart };
    this.rfcs = [...w.pool.keys()];
  }

  /** Hash of every decision taken: equal for equal seeds (and durations). */
  get decisionDigest(): string {
    return this.digest.copy().digest('hex').slice(0, 16);
  }

  /** Fills every slot (the starting population), then drives until `deadline`. */
  async run(deadline: number): Promise<void> {
    for (let slot = 0; slot < this.up.length; slot++) this.join(slot, slot % this.w.servers.length, this.prng.next(), this.prng.int(0, 2 ** 32 - 1));
    await Promise.all(this.slotChain);
    while (performance.now() < deadline && !this.w.stopping) {
      const kind = this.prng.weighted(this.weights);
      const slot = this.prng.int(0, this.up.length - 1);
      const rfc = this.prng.pick(this.rfcs);
      const param = this.prng.next();
      const server = this.prng.int(0, this.w.servers.length - 1);
      const subSeed = this.prng.int(0, 2 ** 32 - 1);
      const delayMs = 100 + Math.floor(this.prng.next() * 400);
      this.thaw();
      this.apply(kind, slot, rfc, param, server, subSeed);
      await new Promise((r) => setTimeout(r, delayMs));
      // On a loaded machine Node starts slowly: let one-shots finish before adding more
      // (this delays decisions, never changes them).
      while (this.w.oneShots > MAX_ONE_SHOTS && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    }
  }

  private decide(text: string): void {
    this.decisions++;
    this.digest.update(`${text}\n`);
    this.w.journal.event(text);
  }

  /** The first slot from `from` on (cyclically) that satisfies `ok`. */
  private find(from: number, ok: (s: number) => boolean): number | null {
    for (let i = 0; i < this.up.length; i++) {
      const s = (from + i) % this.up.length;
      if (ok(s)) return s;
    }
    return null;
  }

  private onSlot(slot: number, action: () => unknown): void {
    this.slotChain[slot] = this.slotChain[slot]!.then(async () => {
      await action();
    });
  }

  private peer(slot: number) {
    return this.w.peers[slot] ?? null;
  }

  private join(slot: number, server: number, param: number, subSeed: number): void {
    const shares = new Prng(subSeed).sample(this.rfcs, 2 + Math.floor(param * 8)).sort((a, b) => a - b);
    this.up[slot] = true;
    this.decide(`join slot ${slot} on server ${server} sharing ${shares.join(',')}`);
    this.onSlot(slot, () => joinPeer(this.w, slot, server, shares));
  }

  private thaw(): void {
    for (let s = 0; s < this.frozenSteps.length; s++) {
      if (this.frozenSteps[s] === 0 || --this.frozenSteps[s]! > 0) continue;
      this.decide(`SIGCONT slot ${s}`);
      this.onSlot(s, () => this.peer(s) && freezePeer(this.peer(s)!, false));
    }
  }

  private apply(kind: Kind, slot: number, rfc: number, param: number, server: number, subSeed: number): void {
    const upAt = (s: number) => this.up[s]!;
    const awake = (s: number) => this.up[s]! && this.frozenSteps[s] === 0;
    const w = this.w;
    switch (kind) {
      case 'join': {
        const s = this.find(slot, (x) => !upAt(x));
        if (s !== null) this.join(s, server, param, subSeed);
        return;
      }
      case 'leave': {
        const s = this.find(slot, awake);
        if (s === null) return;
        const how = param < 0.5 ? 'menu' : 'SIGTERM';
        this.up[s] = false;
        this.decide(`leave slot ${s} by ${how}`);
        this.onSlot(s, () => this.peer(s) && leavePeer(w, this.peer(s)!, how));
        return;
      }
      case 'kill': {
        const s = this.find(slot, upAt);
        if (s === null) return;
        this.up[s] = false;
        this.frozenSteps[s] = 0;
        this.decide(`SIGKILL slot ${s}`);
        this.onSlot(s, () => this.peer(s) && (killPeer(w, this.peer(s)!), this.peer(s)!.proc.exited));
        return;
      }
      case 'freeze': {
        const s = this.find(slot, awake);
        if (s === null) return;
        this.frozenSteps[s] = 2 + Math.floor(param * 8);
        this.decide(`SIGSTOP slot ${s} for ${this.frozenSteps[s]} steps`);
        this.onSlot(s, () => this.peer(s) && freezePeer(this.peer(s)!, true));
        return;
      }
      case 'download':
      case 'add': {
        const s = this.find(slot, awake);
        if (s === null) return;
        this.decide(`${kind} RFC ${rfc} by slot ${s}`);
        this.onSlot(s, () => this.peer(s) && menuCommand(w, this.peer(s)!, kind, rfc));
        return;
      }
      case 'get': {
        const s = param < 0.6 ? this.find(slot, upAt) : null;
        this.decide(`get RFC ${rfc} from server ${server} into ${s === null ? `bystander ${slot % 2}` : `slot ${s}`}`);
        if (s === null) oneShotGet(w, rfc, this.bystanderDirs[slot % 2]!, server);
        else this.onSlot(s, () => this.peer(s) && oneShotGet(w, rfc, this.peer(s)!.dir, server));
        return;
      }
      case 'killGet':
        this.decide('SIGKILL the youngest get');
        killYoungestGet(w);
        return;
      case 'serverKill': {
        const downMs = 100 + Math.floor(param * 1400);
        this.decide(`SIGKILL server ${server}, restart after ${downMs} ms`);
        this.serverChain[server] = this.serverChain[server]!.then(() => killServer(w, server, downMs));
        return;
      }
      case 'redisRestart': {
        const downMs = 200 + Math.floor(param * 1000);
        this.decide(`restart Redis empty after ${downMs} ms`);
        this.redisChain = this.redisChain.then(() => restartRedis(w, downMs));
        return;
      }
      case 'lookup':
      case 'list':
        this.decide(`bystander ${kind}${kind === 'lookup' ? ` RFC ${rfc}` : ''} on server ${server}`);
        bystander(w, kind, rfc, server);
        return;
    }
  }

  /** Waits for every action under way (after the world stopped, they end quickly). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.slotChain, ...this.serverChain, this.redisChain]);
  }
}
