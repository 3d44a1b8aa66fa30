import { useEffect, useRef, useSyncExternalStore } from 'react';
import { io, type Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, DraftChangedEvent, DraftPresence, ServerToClientEvents } from '../shared/socket-contract';

type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type LiveState = 'connecting' | 'live' | 'offline';

/**
 * One socket per signed-in tab. Pushes are hints: listeners refetch over HTTP when a push says something they
 * show is newer, and on every (re)connect they refetch everything they show, because socket.io may drop
 * events while a connection is down.
 */
class Live {
  private socket: LiveSocket | null = null;
  private state: LiveState = 'offline';
  private stateListeners = new Set<() => void>();
  private changeListeners = new Set<(e: DraftChangedEvent) => void>();
  private connectListeners = new Set<() => void>();
  private presenceListeners = new Set<(p: DraftPresence) => void>();
  private inboxListeners = new Set<() => void>();
  /** Review pages open in this tab (draft id → how many components watch it). */
  private watched = new Map<string, number>();
  onSessionEnded: () => void = () => undefined;

  start(): void {
    if (this.socket) return;
    const socket: LiveSocket = io({ path: '/socket.io', withCredentials: true, reconnectionDelay: 300, reconnectionDelayMax: 2_000, transports: ['websocket', 'polling'] });
    this.socket = socket;
    this.setState('connecting');
    socket.on('connect', () => {
      this.setState('live');
      // Presence lives with the socket on the server: a new connection announces again what this tab has open.
      for (const draftId of this.watched.keys()) this.join(draftId);
      for (const l of this.connectListeners) l();
    });
    socket.on('disconnect', (reason) => {
      this.setState('offline');
      // A server-side disconnect (logout elsewhere, session ended) is final; anything else reconnects by itself.
      if (reason === 'io server disconnect') this.retryLater();
    });
    socket.on('connect_error', () => {
      this.setState('offline');
      // A refusal by the server's middleware stops socket.io's own retries; keep trying (the session may be back).
      if (!socket.active) this.retryLater();
    });
    socket.on('draft.changed', (event) => {
      for (const l of this.changeListeners) l(event);
    });
    socket.on('presence.changed', (event) => this.notifyPresence(event));
    socket.on('notifications.changed', () => {
      for (const l of this.inboxListeners) l();
    });
    socket.on('session.ended', () => this.onSessionEnded());
  }

  private notifyPresence(p: DraftPresence): void {
    for (const l of this.presenceListeners) l(p);
  }

  private join(draftId: string): void {
    const socket = this.socket;
    if (!socket?.connected) return;
    // The acknowledgement carries the current claims and viewers; an error (e.g. no access) just shows none.
    socket
      .timeout(5_000)
      .emitWithAck('presence.join', { draftId })
      .then((reply: Ack<DraftPresence>) => {
        if (reply.ok) this.notifyPresence(reply.data);
      })
      .catch(() => undefined);
  }

  /** "This tab has the draft's review page open" for as long as the returned function is not called. */
  watch(draftId: string): () => void {
    this.watched.set(draftId, (this.watched.get(draftId) ?? 0) + 1);
    if (this.watched.get(draftId) === 1) this.join(draftId);
    return () => {
      const left = (this.watched.get(draftId) ?? 1) - 1;
      if (left > 0) {
        this.watched.set(draftId, left);
        return;
      }
      this.watched.delete(draftId);
      if (this.socket?.connected)
        this.socket
          .timeout(5_000)
          .emitWithAck('presence.leave', { draftId })
          .catch(() => undefined);
    };
  }

  onPresence(l: (p: DraftPresence) => void) {
    this.presenceListeners.add(l);
    return () => void this.presenceListeners.delete(l);
  }

  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retryLater(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.socket?.connect(), 2_000);
  }

  stop(): void {
    clearTimeout(this.retryTimer);
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    this.socket = null;
    this.setState('offline');
  }

  private setState(state: LiveState): void {
    if (state === this.state) return;
    this.state = state;
    for (const l of this.stateListeners) l();
  }

  getState = (): LiveState => this.state;
  subscribeState = (l: () => void) => {
    this.stateListeners.add(l);
    return () => void this.stateListeners.delete(l);
  };
  onChange(l: (e: DraftChangedEvent) => void) {
    this.changeListeners.add(l);
    return () => void this.changeListeners.delete(l);
  }
  /** The signed-in person's notifications changed (a hint: refetch the count). */
  onInbox(l: () => void) {
    this.inboxListeners.add(l);
    return () => void this.inboxListeners.delete(l);
  }
  onConnect(l: () => void) {
    this.connectListeners.add(l);
    return () => void this.connectListeners.delete(l);
  }
}

export const live = new Live();

export function useLiveState(): LiveState {
  return useSyncExternalStore(live.subscribeState, live.getState);
}

/**
 * Calls `refetch` on every (re)connect and whenever a push names a draft for which `isNewer` says the shown
 * copy is older. Several pushes in a burst collapse into one refetch.
 */
export function useLiveRefetch(refetch: () => void, isNewer: (e: DraftChangedEvent) => boolean): void {
  const latest = useRef({ refetch, isNewer });
  latest.current = { refetch, isNewer };
  useEffect(() => {
    let queued = false;
    const schedule = () => {
      if (queued) return;
      queued = true;
      queueMicrotask(() => {
        queued = false;
        latest.current.refetch();
      });
    };
    const offChange = live.onChange((e) => {
      if (latest.current.isNewer(e)) schedule();
    });
    const offConnect = live.onConnect(schedule);
    return () => {
      offChange();
      offConnect();
    };
  }, []);
}
