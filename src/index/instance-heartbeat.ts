import { HEARTBEAT_SCRIPT, PURGE_INSTANCE_SCRIPT, type CommandSender } from './redis-scripts.js';
import type { RedisKeys } from './redis-keys.js';

/** Owners dropped per purge script call: bounds how long one call holds Redis. */
const PURGE_SLICE = 64;

export interface PurgedInstance {
  instanceId: string;
  records: number;
}

/**
 * The liveness of the index servers sharing one Redis. Each instance renews a key with a TTL;
 * an instance that died without cleaning up (SIGKILL, power loss) stops renewing it, and the
 * survivors purge its records once the key has expired: within TTL + one beat interval.
 */
export class InstanceHeartbeat {
  constructor(
    private readonly client: CommandSender,
    private readonly keys: RedisKeys,
    readonly instanceId: string,
    readonly ttlMs: number,
    private readonly timeoutMs: number,
  ) {}

  /** How often to beat: three beats per TTL, so one slow or lost beat doesn't look like death. */
  get intervalMs(): number {
    return Math.max(50, Math.floor(this.ttlMs / 3));
  }

  /**
   * First beat of a starting instance. An id whose heartbeat is alive belongs to a running
   * server: refuse it. Records left by an earlier process with this id are purged first, or
   * its owner ids ("<id>:1" …) would collide with the new connections'.
   */
  async claim(): Promise<void> {
    const alive = await this.client.sendCommand<number>(['EXISTS', this.keys.heartbeat(this.instanceId)], { timeout: this.timeoutMs });
    if (alive === 1) throw new Error(`instance id "${this.instanceId}" is in use by a running server`);
    await this.purge(this.instanceId);
    await this.beat();
  }

  /** Renews the heartbeat; false when it had expired, i.e. survivors may have purged our records. */
  async beat(): Promise<boolean> {
    const keys = [this.keys.heartbeat(this.instanceId), this.keys.instances];
    const alive = await HEARTBEAT_SCRIPT.run<number>(this.client, keys, [String(this.ttlMs), this.instanceId], this.timeoutMs);
    return alive === 1;
  }

  /** Purges every other instance whose heartbeat is gone. */
  async purgeDead(): Promise<PurgedInstance[]> {
    const ids = await this.client.sendCommand<string[]>(['SMEMBERS', this.keys.instances], { timeout: this.timeoutMs });
    const others = ids.filter((id) => id !== this.instanceId);
    if (others.length === 0) return [];
    // One round trip for all liveness checks; the purge script re-checks atomically.
    const alive = await Promise.all(
      others.map((id) => this.client.sendCommand<number>(['EXISTS', this.keys.heartbeat(id)], { timeout: this.timeoutMs })),
    );
    const purged: PurgedInstance[] = [];
    for (let i = 0; i < others.length; i++) {
      if (alive[i] === 1) continue;
      const records = await this.purge(others[i]!);
      if (records >= 0) purged.push({ instanceId: others[i]!, records });
    }
    return purged;
  }

  /** Clean shutdown: stop beating, then remove everything this instance still owns. */
  async retire(): Promise<number> {
    await this.client.sendCommand(['DEL', this.keys.heartbeat(this.instanceId)], { timeout: this.timeoutMs });
    return Math.max(0, await this.purge(this.instanceId));
  }

  /** Drops an instance's records slice by slice; -1 if its heartbeat came back meanwhile. */
  private async purge(instanceId: string): Promise<number> {
    const k = this.keys;
    const keys = [k.heartbeat(instanceId), k.instanceOwners(instanceId), k.instances, k.stats, k.titles, k.all];
    const args = [k.prefix, instanceId, String(PURGE_SLICE)];
    let total = 0;
    for (;;) {
      const [dropped, left] = await PURGE_INSTANCE_SCRIPT.run<[number, number]>(this.client, keys, args, this.timeoutMs);
      if (dropped < 0) return total > 0 ? total : -1;
      total += dropped;
      if (left === 0) return total;
    }
  }
}
