import { Queue, type JobsOptions } from 'bullmq';
import type IORedis from 'ioredis';
import { checkJobId, QUEUES } from '../../config/queues';
import type { CheckJob, CheckQueuePort } from '../services/deps';

export type CheckJobData = CheckJob;

// BullMQ's own attempts only pace retries; PostgreSQL's per-run count decides when a check has failed for good.
const JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: { age: 3_600, count: 10_000 },
  removeOnFail: { age: 24 * 3_600 },
};

export interface CheckQueue extends CheckQueuePort {
  queue: Queue<CheckJobData>;
  /** Re-adds a job the sweeper found missing, failed or finished while PostgreSQL still owes the run. */
  redrive(job: CheckJob): Promise<'added' | 'present'>;
  close(): Promise<void>;
}

export function createCheckQueue(connection: IORedis, prefix: string): CheckQueue {
  const queue = new Queue<CheckJobData>(QUEUES.checks, { connection, prefix, defaultJobOptions: JOB_OPTIONS });
  queue.on('error', () => undefined);
  return {
    queue,
    async enqueue(jobs, options) {
      if (options?.replaceFinished) {
        for (const job of jobs) await this.redrive(job);
        return;
      }
      // Idempotent ids: adding a job that is already there is a no-op in BullMQ.
      await queue.addBulk(jobs.map((job) => ({ name: job.checkId, data: { revisionId: job.revisionId, checkId: job.checkId }, opts: { jobId: checkJobId(job.revisionId, job.checkId) } })));
    },
    async redrive(job) {
      const id = checkJobId(job.revisionId, job.checkId);
      const existing = await queue.getJob(id);
      if (existing) {
        const state = await existing.getState();
        if (state === 'waiting' || state === 'active' || state === 'delayed' || state === 'prioritized' || state === 'waiting-children') {
          return 'present';
        }
        await existing.remove().catch(() => undefined);
      }
      await queue.add(job.checkId, { revisionId: job.revisionId, checkId: job.checkId }, { jobId: id });
      return 'added';
    },
    close: () => queue.close(),
  };
}
