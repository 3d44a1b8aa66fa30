import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { claimRescan, countReleased, finishRescan, getRescan, listRescanHits, listRescans, recordRescanBatch, startRescan, type RescanHitItem, type RescanRow } from '../db/dictionary.repository';
import { notFound } from '../domain/errors';
import type { Db } from '../db/pool';
import { DEFAULT_DICTIONARY_DIR, loadEffectiveDictionary } from './effective-dictionary.service';
import type { RescanThreadData, RescanThreadMessage } from '../threads/rescan-dictionary.thread';

/** The cursor of a finished partition: no uuid sorts after it. */
const PARTITION_DONE = 'ffffffff-ffff-ffff-ffff-ffffffffffff';

export interface RescanOptions {
  /** The database the threads read (they open their own connections). */
  databaseUrl: string;
  /** Worker threads (= partitions of a new rescan); default: one per core. */
  threads?: number | undefined;
  dir?: string | undefined;
  /** A running rescan whose heartbeat is older than this is taken over and resumed from its cursors. */
  staleMs?: number | undefined;
  pageSize?: number | undefined;
}

interface Deps {
  db: Db;
  logger: Logger;
}

/** Starts one scanning thread. Under tsx/jest the thread loads the TypeScript source through tsx's require hook. */
function spawnThread(data: RescanThreadData): Worker {
  const file = join(__dirname, '..', 'threads', `rescan-dictionary.thread${extname(__filename)}`);
  const workerData = { rescanThread: data };
  if (file.endsWith('.ts')) {
    const tsx = require.resolve('tsx/cjs');
    return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(file)});`, { eval: true, workerData });
  }
  return new Worker(file, { workerData });
}

/**
 * Runs one claimed rescan to the end: one thread per partition, each page's hits and cursor committed together
 * (so a takeover resumes exactly), progress visible as processed/total. Stops early if another worker took the
 * rescan over or `signal` aborts (the row stays running and is resumed once its heartbeat is stale).
 */
async function runClaimed(deps: Deps, rescan: RescanRow, workerId: string, options: RescanOptions, signal: AbortSignal): Promise<'done' | 'failed' | 'lost'> {
  const effective = await loadEffectiveDictionary(deps.db, options.dir ?? DEFAULT_DICTIONARY_DIR);
  let partitions = rescan.partitions;
  if (partitions === 0) {
    partitions = Math.max(1, options.threads ?? availableParallelism());
    const total = await countReleased(deps.db);
    if (!(await startRescan(deps.db, rescan.id, workerId, { total, partitions, rulesetVersion: effective.version }))) return 'lost';
  }
  const started = performance.now();
  const threads: Worker[] = [];
  let chain: Promise<void> = Promise.resolve();
  let lost = false;
  const record = (partition: number, cursor: string, processed: number, hits: Extract<RescanThreadMessage, { type: 'batch' }>['hits']) => {
    chain = chain.then(async () => {
      if (lost) return;
      const ok = await deps.db.transaction((tx) => recordRescanBatch(tx, { rescanId: rescan.id, workerId, partition, cursor, processed, hits }));
      if (!ok) lost = true;
    });
    return chain;
  };
  const stop = () => threads.forEach((t) => void t.terminate());
  signal.addEventListener('abort', stop, { once: true });
  try {
    await Promise.all(
      Array.from({ length: partitions }, (_, partition) => {
        const cursor = rescan.cursors[String(partition)] ?? null;
        if (cursor === PARTITION_DONE) return Promise.resolve();
        return new Promise<void>((resolve, reject) => {
          const thread = spawnThread({ databaseUrl: options.databaseUrl, sources: effective.sources, terms: rescan.terms, partition, partitions, cursor, pageSize: options.pageSize ?? 250 });
          threads.push(thread);
          thread.on('message', (m: RescanThreadMessage) => {
            if (m.type === 'batch') {
              record(partition, m.cursor, m.processed, m.hits).then(() => {
                if (lost) stop();
              }, reject);
            } else if (m.type === 'done') {
              record(partition, PARTITION_DONE, 0, []).then(() => resolve(), reject);
            } else if (m.type === 'error') {
              reject(new Error(m.message));
            }
          });
          thread.on('error', reject);
          thread.on('exit', (code) => {
            // A terminate after done/abort exits non-zero too; only an unexpected exit is an error.
            if (signal.aborted || lost) resolve();
            else if (code !== 0) reject(new Error(`rescan thread ${partition} exited with code ${code}`));
          });
        });
      }),
    );
    await chain;
    if (lost || signal.aborted) return 'lost';
    await finishRescan(deps.db, rescan.id, workerId, { status: 'done' });
    deps.logger.info({ rescanId: rescan.id, partitions, seconds: Math.round(performance.now() - started) / 1_000 }, 'rescan done');
    return 'done';
  } catch (error) {
    stop();
    await chain.catch(() => undefined);
    if (signal.aborted) return 'lost';
    deps.logger.error({ rescanId: rescan.id, err: error }, 'rescan failed');
    await finishRescan(deps.db, rescan.id, workerId, { status: 'failed', error: error instanceof Error ? error.message : String(error) });
    return 'failed';
  } finally {
    signal.removeEventListener('abort', stop);
    await Promise.all(threads.map((t) => t.terminate().catch(() => undefined)));
  }
}

export interface RescanRunner {
  /** Looks for pending (or abandoned) rescans now; resolves when none is left. */
  kick(): Promise<void>;
  close(): Promise<void>;
}

/**
 * 回溯检查 runner for a worker process: claims rescans recorded in PostgreSQL (kicked by the dictionary
 * announcement, backed by a poll) and runs them on worker threads.
 */
export function createRescanRunner(deps: Deps, options: RescanOptions & { pollMs?: number | undefined }): RescanRunner {
  const workerId = `rescan-${process.pid}-${randomUUID().slice(0, 8)}`;
  const controller = new AbortController();
  let running: Promise<void> | null = null;
  let again = false;

  const drain = async () => {
    while (!controller.signal.aborted) {
      const rescan = await claimRescan(deps.db, workerId, options.staleMs ?? 60_000);
      if (!rescan) return;
      await runClaimed(deps, rescan, workerId, options, controller.signal);
    }
  };
  const kick = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = drain()
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'rescan runner failed; will retry'))
      .finally(() => {
        running = null;
        if (again && !controller.signal.aborted) {
          again = false;
          void kick();
        }
      });
    return running;
  };
  const timer = options.pollMs ? setInterval(() => void kick(), options.pollMs) : undefined;
  timer?.unref();
  return {
    kick,
    async close() {
      if (timer) clearInterval(timer);
      controller.abort();
      await running;
    },
  };
}

/** The latest rescans, newest first (the admin's list). */
export function recentRescans(db: Db, limit = 50): Promise<RescanRow[]> {
  return listRescans(db, limit);
}

/** One rescan and a page of the released drafts it hit. @throws DomainError not_found */
export async function rescanProgress(db: Db, id: string, page: { offset: number; limit: number }): Promise<{ rescan: RescanRow; hits: RescanHitItem[] }> {
  const rescan = await getRescan(db, id);
  if (!rescan) throw notFound('回溯检查');
  return { rescan, hits: await listRescanHits(db, rescan.id, page) };
}
