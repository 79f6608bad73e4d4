import { createHash } from 'node:crypto';

/** The one client call the scripts need; a node-redis client has it. */
export interface CommandSender {
  sendCommand<T = unknown>(args: ReadonlyArray<string>, options?: { timeout?: number }): Promise<T>;
}

/** Raised when Redis accepted a command but did not answer in time (stalled, paused, overloaded). */
export class RedisTimeoutError extends Error {
  constructor(ms: number) {
    super(`Redis did not answer within ${ms} ms (timeout)`);
    this.name = 'RedisTimeoutError';
  }
}

/**
 * node-redis's own `timeout` only bounds the wait in its write queue; a command already sent
 * to a stalled Redis would wait for ever. This sender bounds the wait for the reply too, so a
 * peer's request is answered (400) within the timeout whatever Redis does.
 */
export function withReplyTimeout(client: CommandSender): CommandSender {
  return {
    sendCommand<T>(args: ReadonlyArray<string>, options?: { timeout?: number }): Promise<T> {
      // Not passed on: node-redis would build an AbortSignal per command (a tenth of the
      // server's CPU under LOOKUP load, measured) for a bound that ends once the command is written.
      const reply = client.sendCommand<T>(args);
      const ms = options?.timeout;
      if (ms === undefined || ms <= 0) return reply;
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new RedisTimeoutError(ms)), ms);
      });
      reply.catch(() => {}); // a reply that fails after the deadline has nobody left to tell
      return Promise.race([reply, deadline]).finally(() => clearTimeout(timer));
    },
  };
}

/**
 * A Lua script run by EVALSHA. Each script is one atomic step on the shared index: no other
 * instance can see (or race with) half of an add or a drop. A Redis that restarted has
 * forgotten the script: NOSCRIPT → send the source once with EVAL.
 */
export class RedisScript {
  readonly sha: string;

  constructor(readonly name: string, readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run<T>(client: CommandSender, keys: readonly string[], args: readonly string[], timeout: number): Promise<T> {
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await client.sendCommand<T>(['EVALSHA', this.sha, ...tail], { timeout });
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return await client.sendCommand<T>(['EVAL', this.source, ...tail], { timeout });
    }
  }
}

/**
 * Removes one owner's records. Shared by dropOwner and the purge of a dead instance.
 * A record id is "<9-digit rfc>\n<holder>", so the RFC's key and holder are cut from it.
 */
const DROP_OWNER_FN = `
local function drop_owner(prefix, owner, owner_key, peers_key, stats, titles, all)
  local ids = redis.call('SMEMBERS', owner_key)
  for _, id in ipairs(ids) do
    redis.call('ZREM', prefix .. 'rfc:' .. tonumber(string.sub(id, 1, 9)), string.sub(id, 11))
    redis.call('HDEL', titles, id)
    redis.call('ZREM', all, id)
  end
  local peers = redis.call('HLEN', peers_key)
  if #ids > 0 then redis.call('HINCRBY', stats, 'records', -#ids) end
  if peers > 0 then redis.call('HINCRBY', stats, 'peers', -peers) end
  redis.call('DEL', owner_key, peers_key)
  return #ids
end
`;

/**
 * KEYS: rfc zset, titles, all, owner set, owner peers, stats, seq, instance owners, instances
 * ARGV: record id, holder id, peer field, title, owner, instance id
 * Adding the same record again keeps its place in the add order and takes the new title,
 * as the memory store does.
 */
export const ADD_SCRIPT = new RedisScript('add', `
if not redis.call('ZSCORE', KEYS[1], ARGV[2]) then
  redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[7]), ARGV[2])
  redis.call('ZADD', KEYS[3], 0, ARGV[1])
  redis.call('SADD', KEYS[4], ARGV[1])
  if redis.call('HINCRBY', KEYS[5], ARGV[3], 1) == 1 then redis.call('HINCRBY', KEYS[6], 'peers', 1) end
  redis.call('HINCRBY', KEYS[6], 'records', 1)
  redis.call('SADD', KEYS[8], ARGV[5])
  redis.call('SADD', KEYS[9], ARGV[6])
elseif redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[4] then
  -- A new title for a record already there: its place stays, but the RFC's key is rewritten
  -- so that instances caching this RFC's LOOKUP are told (client-side caching tracks that key).
  local score = redis.call('ZSCORE', KEYS[1], ARGV[2])
  redis.call('ZREM', KEYS[1], ARGV[2])
  redis.call('ZADD', KEYS[1], score, ARGV[2])
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
return 1
`);

/**
 * KEYS: rfc zset, titles. ARGV: the RFC's record-id prefix.
 * LOOKUP in one round trip: holders in add order, then their titles, as a flat
 * [holder, title, holder, title …]. HMGET in slices: Lua's unpack() has a stack limit.
 */
export const LOOKUP_SCRIPT = new RedisScript('lookup', `
local holders = redis.call('ZRANGE', KEYS[1], 0, -1)
local out = {}
for i = 1, #holders, 1000 do
  local fields = {}
  for j = i, math.min(i + 999, #holders) do fields[#fields + 1] = ARGV[1] .. holders[j] end
  local titles = redis.call('HMGET', KEYS[2], unpack(fields))
  for j = 1, #titles do
    out[#out + 1] = holders[i + j - 1]
    out[#out + 1] = titles[j] or ''
  end
end
return out
`);

/**
 * KEYS: all, titles. ARGV: lex lower bound ("-" or "(<last id>"), page size (≤ 4000).
 * One page of LIST: a cursor that stays valid while others add and drop, so the index is
 * streamed page by page and never returned by one command.
 */
export const LIST_PAGE_SCRIPT = new RedisScript('list-page', `
local ids = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], '+', 'LIMIT', 0, tonumber(ARGV[2]))
if #ids == 0 then return {} end
local titles = redis.call('HMGET', KEYS[2], unpack(ids))
local out = {}
for i = 1, #ids do
  out[2 * i - 1] = ids[i]
  out[2 * i] = titles[i] or ''
end
return out
`);

/** KEYS: owner set, owner peers, stats, titles, all, instance owners. ARGV: prefix, owner. */
export const DROP_OWNER_SCRIPT = new RedisScript('drop-owner', `${DROP_OWNER_FN}
local n = drop_owner(ARGV[1], ARGV[2], KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
redis.call('SREM', KEYS[6], ARGV[2])
return n
`);

/**
 * KEYS: heartbeat of the instance, its owners, instances, stats, titles, all.
 * ARGV: prefix, instance id, most owners to drop in this call.
 * Purges a dead instance a slice at a time (a huge instance doesn't block Redis in one go),
 * and only while its heartbeat is absent: checked inside the script, so an instance that
 * came back in between is never purged. Returns {records dropped, owners left} or {-1, 0}.
 */
export const PURGE_INSTANCE_SCRIPT = new RedisScript('purge-instance', `${DROP_OWNER_FN}
if redis.call('EXISTS', KEYS[1]) == 1 then return {-1, 0} end
local owners = redis.call('SRANDMEMBER', KEYS[2], tonumber(ARGV[3]))
local dropped = 0
for _, owner in ipairs(owners) do
  dropped = dropped + drop_owner(ARGV[1], owner, ARGV[1] .. 'owner:' .. owner, ARGV[1] .. 'ownerpeers:' .. owner, KEYS[4], KEYS[5], KEYS[6])
  redis.call('SREM', KEYS[2], owner)
end
local left = redis.call('SCARD', KEYS[2])
if left == 0 then redis.call('SREM', KEYS[3], ARGV[2]) end
return {dropped, left}
`);

/**
 * KEYS: heartbeat, instances. ARGV: TTL in ms, instance id.
 * Returns 1 if the heartbeat was still there, 0 if it had expired or Redis lost it: then
 * survivors may have purged this instance, and it must re-assert its records.
 */
export const HEARTBEAT_SCRIPT = new RedisScript('heartbeat', `
local alive = redis.call('EXISTS', KEYS[1])
redis.call('SET', KEYS[1], '1', 'PX', tonumber(ARGV[1]))
redis.call('SADD', KEYS[2], ARGV[2])
return alive
`);
