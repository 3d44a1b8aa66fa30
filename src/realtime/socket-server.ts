import { createAdapter } from '@socket.io/redis-streams-adapter';
import type IORedis from 'ioredis';
import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import { liveSessions } from '../db/directory.repository';
import type { Db } from '../db/pool';
import { unitScope } from '../domain/access';
import { DomainError } from '../domain/errors';
import { cookieValues, PLAIN_SESSION_COOKIE, SECURE_SESSION_COOKIE, sessionCookieName } from '../http/guards';
import { createRedis } from '../queue/connections';
import { recordDenial } from '../services/audit-trail.service';
import { authenticate, sessionIdOf } from '../services/auth.service';
import { readableDraft } from '../services/draft-queries.service';
import {
  MAX_WATCHED_PER_SOCKET,
  PresenceJoinSchema,
  PresenceLeaveSchema,
  type Ack,
  type AckError,
  type ClientToServerEvents,
  type DraftChange,
  draftChangedEvent,
  type ServerToClientEvents,
} from '../shared/socket-contract';
import type { PresenceHub } from './presence';
import { draftRooms, SCHOOL_ROOM, unitRoom, userRoom } from './rooms';
import type { IoServer, IoSocket } from './types';

export { SCHOOL_ROOM, unitRoom, userRoom } from './rooms';

/** Live sockets re-check their session this often (idle and absolute expiry, revocation, role or unit change). */
export const REVALIDATE_MS = 30_000;
/** Client messages per socket per window; beyond that the socket gets `rate_limited` acks. */
const MESSAGE_BUDGET = 30;
const BUDGET_WINDOW_MS = 10_000;

export interface SocketServerOptions {
  db: Db;
  idleMinutes: number;
  allowedOrigins: string[] | null;
  /**
   * Redis for the streams adapter: rooms, disconnects and presence pushes then span every API process. Without
   * it the socket server is process-local (tests, a single process).
   */
  redis?: { url: string; prefix: string } | undefined;
  /** Claims and viewers; without it `presence.*` messages are refused. */
  presence?: PresenceHub | undefined;
  revalidateMs?: number | undefined;
  /** Same as the HTTP app's: the session cookie is `__Host-sanshen_sid` when secure. */
  secureCookies?: boolean | undefined;
}

export interface SocketServer {
  io: IoServer;
  /** Delivers a committed draft change to this process's sockets (each process gets every change once). */
  broadcast(change: DraftChange): void;
  /** After a logout or revocation: sockets whose session is no longer live, on every process, are ended. */
  endSessions(userId: string): void;
  close(): Promise<void>;
}

function allowOrigin(allowedOrigins: string[] | null, origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true; // non-browser clients (Node) send no Origin; they still need a session
  if (allowedOrigins) return allowedOrigins.includes(origin);
  return host !== undefined && (origin === `http://${host}` || origin === `https://${host}`);
}

/**
 * socket.io bound to the HTTP session: the handshake must carry a live session and an allowed Origin, a socket
 * joins only the rooms of what its user may read, and it is ended when its session ends (logout on any process,
 * idle or absolute expiry, revocation).
 */
export function createSocketServer(http: HttpServer, options: SocketServerOptions): SocketServer {
  const io: IoServer = new Server(http, {
    path: '/socket.io',
    maxHttpBufferSize: 16 * 1024,
    serveClient: false,
    allowRequest: (req, callback) => {
      const allowed = allowOrigin(options.allowedOrigins, req.headers.origin, req.headers.host);
      callback(allowed ? null : 'origin not allowed', allowed);
    },
  });

  let adapterClient: IORedis | null = null;
  const spawned: IORedis[] = [];
  if (options.redis) {
    const { url, prefix } = options.redis;
    // Publishing fails fast, so a broadcast never waits for an absent Redis (local sockets still get it). The
    // adapter duplicates this client for its blocking XREAD loop and its subscriber: those must wait for Redis
    // instead (with a fail-fast client the read loop retries in a promise chain that starves the event loop).
    adapterClient = createRedis(url, 'producer');
    adapterClient.duplicate = () => {
      const patient = createRedis(url, 'subscriber');
      spawned.push(patient);
      return patient;
    };
    io.adapter(createAdapter(adapterClient, { streamName: `${prefix}:socket.io`, channelPrefix: `${prefix}:socket.io`, maxLen: 10_000, onlyPlaintext: true }));
  }

  io.use(async (socket, next) => {
    try {
      const fromAuth = (socket.handshake.auth as { token?: unknown }).token;
      const cookies = socket.handshake.headers.cookie;
      // Two session cookies (one tossed by a same-site server): trust neither, as the HTTP API does.
      if (typeof fromAuth !== 'string' && cookieValues(cookies, [SECURE_SESSION_COOKIE, PLAIN_SESSION_COOKIE]).length > 1) return next(new Error('unauthenticated'));
      const token = typeof fromAuth === 'string' ? fromAuth : cookieValues(cookies, [sessionCookieName(options.secureCookies ?? false)])[0];
      const user = token && token.length <= 200 ? await authenticate(options.db, token, options.idleMinutes) : undefined;
      // A session that must change its password gets no live board either.
      if (!user || !token || user.mustChangePassword) return next(new Error('unauthenticated'));
      socket.data.user = user;
      socket.data.sessionId = sessionIdOf(token);
      socket.data.watching = new Map();
      socket.data.budget = { left: MESSAGE_BUDGET, resetAt: Date.now() + BUDGET_WINDOW_MS };
      next();
    } catch {
      next(new Error('unavailable'));
    }
  });

  const endSocket = (socket: IoSocket) => {
    socket.emit('session.ended');
    socket.disconnect(true);
  };

  /** Ends this process's sockets (of one user, or all) whose session is no longer live. */
  const revalidate = async (userId?: string) => {
    const local = [...io.sockets.sockets.values()].filter((s) => !userId || s.data.user.id === userId);
    if (local.length === 0) return;
    const live = await liveSessions(options.db, [...new Set(local.map((s) => s.data.sessionId))], options.idleMinutes);
    for (const socket of local) {
      if (!socket.connected) continue;
      const session = live.get(socket.data.sessionId);
      if (!session) endSocket(socket);
      // Rooms were chosen at the handshake: after a role or unit change the socket reconnects and gets new ones.
      else if (session.unitId !== socket.data.user.unitId || [...session.roles].sort().join() !== [...socket.data.user.roles].sort().join()) socket.disconnect(true);
    }
  };
  const revalidateQuietly = (userId?: string) => void revalidate(userId).catch(() => undefined);
  const timer = setInterval(() => revalidateQuietly(), options.revalidateMs ?? REVALIDATE_MS);
  timer.unref();
  io.on('sessions.revalidate', (userId) => {
    if (typeof userId === 'string') revalidateQuietly(userId);
  });

  const presence = options.presence;
  presence?.attach(io);

  /** A refused socket message is a permission denial like a 403: a security event (never failing the answer). */
  const auditDenial = (socket: IoSocket, event: string, input: unknown, error: DomainError) => {
    recordDenial(options.db, socket.data.user, { channel: 'socket', event, input, reason: error.message }).catch(() => undefined);
  };

  /** Validates, rate-limits and answers one client message; the handler's DomainErrors become ack errors. */
  const handle = <I, T>(socket: IoSocket, event: string, parse: (raw: unknown) => I | null, work: (input: I, hub: PresenceHub) => Promise<T>) =>
    (...args: unknown[]) => {
      const last = args[args.length - 1];
      const ack = typeof last === 'function' ? (last as (reply: Ack<T>) => void) : () => undefined;
      const fail = (error: AckError) => ack({ ok: false, error });
      const now = Date.now();
      const budget = socket.data.budget;
      if (now > budget.resetAt) Object.assign(budget, { left: MESSAGE_BUDGET, resetAt: now + BUDGET_WINDOW_MS });
      if (budget.left-- <= 0) return fail({ code: 'rate_limited', message: '操作过于频繁，请稍后再试' });
      if (!presence) return fail({ code: 'service_unavailable', message: '实时服务未启用' });
      const input = parse(args.length > 1 || typeof last !== 'function' ? args[0] : undefined);
      if (input === null) return fail({ code: 'validation_failed', message: '消息格式不正确' });
      work(input, presence).then(
        (data) => ack({ ok: true, data }),
        (error: unknown) => {
          if (error instanceof DomainError && (error.code === 'forbidden' || error.code === 'not_found' || error.code === 'validation_failed')) {
            if (error.code === 'forbidden') auditDenial(socket, event, input, error);
            fail({ code: error.code, message: error.message });
          } else fail({ code: 'service_unavailable', message: '暂时无法更新在线状态' });
        },
      );
    };

  io.on('connection', (socket) => {
    const user = socket.data.user;
    const scope = unitScope(user);
    void socket.join(userRoom(user.id));
    if (scope === null) void socket.join(SCHOOL_ROOM);
    else for (const unitId of scope) void socket.join(unitRoom(unitId));
    if (presence) {
      void presence.socketConnected(socket);
      socket.on('disconnect', () => void presence.socketDisconnected(socket));
    }

    socket.on(
      'presence.join',
      handle(
        socket,
        'presence.join',
        (raw) => PresenceJoinSchema.safeParse(raw).data ?? null,
        async ({ draftId }, hub) => {
          if (!socket.data.watching.has(draftId) && socket.data.watching.size >= MAX_WATCHED_PER_SOCKET) {
            throw new DomainError('validation_failed', `同一连接最多同时查看 ${MAX_WATCHED_PER_SOCKET} 篇稿件`);
          }
          // Authorization on every join, from PostgreSQL: presence only for drafts the user may read.
          const draft = await readableDraft(options.db, user, draftId);
          if (!socket.connected) throw new DomainError('validation_failed', '连接已断开');
          return hub.join(socket, draft);
        },
      ),
    );
    socket.on(
      'presence.leave',
      handle(
        socket,
        'presence.leave',
        (raw) => PresenceLeaveSchema.safeParse(raw).data ?? null,
        async ({ draftId }, hub) => {
          await hub.leave(socket, draftId);
          return null;
        },
      ),
    );
  });

  return {
    io,
    broadcast(change) {
      // Only this process's sockets: each API process receives every change once (directly or through Redis
      // pub/sub, which the workers publish to as well) and emits to its own sockets, so nobody gets it twice.
      io.local.to(draftRooms(change.unitId)).emit('draft.changed', draftChangedEvent(change));
      presence?.draftChanged(change);
    },
    endSessions(userId) {
      revalidateQuietly(userId);
      // The other processes check their own sockets of this user (only the sessions that ended are cut).
      if (adapterClient) io.serverSideEmit('sessions.revalidate', userId);
    },
    async close() {
      clearInterval(timer);
      presence?.close();
      await new Promise<void>((done) => {
        void io.close(() => done());
        setTimeout(done, 2_000).unref();
      });
      adapterClient?.disconnect();
      for (const client of spawned) client.disconnect();
    },
  };
}
