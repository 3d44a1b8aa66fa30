import { MEDIA_CONFIG } from '../config/media';
import { mediaTools } from '../src/media/tools';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { availableParallelism } from 'node:os';
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { readEnv, type Env } from '../config/env';
import { QUEUES } from '../config/queues';
import { createRedis } from '../src/queue/connections';
import { subscribeDictionaryChanges } from '../src/queue/dictionary-events';
import type { CheckJobData } from '../src/queue/check.queue';
import { createRuntime, type Runtime } from '../src/runtime';
import { writeCheckpoint, type CheckpointStore } from '../src/services/audit-trail.service';
import { createDictionaryReloader, EngineHolder, type DictionaryReloader } from '../src/services/dictionary-reload.service';
import { loadEffectiveDictionary } from '../src/services/effective-dictionary.service';
import { createRescanRunner, type RescanOptions, type RescanRunner } from '../src/services/rescan-dictionary.service';
import { failCheckRun } from '../src/services/fail-check-run.service';
import { CheckAttemptError, createCheckService, type CheckRunner, type RunCheckOutcome } from '../src/services/run-check.service';
import { sweepOwedChecks } from '../src/services/sweep-owed-checks.service';
import { CheckPool, createPoolReloader } from '../src/threads/check-pool';

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
   * Hot reload: when `runner` is an EngineHolder or a CheckPool, the worker subscribes to dictionary
   * announcements and polls the change log every `pollMs`, rebuilding the engines without a restart.
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
  // On the pool, checks run on threads and this event loop stays free to renew locks, so a short lock lets the
  // jobs of a crashed worker be taken over in ~15–30 s instead of ~60 s. An in-process runner blocks the loop
  // (nodejieba's first load alone takes seconds), so it keeps the longer lock.
  const lockMs = runner instanceof CheckPool ? 15_000 : 30_000;
  const connection = createRedis(redisUrl, 'worker');
  const checks = createCheckService(deps, runner);
  const worker = new Worker<CheckJobData, RunCheckOutcome>(
    QUEUES.checks,
    async (job: Job<CheckJobData>) => {
      const parsed = JobSchema.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError('malformed check job');
      try {
        return await checks.run(parsed.data);
      } catch (error) {
        // If an admin's retry reset the run while this attempt was failing, the failure is stale: the queue tries
        // again instead of dropping the job, which would leave the reset run waiting for the sweeper.
        if (error instanceof CheckAttemptError && error.attempts >= deps.checkMaxAttempts && (await failCheckRun(deps, parsed.data, error.message))) {
          throw new UnrecoverableError(`check ${parsed.data.checkId} failed permanently`);
        }
        // Transient (database blip) or attempts left: BullMQ retries with backoff; the sweeper backs it up.
        throw error instanceof Error ? error : new Error(String(error));
      }
    },
    { connection, prefix: options.prefix, concurrency: options.concurrency, maxStalledCount: 1, lockDuration: lockMs, stalledInterval: lockMs },
  );
  worker.on('error', (error) => logger.warn({ err: error }, 'worker error'));
  worker.on('failed', (job, error) => logger.warn({ jobId: job?.id, err: { message: error.message } }, 'check job failed'));

  let sweeping: Promise<void> | null = null;
  let checkpointing: Promise<void> | null = null;
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
        checkpointing ??= writeCheckpoint(deps.db, options.checkpoints!.store)
          .then((written) => {
            if (written) logger.info({ kind: written.kind, no: written.no, heads: written.heads, bytes: written.bytes, pruned: written.pruned }, 'audit checkpoint written');
          })
          .catch((error: unknown) => logger.warn({ err: error }, 'checkpoint failed'))
          .finally(() => {
            checkpointing = null;
          });
      }, options.checkpoints.intervalMs)
    : undefined;

  const reloader = !options.dictionaries
    ? null
    : runner instanceof EngineHolder
      ? createDictionaryReloader(runner, deps, options.dictionaries)
      : runner instanceof CheckPool
        ? createPoolReloader(runner, deps, options.dictionaries)
        : null;
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
    /**
     * Graceful stop: no new jobs are taken, jobs in flight finish and record their results (so none is left
     * active to stall), then background work settles and the queue connection closes. The runner (a pool) and
     * the runtime (queues, Redis, database) belong to the caller and close after this.
     */
    async close() {
      clearInterval(sweepTimer);
      if (checkpointTimer) clearInterval(checkpointTimer);
      reloader?.close();
      await worker.close();
      await (
        await subscribed
      )?.();
      await rescans?.close();
      await Promise.all([sweeping, checkpointing]);
      connection.disconnect();
    },
  };
}

/** Check threads per process: one per core, never more than the jobs that can be in flight. */
export function checkThreads(env: Pick<Env, 'CHECK_THREADS' | 'WORKER_CONCURRENCY'>): number {
  return env.CHECK_THREADS ?? Math.max(1, Math.min(env.WORKER_CONCURRENCY, availableParallelism()));
}

/**
 * The test-only fault-injection module, refused outside NODE_ENV=test so it can never be switched on in
 * production by a stray variable.
 * @throws Error when set without NODE_ENV=test, or not an absolute path
 */
export function testCheckWrapper(env: Pick<Env, 'NODE_ENV' | 'SANSHEN_TEST_CHECK_WRAPPER'>): string | undefined {
  const module = env.SANSHEN_TEST_CHECK_WRAPPER;
  if (!module) return undefined;
  if (env.NODE_ENV !== 'test') throw new Error('SANSHEN_TEST_CHECK_WRAPPER is a test switch and is refused unless NODE_ENV=test');
  if (!isAbsolute(module)) throw new Error('SANSHEN_TEST_CHECK_WRAPPER must be an absolute path');
  return module;
}

async function main(): Promise<void> {
  const env = readEnv();
  if (!env.DATABASE_URL || !env.REDIS_URL) throw new Error('DATABASE_URL and REDIS_URL must be set for the worker (npm start sets them)');
  const wrapperModule = testCheckWrapper(env);
  const databaseUrl = env.DATABASE_URL;
  const redisUrl = env.REDIS_URL;
  const runtime = createRuntime({ databaseUrl, redisUrl, env, role: 'worker' });
  let pool: CheckPool | null = null;
  let running: ReturnType<typeof startCheckWorker> | null = null;
  let stopping = false;
  // Order: stop taking jobs and finish those in flight → stop the check threads → close queues, Redis, pool.
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    runtime.logger.info({ signal }, 'check worker stopping');
    await running?.close();
    await pool?.close();
    await runtime.close();
    runtime.logger.info({ signal }, 'check worker stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  // Shipped files + the admin overlay in PostgreSQL; the threads build their engines (and one segmenter thread
  // loads nodejieba) off the job path; later changes arrive through the reloader.
  const effective = await loadEffectiveDictionary(runtime.deps.db);
  pool = await CheckPool.start({ threads: checkThreads(env), timeoutMs: env.CHECK_TIMEOUT_MS, dictionary: effective, logger: runtime.logger, wrapperModule });
  if (stopping) return;
  if (wrapperModule) runtime.logger.warn({ wrapperModule }, 'TEST fault injection is active in the check threads');
  const missing = runtime.deps.checkIds.filter((id) => !pool!.checkIds.includes(id));
  if (missing.length > 0) throw new Error(`check engine lacks registered checks: ${missing.join(', ')}`);
  const checkpointKey = env.AUDIT_HMAC_KEY;
  running = startCheckWorker(runtime, pool, redisUrl, {
    prefix: env.QUEUE_PREFIX,
    concurrency: env.WORKER_CONCURRENCY,
    sweepIntervalMs: env.SWEEP_INTERVAL_MS,
    sweepIdleMs: Math.max(env.SWEEP_INTERVAL_MS, 5_000),
    checkpoints:
      checkpointKey && env.AUDIT_CHECKPOINT_DIR
        ? { store: { dir: env.AUDIT_CHECKPOINT_DIR, key: checkpointKey, snapshotEveryMs: env.AUDIT_SNAPSHOT_HOURS * 3_600_000 }, intervalMs: env.AUDIT_CHECKPOINT_SECONDS * 1_000 }
        : undefined,
    dictionaries: { pollMs: DICTIONARY_POLL_MS },
    rescans: { databaseUrl, threads: availableParallelism(), pollMs: DICTIONARY_POLL_MS },
  });
  await running.worker.waitUntilReady();
  runtime.logger.info({ checks: runtime.deps.checkIds, version: pool.version, threads: pool.stats().threads, timeoutMs: env.CHECK_TIMEOUT_MS }, 'check worker ready');
  // Pictures are still checked without these tools, but every one then carries a finding saying what was not read.
  const tools = await mediaTools(MEDIA_CONFIG.ocrLanguages);
  if (tools.missing.length > 0) runtime.logger.warn({ missing: tools.missing }, 'media tools missing: text in pictures and video frames will be flagged for manual review');
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
