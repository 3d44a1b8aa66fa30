import type IORedis from 'ioredis';
import type { Logger } from 'pino';
import type { Db } from '../db/pool';
import type { ClaimsPort } from '../services/claims.service';
import type { DraftChange } from '../shared/socket-contract';
import { peopleById } from '../services/draft-queries.service';
import { MAX_VIEWERS_LISTED, type DraftPresence, type PresencePerson } from '../shared/socket-contract';
import { createPresenceStore, type RawPresence, type StoreResult } from './presence-store';
import { draftRooms } from './rooms';
import type { IoServer, IoSocket } from './types';

/** An entry (viewer, connection, claim) lives this long without a heartbeat: a crashed process's hints fade. */
export const PRESENCE_TTL_MS = 30_000;
/**
 * A claim outlives its holder's last socket this long, so reloading the review page does not drop it; a closed
 * tab releases it after this.
 */
export const CLAIM_GRACE_MS = 3_000;

export interface PresenceHubOptions {
  ttlMs?: number;
  claimGraceMs?: number;
}

export type PresenceHub = ReturnType<typeof createPresenceHub>;

/**
 * Claims and viewers across API processes: the Redis store plus this process's sockets. Changes are announced
 * through socket.io (the Redis streams adapter carries them to the other processes) to the rooms that may read
 * the draft, as `presence.changed` with the draft's sequence number. Redis being away costs hints, never state.
 */
export function createPresenceHub(deps: { redis: IORedis; prefix: string; db: Db; logger: Logger }, options: PresenceHubOptions = {}) {
  const ttl = options.ttlMs ?? PRESENCE_TTL_MS;
  const grace = options.claimGraceMs ?? CLAIM_GRACE_MS;
  const store = createPresenceStore(deps.redis, deps.prefix, { ttlMs: ttl });
  let io: IoServer | null = null;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  const sockets = new Map<string, Set<IoSocket>>();
  const releaseTimers = new Map<string, ReturnType<typeof setTimeout>>();

  // Display names come from PostgreSQL (Redis holds ids only); a short cache keeps announcements cheap.
  const names = new Map<string, { name: string; at: number }>();
  const NAME_TTL_MS = 5 * 60_000;
  const resolveNames = async (ids: readonly string[]): Promise<Map<string, string>> => {
    const now = Date.now();
    const missing = ids.filter((id) => (names.get(id)?.at ?? 0) < now - NAME_TTL_MS);
    if (missing.length > 0) {
      const people = await peopleById(deps.db, missing);
      for (const [id, u] of people) names.set(id, { name: u.displayName, at: now });
    }
    return new Map(ids.map((id) => [id, names.get(id)?.name ?? '—']));
  };

  const present = async (raw: RawPresence): Promise<DraftPresence> => {
    const listed = raw.viewerIds.slice(0, MAX_VIEWERS_LISTED);
    const who = await resolveNames(raw.claim ? [raw.claim.userId, ...listed] : listed);
    const person = (id: string): PresencePerson => ({ id, name: who.get(id) ?? '—' });
    return {
      draftId: raw.draftId,
      seq: raw.seq,
      claim: raw.claim ? { by: person(raw.claim.userId), stage: raw.claim.stage, since: new Date(raw.claim.since).toISOString() } : null,
      viewers: listed.map(person),
      viewerCount: raw.viewerIds.length,
    };
  };

  const announce = async (raw: RawPresence, unitId?: string | null): Promise<DraftPresence> => {
    const payload = await present(raw);
    const unit = unitId ?? raw.unitId;
    // Through the adapter: every process delivers to its own sockets in these rooms, each exactly once.
    if (io && unit) io.to(draftRooms(unit)).emit('presence.changed', payload);
    return payload;
  };

  const quietly = (what: string) => (error: unknown) => deps.logger.warn({ err: { message: (error as Error).message }, what }, 'presence hint failed');

  const tick = async () => {
    const now = Date.now();
    for (const [userId, set] of sockets) {
      await store.connected(userId, [...set].map((s) => s.id));
      await store.refreshClaims(userId);
      for (const s of set) {
        for (const [draftId, unitId] of s.data.watching) {
          const r = await store.join(draftId, unitId, s.id, userId);
          if (r.changed) await announce(r.presence, unitId);
        }
      }
    }
    // Entries of a process that died are past their time: whoever removes them first announces it.
    for (const [draftId, unitId] of await store.activeDrafts()) {
      const r = await store.read(draftId);
      if (r.changed) await announce(r.presence, unitId);
    }
    if (Date.now() - now > ttl / 2) deps.logger.warn({ ms: Date.now() - now }, 'presence heartbeat is slow');
  };

  const releaseLater = (userId: string) => {
    clearTimeout(releaseTimers.get(userId));
    releaseTimers.set(
      userId,
      setTimeout(() => {
        releaseTimers.delete(userId);
        if (sockets.has(userId)) return;
        void (async () => {
          for (const draftId of await store.releaseIfGone(userId, grace)) {
            await announce((await store.read(draftId)).presence);
          }
        })().catch(quietly('release claims'));
      }, grace).unref(),
    );
  };

  const hub = {
    /** Starts announcing through `server` and the heartbeat; called once by the socket server. */
    attach(server: IoServer): void {
      io = server;
      clearInterval(heartbeat);
      let running = false;
      heartbeat = setInterval(() => {
        if (running) return;
        running = true;
        tick()
          .catch(quietly('heartbeat'))
          .finally(() => {
            running = false;
          });
      }, Math.max(250, Math.floor(ttl / 3)));
      heartbeat.unref();
    },

    close(): void {
      clearInterval(heartbeat);
      for (const t of releaseTimers.values()) clearTimeout(t);
      releaseTimers.clear();
    },

    async socketConnected(socket: IoSocket): Promise<void> {
      const user = socket.data.user;
      names.set(user.id, { name: user.displayName, at: Date.now() });
      const set = sockets.get(user.id) ?? new Set();
      set.add(socket);
      sockets.set(user.id, set);
      clearTimeout(releaseTimers.get(user.id));
      releaseTimers.delete(user.id);
      await store.connected(user.id, [socket.id]).catch(quietly('connect'));
    },

    async socketDisconnected(socket: IoSocket): Promise<void> {
      const user = socket.data.user;
      const set = sockets.get(user.id);
      set?.delete(socket);
      if (set && set.size === 0) sockets.delete(user.id);
      const watching = [...socket.data.watching];
      socket.data.watching.clear();
      await Promise.all(
        watching.map(async ([draftId, unitId]) => {
          const r = await store.leave(draftId, socket.id, user.id);
          if (r.changed) await announce(r.presence, unitId);
        }),
      ).catch(quietly('leave on disconnect'));
      await store.disconnected(user.id, socket.id).catch(quietly('disconnect'));
      if (!sockets.has(user.id)) releaseLater(user.id);
    },

    /** The socket's user may read the draft (checked by the caller); records them as a viewer. */
    async join(socket: IoSocket, draft: { id: string; unitId: string }): Promise<DraftPresence> {
      socket.data.watching.set(draft.id, draft.unitId);
      const r = await store.join(draft.id, draft.unitId, socket.id, socket.data.user.id);
      return r.changed ? announce(r.presence, draft.unitId) : present(r.presence);
    },

    async leave(socket: IoSocket, draftId: string): Promise<void> {
      const unitId = socket.data.watching.get(draftId);
      if (unitId === undefined) return;
      socket.data.watching.delete(draftId);
      const r = await store.leave(draftId, socket.id, socket.data.user.id);
      if (r.changed) await announce(r.presence, unitId);
    },

    /** A committed change may leave a claim pointless (its stage is over): drop it and say so. */
    draftChanged(change: DraftChange): void {
      void store
        .dropStale(change.id, change.unitId, change.status, change.stage, change.version)
        .then(async (r) => {
          if (r.changed) await announce(r.presence, change.unitId);
        })
        .catch(quietly('drop stale claim'));
    },
  };

  const announceIfChanged = async (r: StoreResult, unitId: string | null) => (r.changed ? announce(r.presence, unitId) : present(r.presence));

  const claims: ClaimsPort = {
    async claim(draft, userId) {
      const r = await store.claim(draft.id, draft.unitId, userId, draft.stage, draft.version);
      return { held: r.status === 'held', claimed: r.status === 'claimed', presence: await announceIfChanged(r, draft.unitId) };
    },
    async unclaim(draft, userId) {
      const r = await store.unclaim(draft.id, userId);
      return { released: r.status === 'released', presence: await announceIfChanged(r, draft.unitId) };
    },
    async dropStale(draft) {
      return announceIfChanged(await store.dropStale(draft.id, draft.unitId, draft.status, draft.stage, draft.version), draft.unitId);
    },
    async snapshots(draftIds) {
      return Promise.all(draftIds.map(async (id) => announceIfChanged(await store.read(id), null)));
    },
    async activeDraftIds() {
      return [...(await store.activeDrafts()).keys()];
    },
  };

  return { ...hub, claims };
}
