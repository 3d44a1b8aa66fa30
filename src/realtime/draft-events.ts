import type IORedis from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { DraftEventsPort } from '../services/deps';
import type { DraftChange } from '../shared/socket-contract';

export const DRAFT_CHANNEL = 'sanshen:draft.changed';
const SUBSCRIBE_WAIT_MS = 2_000;

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
      // Wait for the subscription while Redis answers, but never block start-up on it: with Redis down the API
      // still serves (pushes resume when the subscriber reconnects; boards refetch on reconnect anyway).
      const subscribed = subscriber.subscribe(DRAFT_CHANNEL).catch(() => undefined);
      await Promise.race([subscribed, new Promise((done) => setTimeout(done, SUBSCRIBE_WAIT_MS).unref())]);
    },
  };
}
