import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { Db } from '../db/pool';
import { unitScope, type AuthUser } from '../domain/access';
import { SESSION_COOKIE } from '../http/routes/auth.routes';
import { cookieValue } from '../http/app';
import { authenticate } from '../services/auth.service';
import type { DraftChange } from '../services/deps';
import type { ClientToServerEvents, ServerToClientEvents } from '../shared/socket-contract';

export const SCHOOL_ROOM = 'school';
export const unitRoom = (unitId: string) => `unit:${unitId}`;
export const userRoom = (userId: string) => `user:${userId}`;

export interface SocketServer {
  io: Server<ClientToServerEvents, ServerToClientEvents>;
  broadcast(change: DraftChange): void;
  endSessions(userId: string): void;
}

/**
 * socket.io bound to the HTTP session: the handshake must carry a live session and an allowed Origin, and a
 * socket joins only the rooms of what its user may read.
 */
export function createSocketServer(http: HttpServer, options: { db: Db; idleMinutes: number; allowedOrigins: string[] | null }): SocketServer {
  const io = new Server<ClientToServerEvents, ServerToClientEvents>(http, {
    path: '/socket.io',
    maxHttpBufferSize: 16 * 1024,
    serveClient: false,
    allowRequest: (req, callback) => {
      const origin = req.headers.origin;
      const host = req.headers.host;
      const allowed =
        origin === undefined
          ? true // non-browser clients (Node) send no Origin; they still need a session
          : options.allowedOrigins
            ? options.allowedOrigins.includes(origin)
            : host !== undefined && (origin === `http://${host}` || origin === `https://${host}`);
      callback(allowed ? null : 'origin not allowed', allowed);
    },
  });

  io.use(async (socket, next) => {
    try {
      const fromAuth = (socket.handshake.auth as { token?: unknown }).token;
      const token = typeof fromAuth === 'string' ? fromAuth : cookieValue(socket.handshake.headers.cookie, SESSION_COOKIE);
      const user = token ? await authenticate(options.db, token, options.idleMinutes) : undefined;
      if (!user) return next(new Error('unauthenticated'));
      socket.data.user = user;
      next();
    } catch {
      next(new Error('unavailable'));
    }
  });

  io.on('connection', (socket) => {
    const user = socket.data.user as AuthUser;
    const scope = unitScope(user);
    void socket.join(userRoom(user.id));
    if (scope === null) void socket.join(SCHOOL_ROOM);
    else for (const unitId of scope) void socket.join(unitRoom(unitId));
  });

  return {
    io,
    broadcast(change) {
      // Only this process's sockets: other processes receive the change through Redis and emit their own.
      io.local
        .to([SCHOOL_ROOM, unitRoom(change.unitId)])
        .emit('draft.changed', { id: change.id, status: change.status, stage: change.stage, version: change.version, eventId: change.eventId });
    },
    endSessions(userId) {
      io.in(userRoom(userId)).emit('session.ended');
      io.in(userRoom(userId)).disconnectSockets(true);
    },
  };
}
