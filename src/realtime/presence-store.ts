import type IORedis from 'ioredis';
import { createHash } from 'node:crypto';

/**
 * Claims (认领) and viewers (谁在看) in Redis: ephemeral hints shared by every API process, never review state
 * (PostgreSQL holds that). Only ids live here (draft, user, socket ids), never names or text.
 *
 * Every entry carries its own expiry time, refreshed by the heartbeat of the process that holds the socket; an
 * entry whose time has passed is removed by whichever process touches the draft next, and that process alone
 * announces the change (the removal happens inside one script, so exactly one caller sees it). Each draft has a
 * sequence number bumped in the same script as any change, so a snapshot's `seq` orders it against every other.
 *
 * Keys under `<prefix>:live:`
 *   v:<draft>    ZSET  "<socketId>|<userId>" → expiry ms       (viewers)
 *   c:<draft>    JSON  {u,s,t,e,v}: user, stage, since, expiry, draft version when claimed
 *   uc:<user>    SET   drafts the user claims
 *   conn:<user>  ZSET  socket ids → expiry ms                   (is the user connected anywhere?)
 *   gone:<user>  INT   when the user's last socket went (ms)
 *   seq:<draft>  INT
 *   active       HASH  draft → unit id, for drafts with viewers or a claim (sweeps and board refetches)
 *
 * Scripts compute some keys from the prefix: fine on a single Redis (what BullMQ needs too), not Redis Cluster.
 */

export interface RawClaim {
  userId: string;
  stage: string;
  since: number;
  version: number;
}

export interface RawPresence {
  draftId: string;
  unitId: string | null;
  seq: number;
  claim: RawClaim | null;
  /** Distinct user ids of the viewers. */
  viewerIds: string[];
}

export interface StoreResult {
  /** `claimed` (a new claim), `held` (refused: someone else claims it), `released` (the caller's claim dropped), `dropped` (stale claim), else `ok`. */
  status: 'ok' | 'claimed' | 'held' | 'released' | 'dropped';
  /** Whether this call changed the draft's claims or viewers (its caller announces the change). */
  changed: boolean;
  presence: RawPresence;
}

const OP_SCRIPT = `
local vkey, ckey, seqkey, activekey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local op, now, draft, unit, ttl, base = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[6]
local changed = 0
local status = 'ok'

if redis.call('ZREMRANGEBYSCORE', vkey, '-inf', now) > 0 then changed = 1 end
local raw = redis.call('GET', ckey)
local cur = nil
if raw then
  cur = cjson.decode(raw)
  if cur.e < now then
    redis.call('DEL', ckey)
    redis.call('SREM', base .. 'uc:' .. cur.u, draft)
    cur = nil
    changed = 1
  end
end

local function drop_claim()
  redis.call('DEL', ckey)
  redis.call('SREM', base .. 'uc:' .. cur.u, draft)
  cur = nil
  changed = 1
end

if op == 'join' then
  if redis.call('ZADD', vkey, now + ttl, ARGV[7]) == 1 then changed = 1 end
  redis.call('PEXPIRE', vkey, ttl * 2)
elseif op == 'leave' then
  if redis.call('ZREM', vkey, ARGV[7]) == 1 then changed = 1 end
elseif op == 'claim' then
  local user, stage, version = ARGV[7], ARGV[8], tonumber(ARGV[9])
  if cur and cur.u ~= user and cur.s == stage then
    status = 'held'
  else
    local since = now
    if cur and cur.u == user and cur.s == stage then
      since = cur.t
    else
      if cur then drop_claim() end
      changed = 1
      status = 'claimed'
    end
    redis.call('SET', ckey, cjson.encode({u = user, s = stage, t = since, e = now + ttl, v = version}), 'PX', ttl * 2)
    redis.call('SADD', base .. 'uc:' .. user, draft)
    redis.call('PEXPIRE', base .. 'uc:' .. user, ttl * 2)
    cur = {u = user, s = stage, t = since, e = now + ttl, v = version}
  end
elseif op == 'unclaim' then
  if cur and cur.u == ARGV[7] then
    drop_claim()
    status = 'released'
  end
elseif op == 'stale' then
  local st, stage, version = ARGV[7], ARGV[8], tonumber(ARGV[9])
  if cur and cur.v < version and ((st ~= 'in_review' and st ~= 'checking') or stage ~= cur.s) then
    drop_claim()
    status = 'dropped'
  end
end

local seq
if changed == 1 then
  -- Starting from the clock keeps a draft's seq increasing even after its counter expired unused.
  if redis.call('EXISTS', seqkey) == 0 then redis.call('SET', seqkey, ARGV[2]) end
  seq = redis.call('INCR', seqkey)
  redis.call('PEXPIRE', seqkey, 86400000)
else
  seq = tonumber(redis.call('GET', seqkey) or '0')
end
local members = redis.call('ZRANGE', vkey, 0, -1)
local known = redis.call('HGET', activekey, draft)
if unit ~= '' then known = unit end
if cur or #members > 0 then
  if known then redis.call('HSET', activekey, draft, known) end
else
  redis.call('HDEL', activekey, draft)
end
local claim = ''
if cur then claim = cjson.encode(cur) end
return {status, changed, seq, known or '', claim, members}
`;

/**
 * Releases every claim of a user who has no socket left on any process and whose last socket went at least
 * `grace` ago (a later disconnect elsewhere restarts the grace; that process's own timer releases then).
 */
const RELEASE_USER_SCRIPT = `
local connkey, uckey, gonekey = KEYS[1], KEYS[2], KEYS[3]
local now, base, user, grace = tonumber(ARGV[1]), ARGV[2], ARGV[3], tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', connkey, '-inf', now)
if redis.call('ZCARD', connkey) > 0 then return {} end
if now - tonumber(redis.call('GET', gonekey) or '0') < grace then return {} end
local released = {}
for _, draft in ipairs(redis.call('SMEMBERS', uckey)) do
  local ckey = base .. 'c:' .. draft
  local raw = redis.call('GET', ckey)
  if raw and cjson.decode(raw).u == user then
    redis.call('DEL', ckey)
    local seqkey = base .. 'seq:' .. draft
    if redis.call('EXISTS', seqkey) == 0 then redis.call('SET', seqkey, ARGV[1]) end
    redis.call('INCR', seqkey)
    redis.call('PEXPIRE', seqkey, 86400000)
    table.insert(released, draft)
  end
end
redis.call('DEL', uckey)
return released
`;

/** Pushes the expiry of a connected user's claims forward (heartbeat). */
const REFRESH_CLAIMS_SCRIPT = `
local uckey = KEYS[1]
local now, ttl, base, user = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4]
for _, draft in ipairs(redis.call('SMEMBERS', uckey)) do
  local ckey = base .. 'c:' .. draft
  local raw = redis.call('GET', ckey)
  if raw then
    local cur = cjson.decode(raw)
    if cur.u == user and cur.e >= now then
      cur.e = now + ttl
      redis.call('SET', ckey, cjson.encode(cur), 'PX', ttl * 2)
    end
  else
    redis.call('SREM', uckey, draft)
  end
end
redis.call('PEXPIRE', uckey, ttl * 2)
return 1
`;

/** EVALSHA with a fallback to EVAL when Redis has not seen the script (after a restart or a SCRIPT FLUSH). */
class Script {
  private readonly sha: string;
  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }
  async run(redis: IORedis, keys: string[], args: Array<string | number>): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!String((error as Error).message).includes('NOSCRIPT')) throw error;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

const opScript = new Script(OP_SCRIPT);
const releaseUserScript = new Script(RELEASE_USER_SCRIPT);
const refreshClaimsScript = new Script(REFRESH_CLAIMS_SCRIPT);

export interface PresenceStoreOptions {
  /** How long an entry lives without a heartbeat. */
  ttlMs: number;
}

export type PresenceStore = ReturnType<typeof createPresenceStore>;

/** Redis operations for claims and viewers. Every call may throw when Redis is unreachable. */
export function createPresenceStore(redis: IORedis, prefix: string, options: PresenceStoreOptions) {
  const base = `${prefix}:live:`;
  const ttl = options.ttlMs;

  const decode = (draftId: string, reply: unknown): StoreResult => {
    const [status, changed, seq, unit, claim, members] = reply as [StoreResult['status'], number, number, string, string, string[]];
    const parsed = claim ? (JSON.parse(claim) as { u: string; s: string; t: number; v: number }) : null;
    const viewerIds: string[] = [];
    for (const member of members) {
      const userId = member.slice(member.indexOf('|') + 1);
      if (!viewerIds.includes(userId)) viewerIds.push(userId);
    }
    return {
      status,
      changed: changed === 1,
      presence: {
        draftId,
        unitId: unit || null,
        seq: Number(seq),
        claim: parsed ? { userId: parsed.u, stage: parsed.s, since: parsed.t, version: parsed.v } : null,
        viewerIds,
      },
    };
  };

  const op = async (draftId: string, unitId: string | null, name: string, args: Array<string | number> = []) => {
    const reply = await opScript.run(redis, [`${base}v:${draftId}`, `${base}c:${draftId}`, `${base}seq:${draftId}`, `${base}active`], [name, Date.now(), draftId, unitId ?? '', ttl, base, ...args]);
    return decode(draftId, reply);
  };
  const member = (socketId: string, userId: string) => `${socketId}|${userId}`;

  return {
    /** The current state (expired entries are removed on the way; `changed` says whether any were). */
    async read(draftId: string): Promise<StoreResult> {
      return op(draftId, null, 'read');
    },
    /** A socket has the draft's review page open (also its heartbeat: re-adding an entry refreshes it). */
    async join(draftId: string, unitId: string, socketId: string, userId: string): Promise<StoreResult> {
      return op(draftId, unitId, 'join', [member(socketId, userId)]);
    },
    async leave(draftId: string, socketId: string, userId: string): Promise<StoreResult> {
      return op(draftId, null, 'leave', [member(socketId, userId)]);
    },
    /** Claims the draft at `stage` unless someone else holds a claim at that same stage. */
    async claim(draftId: string, unitId: string, userId: string, stage: string, version: number): Promise<StoreResult> {
      return op(draftId, unitId, 'claim', [userId, stage, version]);
    },
    async unclaim(draftId: string, userId: string): Promise<StoreResult> {
      return op(draftId, null, 'unclaim', [userId]);
    },
    /** Drops a claim that a committed change made pointless (the draft left the claimed stage). */
    async dropStale(draftId: string, unitId: string, status: string, stage: string | null, version: number): Promise<StoreResult> {
      return op(draftId, unitId, 'stale', [status, stage ?? '', version]);
    },
    async activeDrafts(): Promise<Map<string, string>> {
      return new Map(Object.entries(await redis.hgetall(`${base}active`)));
    },
    /** Records (or refreshes) one of the user's sockets as connected. */
    async connected(userId: string, socketIds: readonly string[]): Promise<void> {
      if (socketIds.length === 0) return;
      const expiry = Date.now() + ttl;
      await redis
        .multi()
        .zadd(`${base}conn:${userId}`, ...socketIds.flatMap((id) => [expiry, id]))
        .pexpire(`${base}conn:${userId}`, ttl * 2)
        .exec();
    },
    async disconnected(userId: string, socketId: string): Promise<void> {
      await redis
        .multi()
        .zrem(`${base}conn:${userId}`, socketId)
        .set(`${base}gone:${userId}`, Date.now(), 'PX', ttl * 2)
        .exec();
    },
    /**
     * If the user has no socket left on any process and the last one went `graceMs` ago or more, releases their
     * claims; returns the drafts released.
     */
    async releaseIfGone(userId: string, graceMs: number): Promise<string[]> {
      return (await releaseUserScript.run(redis, [`${base}conn:${userId}`, `${base}uc:${userId}`, `${base}gone:${userId}`], [Date.now(), base, userId, graceMs])) as string[];
    },
    async refreshClaims(userId: string): Promise<void> {
      await refreshClaimsScript.run(redis, [`${base}uc:${userId}`], [Date.now(), ttl, base, userId]);
    },
  };
}
