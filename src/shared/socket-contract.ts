import { z } from 'zod';

/**
 * Typed socket.io contract shared by the server and the board. Pushes are hints; HTTP is the truth. The board
 * imports only the types from here (so zod stays out of the browser bundle); the server validates every client
 * message with the schemas below and answers through the acknowledgement, never by throwing.
 */
/**
 * The one fact about a committed change of a draft: what a state change publishes after COMMIT (through Redis
 * pub/sub to every API process) and what boards get as `draft.changed`. Clients refetch over HTTP when their
 * version is older. `unitId` chooses the rooms that may see the change and is not sent to browsers.
 */
export interface DraftChange {
  id: string;
  unitId: string;
  status: string;
  stage: string | null;
  version: number;
  eventId: number;
}

/** What `draft.changed` carries to a browser: the change without the unit it was routed by. */
export type DraftChangedEvent = Omit<DraftChange, 'unitId'>;

/** The `draft.changed` payload of a change (listed field by field, so nothing server-side leaks into a push). */
export const draftChangedEvent = (c: DraftChange): DraftChangedEvent => ({ id: c.id, status: c.status, stage: c.stage, version: c.version, eventId: c.eventId });

/** Someone shown on a card or on the review page. Names are resolved from PostgreSQL, never kept in Redis. */
export interface PresencePerson {
  id: string;
  name: string;
}

/** A soft lock (认领): a hint that `by` is reviewing the draft at `stage`; it never blocks a decision. */
export interface DraftClaim {
  by: PresencePerson;
  stage: string;
  /** ISO time the claim was taken. */
  since: string;
}

/**
 * Who claims and who is viewing one draft now. `seq` grows with every change of either (one counter per draft,
 * bumped in the same Redis script as the change), so a client keeps the highest `seq` it has seen and ignores
 * older pushes that arrive late.
 */
export interface DraftPresence {
  draftId: string;
  seq: number;
  claim: DraftClaim | null;
  /** Distinct people with the review page open, at most MAX_VIEWERS_LISTED. */
  viewers: PresencePerson[];
  /** Total distinct viewers (may exceed the list). */
  viewerCount: number;
}

export const MAX_VIEWERS_LISTED = 20;
/** Review pages one socket may have open at once (a tab shows one; a few for split views). */
export const MAX_WATCHED_PER_SOCKET = 8;

export type AckError = { code: 'validation_failed' | 'forbidden' | 'not_found' | 'rate_limited' | 'service_unavailable'; message: string };
export type Ack<T> = { ok: true; data: T } | { ok: false; error: AckError };

export const PresenceJoinSchema = z.strictObject({ draftId: z.uuid() });
export const PresenceLeaveSchema = z.strictObject({ draftId: z.uuid() });
export type PresenceJoin = z.infer<typeof PresenceJoinSchema>;
export type PresenceLeave = z.infer<typeof PresenceLeaveSchema>;

export interface ServerToClientEvents {
  'draft.changed': (event: DraftChangedEvent) => void;
  /** Claims or viewers of a draft the receiver may read changed. */
  'presence.changed': (event: DraftPresence) => void;
  /** The receiver's in-app notifications changed (issue 14): the bell refetches its unread count over HTTP. */
  'notifications.changed': () => void;
  /** This socket's session ended (logout, revocation, idle or absolute expiry); the server disconnects next. */
  'session.ended': () => void;
}

export interface ClientToServerEvents {
  /** "I have this draft's review page open": allowed only for drafts the user may read. */
  'presence.join': (input: PresenceJoin, ack: (reply: Ack<DraftPresence>) => void) => void;
  'presence.leave': (input: PresenceLeave, ack: (reply: Ack<null>) => void) => void;
}
