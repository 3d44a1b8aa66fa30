import type { Server, Socket } from 'socket.io';
import type { AuthUser } from '../domain/access';
import type { ClientToServerEvents, ServerToClientEvents } from '../shared/socket-contract';

/** Between API processes, through the adapter (Redis pub/sub). */
export interface InterServerEvents {
  /** Sessions of this user may have ended: every process re-checks the ones its sockets use. */
  'sessions.revalidate': (userId: string) => void;
}

export interface SocketData {
  user: AuthUser;
  /** The hashed session id the socket authenticated with: logout of one session ends that session's sockets. */
  sessionId: string;
  /** Drafts whose review page this socket has open (draft id → unit id). */
  watching: Map<string, string>;
  /** Client messages left in the current rate window. */
  budget: { left: number; resetAt: number };
}

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
