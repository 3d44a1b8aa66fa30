import type IORedis from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { DraftChange, DraftEventsPort } from '../services/deps';

export const DRAFT_CHANNEL = 'sanshen:draft.changed';

export interface LocalBroadcaster {
  (change: DraftChange): void;
}

/**
 * Fans committed changes out to every API process: delivered to this process's sockets directly and to the
 * others through Redis pub/sub. Boards treat pushes as hints and refetch on reconnect, so a push lost while
 * Redis is away costs freshness, never correctness.
 */
export function createDraftEvents(publisher: IORedis | null): DraftEventsPort & {
  attach(local: LocalBroadcaster, subscriber: IORedis | null): Promise<void>;
} {
  const origin = randomUUID();
  let local: LocalBroadcaster | undefined;
  return {
    publish(change) {
      local?.(change);
      if (publisher && publisher.status === 'ready') {
        publisher.publish(DRAFT_CHANNEL, JSON.stringify({ origin, change })).catch(() => undefined);
      }
    },
    async attach(broadcast, subscriber) {
      local = broadcast;
      if (!subscriber) return;
      subscriber.on('message', (channel: string, message: string) => {
        if (channel !== DRAFT_CHANNEL) return;
        try {
          const parsed = JSON.parse(message) as { origin: string; change: DraftChange };
          if (parsed.origin !== origin) broadcast(parsed.change);
        } catch {
          // Not ours; ignore.
        }
      });
      await subscriber.subscribe(DRAFT_CHANNEL).catch(() => undefined);
    },
  };
}
