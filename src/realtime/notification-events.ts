import type IORedis from 'ioredis';
import { randomUUID } from 'node:crypto';

export const NOTIFICATIONS_CHANNEL = 'sanshen:notifications.changed';
const SUBSCRIBE_WAIT_MS = 2_000;

/**
 * "Your inbox changed" for people's bells, fanned out to every API process (workers write notifications too).
 * A hint: the bell refetches its count over HTTP, and on every reconnect.
 */
export function createNotificationEvents(publisher: IORedis | null): {
  publish(userIds: readonly string[]): void;
  attach(local: (userIds: string[]) => void, subscriber: IORedis | null): Promise<void>;
} {
  const origin = randomUUID();
  let local: ((userIds: string[]) => void) | undefined;
  return {
    publish(userIds) {
      if (userIds.length === 0) return;
      local?.([...userIds]);
      if (publisher && publisher.status === 'ready') publisher.publish(NOTIFICATIONS_CHANNEL, JSON.stringify({ origin, userIds })).catch(() => undefined);
    },
    async attach(broadcast, subscriber) {
      local = broadcast;
      if (!subscriber) return;
      subscriber.on('message', (channel: string, message: string) => {
        if (channel !== NOTIFICATIONS_CHANNEL) return;
        try {
          const parsed = JSON.parse(message) as { origin: string; userIds: unknown };
          if (parsed.origin !== origin && Array.isArray(parsed.userIds)) broadcast(parsed.userIds.filter((u): u is string => typeof u === 'string'));
        } catch {
          // Not ours; ignore.
        }
      });
      const subscribed = subscriber.subscribe(NOTIFICATIONS_CHANNEL).catch(() => undefined);
      await Promise.race([subscribed, new Promise((done) => setTimeout(done, SUBSCRIBE_WAIT_MS).unref())]);
    },
  };
}
