import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { z } from 'zod';
import { readEnv, type Env } from '../config/env';
import { DELIVERY_TIMEOUT_MS } from '../config/notifications';
import { QUEUES } from '../config/queues';
import { createRedis } from '../src/queue/connections';
import type { DeliveryJobData } from '../src/queue/notify.queue';
import { createRuntime, type Runtime } from '../src/runtime';
import { createSenders, type Senders } from '../src/services/notify/channels';
import { deliverNotification, type DeliveryOutcome } from '../src/services/notify/deliver-notification';
import { sweepNotifications } from '../src/services/notify/sweep-notifications';

const JobSchema = z.strictObject({ deliveryId: z.uuid() });

export interface NotifyWorkerOptions {
  prefix: string;
  concurrency: number;
  maxAttempts: number;
  backoffMs: number;
  sweepIntervalMs: number;
  leaseMs: number;
  tz: string;
  senders: Senders;
  now?: () => Date;
}

export interface RunningNotifyWorker {
  worker: Worker<DeliveryJobData, DeliveryOutcome>;
  sweepNow(): Promise<void>;
  close(): Promise<void>;
}

/** Sender settings from the environment (SMTP_URL, MAIL_FROM, PUBLIC_URL, NOTIFY_ALLOW_HOSTS). */
export function sendersFromEnv(env: Env): Senders {
  return createSenders({
    smtpUrl: env.SMTP_URL,
    mailFrom: env.MAIL_FROM,
    publicUrl: env.PUBLIC_URL ?? 'http://localhost:3000',
    allowHosts: env.NOTIFY_ALLOW_HOSTS.split(',')
      .map((h) => h.trim())
      .filter(Boolean),
    timeoutMs: DELIVERY_TIMEOUT_MS,
  });
}

/**
 * Thin: validate the job (a delivery id), make one attempt, return. Retries are scheduled by the service as new
 * delayed jobs (PostgreSQL counts the attempts); the sweeper re-drives whatever Redis lost.
 */
export function startNotifyWorker(runtime: Runtime, redisUrl: string, options: NotifyWorkerOptions): RunningNotifyWorker {
  const { deps, logger } = runtime;
  const connection = createRedis(redisUrl, 'worker');
  const delivery = {
    senders: options.senders,
    maxAttempts: options.maxAttempts,
    backoffMs: options.backoffMs,
    tz: options.tz,
    schedule: (id: string, attempts: number, delayMs: number) => runtime.notifyQueue.add(id, attempts, delayMs),
    ...(options.now ? { now: options.now } : {}),
  };
  const worker = new Worker<DeliveryJobData, DeliveryOutcome>(
    QUEUES.notifications,
    async (job: Job<DeliveryJobData>) => {
      const parsed = JobSchema.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError('malformed delivery job');
      return deliverNotification(deps.db, delivery, parsed.data.deliveryId);
    },
    { connection, prefix: options.prefix, concurrency: options.concurrency, maxStalledCount: 1, lockDuration: 30_000 },
  );
  worker.on('error', (error) => logger.warn({ err: error }, 'notify worker error'));
  worker.on('completed', (job, outcome) => {
    if (outcome === 'failed') logger.warn({ jobId: job.id }, 'notification delivery failed for good');
  });

  let sweeping: Promise<void> | null = null;
  const sweepNow = () =>
    (sweeping ??= sweepNotifications(deps, {
      redrive: (id, attempts) => runtime.notifyQueue.redrive(id, attempts),
      leaseMs: options.leaseMs,
      idleMs: Math.min(options.sweepIntervalMs, 5_000),
      tz: options.tz,
      ...(options.now ? { now: options.now } : {}),
    })
      .then((report) => {
        if (report.released + report.redriven + report.reminders + report.digests > 0) logger.info(report, 'notification sweep');
      })
      .catch((error: unknown) => logger.warn({ err: error }, 'notification sweep failed'))
      .finally(() => {
        sweeping = null;
      }));
  const timer = setInterval(() => void sweepNow(), options.sweepIntervalMs);
  void sweepNow();
  return {
    worker,
    sweepNow,
    async close() {
      clearInterval(timer);
      await worker.close();
      await sweeping;
      options.senders.close();
      connection.disconnect();
    },
  };
}

async function main(): Promise<void> {
  const env = readEnv();
  if (!env.DATABASE_URL || !env.REDIS_URL) throw new Error('DATABASE_URL and REDIS_URL must be set for the notification worker (npm start sets them)');
  const runtime = createRuntime({ databaseUrl: env.DATABASE_URL, redisUrl: env.REDIS_URL, env, role: 'worker' });
  const running = startNotifyWorker(runtime, env.REDIS_URL, {
    prefix: env.QUEUE_PREFIX,
    concurrency: 8,
    maxAttempts: env.NOTIFY_MAX_ATTEMPTS,
    backoffMs: env.NOTIFY_BACKOFF_MS,
    sweepIntervalMs: env.NOTIFY_SWEEP_MS,
    leaseMs: env.NOTIFY_LEASE_MS,
    tz: env.TZ_REVIEW,
    senders: sendersFromEnv(env),
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    runtime.logger.info({ signal }, 'notify worker stopping');
    await running.close();
    await runtime.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  await running.worker.waitUntilReady();
  runtime.logger.info({ smtp: Boolean(env.SMTP_URL) }, 'notify worker ready');
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
