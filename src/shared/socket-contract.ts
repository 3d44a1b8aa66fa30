/** Typed socket.io contract shared by the server and the board. Pushes are hints; HTTP is the truth. */
export interface DraftChangedEvent {
  id: string;
  status: string;
  stage: string | null;
  version: number;
  eventId: number;
}

export interface ServerToClientEvents {
  'draft.changed': (event: DraftChangedEvent) => void;
  'session.ended': () => void;
}

export type ClientToServerEvents = Record<string, never>;
