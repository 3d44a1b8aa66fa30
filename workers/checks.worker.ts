import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { readEnv } from '../config/env';
import { QUEUES } from '../config/queues';
import { preloadSegmenter } from '../src/checks/segmenter';
import { createRedis } from '../src/queue/connections';
import { subscribeDictionaryChanges } from '../src/queue/dictionary-events';
import type { CheckJobData } from '../src/queue/check.queue';
import { createRuntime, type Runtime } from '../src/runtime';
import { writeCheckpoint, type CheckpointStore } from '../src/services/audit-trail.service';
import { createDictionaryReloader, EngineHolder, loadEngineFromDatabase, type DictionaryReloader } from '../src/services/dictionary-reload.service';
import { createRescanRunner, type RescanOptions, type RescanRunner } from '../src/services/rescan-dictionary.service';
import { CheckAttemptError, failCheckRun, runCheck, type CheckRunner, type RunCheckOutcome } from '../src/services/run-check.service';
import { sweepOwedChecks } from '../src/services/sweep-owed-checks.service';

/** Backstop for a missed pub/sub announcement: the change log is checked this often. */
const DICTIONARY_POLL_MS = 15_000;

const JobSchema = z.strictObject({ revisionId: z.uuid(), checkId: z.string().regex(/^[a-z_]+$/) });

export interface CheckWorkerOptions {
  prefix: string;
  concurrency: number;
  sweepIntervalMs: number;
  /** Owed runs idle this long with no live job are re-driven. */
  sweepIdleMs: number;
  checkpoints?: { store: CheckpointStore; intervalMs: number } | undefined;
  /**
   * Hot reload: when `runner` is an EngineHolder, the worker subscribes to dictionary announcements and polls
   * the change log every `pollMs`, rebuilding and swapping the engine without a restart.
   */
  dictionaries?: { pollMs: number; dir?: string | undefined } | undefined;
  /** 回溯检查 on worker threads, kicked by the same announcements. */
  rescans?: (RescanOptions & { pollMs: number }) | undefined;
}

export interface RunningWorker {
  worker: Worker<CheckJobData, RunCheckOutcome>;
  sweepNow(): Promise<void>;
  /** Resolves when the queue worker and the dictionary subscription are live. */
  ready(): Promise<void>;
  reloader: DictionaryReloader | null;
  rescans: RescanRunner | null;
  close(): Promise<void>;
}

/**
 * Thin: validate the job (ids only), call the service, return. A run already done returns "skipped"; after the
 * last attempt the run is recorded as failed so the draft shows checks_failed instead of hanging.
 */
export function startCheckWorker(runtime: Runtime, runner: CheckRunner, redisUrl: string, options: CheckWorkerOptions): RunningWorker {
  const { deps, logger } = runtime;
  const connection = createRedis(redisUrl, 'worker');
  const worker = new Worker<CheckJobData, RunCheckOutcome>(
    QUEUES.checks,
    async (job: Job<CheckJobData>) => {
      const parsed = JobSchema.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError('malformed check job');
      try {
        return await runCheck(deps, runner, parsed.data);
      } catch (error) {
        if (error instanceof CheckAttemptError && error.attempts >= deps.checkMaxAttempts) {
          await failCheckRun(deps, parsed.data, error.message);
          throw new UnrecoverableError(`check ${parsed.data.checkId} failed permanently`);
        }
        // Transient (database blip) or attempts left: BullMQ retries with backoff; the sweeper backs it up.
        throw error instanceof Error ? error : new Error(String(error));
      }
    },
    { connection, prefix: options.prefix, concurrency: options.concurrency, maxStalledCount: 1, lockDuration: 30_000 },
  );
  worker.on('error', (error) => logger.warn({ err: error }, 'worker error'));
  worker.on('failed', (job, error) => logger.warn({ jobId: job?.id, err: { message: error.message } }, 'check job failed'));

  let sweeping: Promise<void> | null = null;
  const sweepNow = () =>
    (sweeping ??= sweepOwedChecks(deps, runtime.queue, { idleMs: options.sweepIdleMs })
      .then((report) => {
        if (report.redriven + report.failed > 0) logger.info(report, 'sweeper re-drove owed checks');
      })
      .catch((error: unknown) => logger.warn({ err: error }, 'sweep failed'))
      .finally(() => {
        sweeping = null;
      }));
  const sweepTimer = setInterval(() => void sweepNow(), options.sweepIntervalMs);
  const checkpointTimer = options.checkpoints
    ? setInterval(() => {
        writeCheckpoint(deps.db, options.checkpoints!.store).catch((error: unknown) => logger.warn({ err: error }, 'checkpoint failed'));
      }, options.checkpoints.intervalMs)
    : undefined;

  const reloader = options.dictionaries && runner instanceof EngineHolder ? createDictionaryReloader(runner, deps, options.dictionaries) : null;
  const rescans = options.rescans ? createRescanRunner(deps, options.rescans) : null;
  // An announcement is a hint: reload (it re-reads PostgreSQL, the source of truth), then look for rescans.
  const onAnnounced = () => {
    void (async () => {
      await reloader?.reloadNow();
      await rescans?.kick();
    })();
  };
  const subscribed: Promise<(() => Promise<void>) | null> =
    reloader || rescans
      ? subscribeDictionaryChanges(createRedis(redisUrl, 'subscriber'), options.prefix, onAnnounced).catch((error: unknown) => {
          logger.warn({ err: error }, 'dictionary announcements unavailable; relying on the poll');
          return null;
        })
      : Promise.resolve(null);
  // Changes made while this worker was down, and rescans left unfinished, are picked up at start.
  onAnnounced();

  return {
    worker,
    sweepNow,
    reloader,
    rescans,
    async ready() {
      await worker.waitUntilReady();
      await subscribed;
    },
    async close() {
      clearInterval(sweepTimer);
      if (checkpointTimer) clearInterval(checkpointTimer);
      reloader?.close();
      await (await subscribed)?.();
      await rescans?.close();
      await worker.close();
      await sweeping;
      connection.disconnect();
    },
  };
}

async function main(): Promise<void> {
  const env = readEnv();
  if (!env.DATABASE_URL || !env.REDIS_URL) throw new Error('DATABASE_URL and REDIS_URL must be set for the worker (npm start sets them)');
  const runtime = createRuntime({ databaseUrl: env.DATABASE_URL, redisUrl: env.REDIS_URL, env, role: 'worker' });
  // The segmenter is loaded up front so the first draft does not pay for it.
  preloadSegmenter();
  // Shipped files + the admin overlay in PostgreSQL; later changes arrive through the reloader.
  const { engine, effective } = await loadEngineFromDatabase(runtime.deps.db);
  const holder = new EngineHolder(engine, effective.changeId);
  const missing = runtime.deps.checkIds.filter((id) => !engine.checkIds.includes(id));
  if (missing.length > 0) throw new Error(`check engine lacks registered checks: ${missing.join(', ')}`);
  const checkpointKey = env.AUDIT_HMAC_KEY;
  const running = startCheckWorker(runtime, holder, env.REDIS_URL, {
    prefix: env.QUEUE_PREFIX,
    concurrency: env.WORKER_CONCURRENCY,
    sweepIntervalMs: env.SWEEP_INTERVAL_MS,
    sweepIdleMs: Math.max(env.SWEEP_INTERVAL_MS, 5_000),
    checkpoints:
      checkpointKey && env.AUDIT_CHECKPOINT_DIR
        ? { store: { dir: env.AUDIT_CHECKPOINT_DIR, key: checkpointKey }, intervalMs: env.AUDIT_CHECKPOINT_SECONDS * 1_000 }
        : undefined,
    dictionaries: { pollMs: DICTIONARY_POLL_MS },
    rescans: { databaseUrl: env.DATABASE_URL, threads: availableParallelism(), pollMs: DICTIONARY_POLL_MS },
  });
  runtime.logger.info({ checks: runtime.deps.checkIds, version: engine.version }, 'check worker ready');
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    runtime.logger.info({ signal }, 'check worker stopping');
    await running.close();
    await runtime.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
