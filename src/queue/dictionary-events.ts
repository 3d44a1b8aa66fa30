import type IORedis from 'ioredis';
import type { DictionaryChange, DictionaryEventsPort } from '../services/deps';

/** One channel per queue prefix, so test runs and deployments sharing a Redis do not reload each other. */
export const dictionaryChannel = (prefix: string) => `${prefix}:dictionaries.changed`;

/**
 * Publishes committed dictionary changes. Pub/sub is at-most-once, so this is a hint that makes reloads fast;
 * workers also poll the change log in PostgreSQL and converge without it.
 */
export function createDictionaryEvents(publisher: IORedis, prefix: string): DictionaryEventsPort {
  return {
    async publish(change) {
      await publisher.publish(dictionaryChannel(prefix), JSON.stringify(change));
    },
  };
}

/** Subscribes a dedicated connection; returns an unsubscribe that also closes it. */
export async function subscribeDictionaryChanges(subscriber: IORedis, prefix: string, onChange: (change: DictionaryChange | null) => void): Promise<() => Promise<void>> {
  const channel = dictionaryChannel(prefix);
  subscriber.on('message', (from: string, message: string) => {
    if (from !== channel) return;
    try {
      const parsed = JSON.parse(message) as Partial<DictionaryChange>;
      onChange(typeof parsed.changeId === 'number' && typeof parsed.version === 'string' ? (parsed as DictionaryChange) : null);
    } catch {
      onChange(null);
    }
  });
  // After a reconnect ioredis re-subscribes by itself; a message missed meanwhile is caught by the poll.
  await subscriber.subscribe(channel);
  return async () => {
    await subscriber.unsubscribe(channel).catch(() => undefined);
    subscriber.disconnect();
  };
}
