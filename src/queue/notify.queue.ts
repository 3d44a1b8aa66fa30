import { Queue } from 'bullmq';
import type IORedis from 'ioredis';
import { deliveryJobId, QUEUES } from '../../config/queues';

/** Ids only: what to send and to whom is read from PostgreSQL by the worker. */
export interface DeliveryJobData {
  deliveryId: string;
}

export interface NotifyQueue {
  queue: Queue<DeliveryJobData>;
  /**
   * Adds the job for a delivery's next attempt (`attempts` already made), after `delayMs`. Idempotent per attempt: a
   * job already there for it makes this a no-op.
   */
  add(deliveryId: string, attempts: number, delayMs?: number): Promise<void>;
  /** The sweeper's re-add: a finished job of the same id (its attempt was given back) is replaced. */
  redrive(deliveryId: string, attempts: number): Promise<'added' | 'present'>;
  close(): Promise<void>;
}

export function createNotifyQueue(connection: IORedis, prefix: string): NotifyQueue {
  // Retries are PostgreSQL's (attempt count, next time, last error); BullMQ only carries and delays the jobs.
  const queue = new Queue<DeliveryJobData>(QUEUES.notifications, {
    connection,
    prefix,
    defaultJobOptions: { attempts: 1, removeOnComplete: { age: 3_600, count: 10_000 }, removeOnFail: { age: 24 * 3_600 } },
  });
  queue.on('error', () => undefined);
  return {
    queue,
    async add(deliveryId, attempts, delayMs = 0) {
      await queue.add('deliver', { deliveryId }, { jobId: deliveryJobId(deliveryId, attempts), ...(delayMs > 0 ? { delay: delayMs } : {}) });
    },
    async redrive(deliveryId, attempts) {
      const id = deliveryJobId(deliveryId, attempts);
      const existing = await queue.getJob(id);
      if (existing) {
        const state = await existing.getState();
        if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return 'present';
        await existing.remove().catch(() => undefined);
      }
      await queue.add('deliver', { deliveryId }, { jobId: id });
      return 'added';
    },
    close: () => queue.close(),
  };
}
