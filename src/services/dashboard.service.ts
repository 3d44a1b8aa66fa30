import type { Queue } from 'bullmq';
import { dashboardAggregates } from '../db/dashboard.repository';
import type { Db } from '../db/pool';

/** The 数据看板: database aggregates plus the BullMQ queue counts (a queue that does not answer counts as null). */
export async function dashboardData(db: Db, queues: readonly Queue[], timeZone?: string) {
  const [aggregates, queueCounts] = await Promise.all([
    dashboardAggregates(db, timeZone),
    Promise.all(queues.map(async (q) => ({ name: q.name, counts: await q.getJobCounts('waiting', 'active', 'failed', 'delayed').catch(() => null) }))),
  ]);
  return { ...aggregates, queues: queueCounts };
}
