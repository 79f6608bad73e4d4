import type { RfcRecord } from '../protocol/index.js';
import type { OwnerId } from './store.js';

/**
 * Key names and member encodings of the shared index in Redis. Everything lives under one
 * prefix so several independent indexes (or test runs) can share a Redis.
 *
 *   <p>rfc:<n>          ZSET  holder → add sequence   (LOOKUP, in the order records were added)
 *   <p>titles           HASH  record id → title
 *   <p>all              ZSET  record id, all scores 0 (LIST pages through it by lex cursor)
 *   <p>owner:<owner>    SET   record ids of one connection (its drop is O(its records))
 *   <p>ownerpeers:<o>   HASH  "port\nhost" → records, so `peers` can be counted exactly
 *   <p>inst:<id>        SET   owners of one server instance (what survivors purge)
 *   <p>instances        SET   instance ids that may hold records
 *   <p>hb:<id>          STRING heartbeat with a TTL; gone = the instance is dead
 *   <p>stats            HASH  records, peers
 *   <p>seq              counter for the add order
 */
export class RedisKeys {
  readonly titles: string;
  readonly all: string;
  readonly instances: string;
  readonly stats: string;
  readonly seq: string;

  constructor(readonly prefix: string) {
    this.titles = `${prefix}titles`;
    this.all = `${prefix}all`;
    this.instances = `${prefix}instances`;
    this.stats = `${prefix}stats`;
    this.seq = `${prefix}seq`;
  }

  rfc(rfc: number): string {
    return `${this.prefix}rfc:${rfc}`;
  }
  owner(owner: OwnerId): string {
    return `${this.prefix}owner:${owner}`;
  }
  ownerPeers(owner: OwnerId): string {
    return `${this.prefix}ownerpeers:${owner}`;
  }
  instanceOwners(instanceId: string): string {
    return `${this.prefix}inst:${instanceId}`;
  }
  heartbeat(instanceId: string): string {
    return `${this.prefix}hb:${instanceId}`;
  }
}

/**
 * RFC numbers have at most 9 digits (§2); zero-padding them makes record ids sort by RFC
 * number in a lex range, and lets the Lua scripts cut the number off at a fixed offset.
 */
const RFC_DIGITS = 9;

/** "owner\nport\nhost": one holder of an RFC. `\n` can't occur in a header value or an owner id. */
export function holderId(owner: OwnerId, host: string, port: number): string {
  return `${owner}\n${port}\n${host}`;
}

/** "rfc\nowner\nport\nhost": one record, unique across the whole index. */
export function recordId(owner: OwnerId, record: RfcRecord): string {
  return `${rfcPrefix(record.rfc)}${holderId(owner, record.host, record.port)}`;
}

/** The part every record id of one RFC starts with. */
export function rfcPrefix(rfc: number): string {
  return `${String(rfc).padStart(RFC_DIGITS, '0')}\n`;
}

/** "port\nhost": a peer as one owner announced it (for counting distinct peers). */
export function peerField(host: string, port: number): string {
  return `${port}\n${host}`;
}

/** A holder id (from an RFC's ZSET) and its title back into a record. */
export function recordFromHolder(rfc: number, holder: string, title: string): RfcRecord {
  const a = holder.indexOf('\n');
  const b = holder.indexOf('\n', a + 1);
  return { rfc, title, port: Number(holder.slice(a + 1, b)), host: holder.slice(b + 1) };
}

/** A record id (from the `all` ZSET) and its title back into a record. */
export function recordFromId(id: string, title: string): RfcRecord {
  return recordFromHolder(Number(id.slice(0, RFC_DIGITS)), id.slice(RFC_DIGITS + 1), title);
}

/** Owner ids must not contain the separator, or a record id would be ambiguous. */
export function assertOwnerId(owner: OwnerId): void {
  if (owner.includes('\n')) throw new Error(`owner id must not contain a newline: ${JSON.stringify(owner)}`);
}
