import { extname, join } from 'node:path';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { DictionarySources } from '../checks/dictionary/dictionary';
import type { CheckContext } from '../checks/engine';
import type { Db } from '../db/pool';
import type { RevisionContent } from '../domain/content';
import type { CheckResult } from '../domain/findings';
import { latestDictionaryChange, singleFlightReloader, type DictionaryReloader } from '../services/dictionary-reload.service';
import { DEFAULT_DICTIONARY_DIR, loadEffectiveDictionary, type EffectiveDictionary } from '../services/effective-dictionary.service';
import type { CheckRunner } from '../services/run-check.service';
import type { CheckThreadData, CheckThreadReply, CheckThreadRequest } from './check.thread';
import { newSharedInt, ring, type SegmenterControl } from './segmenter-channel';
import type { SegmenterThreadData } from './segmenter.thread';

/** A check ran past its time limit; its thread was terminated and replaced. Counts as a failed attempt. */
export class CheckTimeoutError extends Error {
  constructor(
    readonly checkId: string,
    readonly limitMs: number,
  ) {
    super(`check ${checkId} exceeded its time limit of ${limitMs} ms`);
    this.name = 'CheckTimeoutError';
  }
}

export interface CheckPoolOptions {
  /** Check threads (each holds its own engine; nodejieba lives once, in the segmenter thread). */
  threads: number;
  /** A run that takes longer is abandoned: its thread is terminated and replaced. */
  timeoutMs: number;
  /** The dictionary in force (shipped files + admin overlay). */
  dictionary: Pick<EffectiveDictionary, 'sources' | 'version' | 'changeId'>;
  logger: Logger;
  /**
   * Test-only fault injection: absolute path of a module exporting `wrapCheckEngine(engine)`, loaded in every
   * check thread. The worker entry accepts it only with NODE_ENV=test (SANSHEN_TEST_CHECK_WRAPPER).
   */
  wrapperModule?: string | undefined;
  /** How long threads may take to start (dictionaries, segmenter). */
  startTimeoutMs?: number | undefined;
  /** Resolve `start` only once nodejieba is loaded too (benchmarks); by default runs begin as soon as the check threads are up. */
  waitForSegmenter?: boolean | undefined;
}

export interface CheckPoolStats {
  threads: number;
  runs: number;
  timeouts: number;
  /** Threads started to replace one that overran, crashed or could not start. */
  replaced: number;
  queued: number;
}

interface Task {
  checkId: string;
  content: RevisionContent;
  context: CheckContext | undefined;
  resolve: (result: CheckResult) => void;
  reject: (error: Error) => void;
}

interface Slot {
  id: number;
  thread: Worker;
  state: 'starting' | 'idle' | 'busy' | 'loading' | 'gone';
  /** Dictionary version the thread's engine was built from. */
  version: string;
  /** Version of a rebuild in progress. */
  loading?: string | undefined;
  task?: Task | undefined;
  taskId?: number | undefined;
  timer?: NodeJS.Timeout | undefined;
}

/** Starts a thread of this directory; under tsx/jest it loads the TypeScript source through tsx's require hook. */
function spawnThread(name: 'check' | 'segmenter', workerData: object, transferList: readonly MessagePort[] = []): Worker {
  const file = join(__dirname, `${name}.thread${extname(__filename)}`);
  const options = { workerData, transferList: [...transferList] };
  if (file.endsWith('.ts')) {
    const tsx = require.resolve('tsx/cjs');
    return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(file)});`, { eval: true, ...options });
  }
  return new Worker(file, options);
}

/**
 * Runs checks on worker threads with a time limit per run. A check that throws fails its run; a check that never
 * returns (a synchronous endless loop) is cut off after `timeoutMs`: its thread is terminated and a fresh one
 * takes its place, so the worker's event loop, its other runs and its BullMQ locks are never held up. Each thread
 * builds its engine once and keeps it across runs; a dictionary reload rebuilds it between runs.
 */
export class CheckPool implements CheckRunner {
  readonly #options: CheckPoolOptions;
  readonly #logger: Logger;
  readonly #slots = new Set<Slot>();
  readonly #queue: Task[] = [];
  #dictionary: { sources: DictionarySources; version: string };
  #changeId: number;
  #checkIds: readonly string[] = [];
  #bell = newSharedInt();
  #segmenter!: Worker;
  #segmenterReady!: Promise<void>;
  #segmenterUp = false;
  #nextSlotId = 1;
  #nextTaskId = 1;
  #closing = false;
  #startFailures = 0;
  #reloadWaiters: Array<() => void> = [];
  #stats = { runs: 0, timeouts: 0, replaced: 0 };

  private constructor(options: CheckPoolOptions) {
    this.#options = options;
    this.#logger = options.logger;
    this.#dictionary = { sources: options.dictionary.sources, version: options.dictionary.version };
    this.#changeId = options.dictionary.changeId;
  }

  /**
   * Starts the segmenter thread and `threads` check threads and resolves once every one is ready.
   * @throws Error when a thread cannot start (bad dictionary, missing module) or start-up takes too long
   */
  static async start(options: CheckPoolOptions): Promise<CheckPool> {
    const pool = new CheckPool(options);
    try {
      pool.#startSegmenter();
      const slots = Array.from({ length: Math.max(1, options.threads) }, () => pool.#spawn());
      // Runs may start before nodejieba has loaded (most checks never segment); a run that needs it waits, and
      // its time limit only starts counting once the segmenter is up.
      const started = Promise.all([...slots.map((s) => pool.#whenReady(s)), ...(options.waitForSegmenter ? [pool.#segmenterReady] : [])]);
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('check pool did not start in time')), options.startTimeoutMs ?? 120_000);
      });
      await Promise.race([started, limit]).finally(() => clearTimeout(timer));
      return pool;
    } catch (error) {
      await pool.close();
      throw error;
    }
  }

  /** Dictionary version of the engines (after `reload` resolves, every later run uses it). */
  get version(): string {
    return this.#dictionary.version;
  }

  /** Newest dictionary change the engines include. */
  get changeId(): number {
    return this.#changeId;
  }

  get checkIds(): readonly string[] {
    return this.#checkIds;
  }

  stats(): CheckPoolStats {
    return { threads: [...this.#slots].filter((s) => s.state !== 'gone').length, queued: this.#queue.length, ...this.#stats };
  }

  /**
   * Runs one check on a free thread.
   * @throws CheckTimeoutError when it overruns the time limit; Error when the check throws or its thread dies
   */
  run(checkId: string, content: RevisionContent, context?: CheckContext): Promise<CheckResult> {
    if (this.#closing) return Promise.reject(new Error('check pool is closed'));
    return new Promise<CheckResult>((resolve, reject) => {
      this.#queue.push({ checkId, content, context, resolve, reject });
      this.#dispatch();
    });
  }

  /** Rebuilds every thread's engine from `dictionary`; resolves when all of them run on it. */
  reload(dictionary: Pick<EffectiveDictionary, 'sources' | 'version' | 'changeId'>): Promise<void> {
    this.#dictionary = { sources: dictionary.sources, version: dictionary.version };
    this.#changeId = dictionary.changeId;
    const done = new Promise<void>((resolve) => this.#reloadWaiters.push(resolve));
    this.#dispatch();
    this.#settleReload();
    return done;
  }

  /** Records that the change log moved without changing the rules (the engines stay as they are). */
  acknowledgeChange(changeId: number): void {
    this.#changeId = changeId;
  }

  /** Stops every thread. Runs still queued are rejected; call it after the queue worker has finished its jobs. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    for (const task of this.#queue.splice(0)) task.reject(new Error('check pool is closed'));
    const threads = [...this.#slots].map((slot) => {
      clearTimeout(slot.timer);
      slot.task?.reject(new Error('check pool is closed'));
      slot.state = 'gone';
      return slot.thread.terminate();
    });
    this.#slots.clear();
    await Promise.allSettled(threads);
    if (this.#segmenter) {
      this.#segmenter.postMessage({ type: 'stop' } satisfies SegmenterControl);
      ring(this.#bell);
      // While nodejieba is still loading the thread sits in native code and cannot be interrupted (~seconds);
      // nothing depends on it any more, so a stopping process need not wait for it.
      const stopped = this.#segmenter.terminate().catch(() => undefined);
      await Promise.race([stopped, new Promise((r) => setTimeout(r, 500).unref())]);
    }
    for (const resolve of this.#reloadWaiters.splice(0)) resolve();
  }

  #startSegmenter(): void {
    const data: SegmenterThreadData = { bell: this.#bell };
    const thread = spawnThread('segmenter', { segmenterThread: data });
    this.#segmenter = thread;
    this.#segmenterUp = false;
    this.#segmenterReady = new Promise<void>((resolve, reject) => {
      thread.once('message', () => {
        if (this.#segmenter === thread) this.#segmenterUp = true;
        resolve();
      });
      thread.once('error', reject);
      thread.once('exit', (code) => reject(new Error(`segmenter thread exited with code ${code} while starting`)));
    });
    this.#segmenterReady.catch(() => undefined);
    thread.on('error', (error) => this.#logger.error({ err: error }, 'segmenter thread failed'));
    thread.on('exit', (code) => {
      if (this.#closing || this.#segmenter !== thread) return;
      const wasUp = this.#segmenterUp;
      this.#segmenterUp = false;
      this.#logger.error({ code, wasUp }, 'segmenter thread exited; restarting it and every check thread');
      // Every check thread's line leads to the dead segmenter: start a new one and recycle them all. One that
      // died before it was up (nodejieba failing to load) is retried after a pause, not in a tight loop.
      const restart = () => {
        if (this.#closing) return;
        this.#bell = newSharedInt();
        this.#startSegmenter();
        for (const slot of [...this.#slots]) this.#replace(slot, new Error('segmenter thread restarted'));
      };
      if (wasUp) restart();
      else setTimeout(restart, 5_000).unref();
    });
  }

  #spawn(): Slot {
    const { port1, port2 } = new MessageChannel();
    const flag = newSharedInt();
    const id = this.#nextSlotId++;
    this.#segmenter.postMessage({ type: 'client', id, port: port1, flag } satisfies SegmenterControl, [port1]);
    ring(this.#bell);
    const data: CheckThreadData = { sources: this.#dictionary.sources, link: { bell: this.#bell, flag, port: port2 }, wrapperModule: this.#options.wrapperModule };
    const slot: Slot = { id, thread: spawnThread('check', { checkThread: data }, [port2]), state: 'starting', version: this.#dictionary.version };
    this.#slots.add(slot);
    slot.thread.on('message', (message: CheckThreadReply) => this.#onMessage(slot, message));
    slot.thread.on('error', (error) => {
      if (slot.state !== 'gone') this.#logger.error({ err: error, thread: slot.id }, 'check thread failed');
    });
    slot.thread.on('exit', (code) => {
      if (slot.state === 'gone' || this.#closing) return;
      const starting = slot.state === 'starting';
      this.#replace(slot, new Error(`check thread exited with code ${code}`), starting);
    });
    return slot;
  }

  #whenReady(slot: Slot): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onMessage = (message: CheckThreadReply) => {
        if (message.type !== 'ready') return;
        slot.thread.off('message', onMessage);
        slot.thread.off('exit', onExit);
        resolve();
      };
      const onExit = (code: number) => reject(new Error(`check thread exited with code ${code} while starting`));
      slot.thread.on('message', onMessage);
      slot.thread.once('exit', onExit);
    });
  }

  #onMessage(slot: Slot, message: CheckThreadReply): void {
    if (slot.state === 'gone') return;
    switch (message.type) {
      case 'ready':
        this.#startFailures = 0;
        this.#checkIds = message.checkIds;
        slot.state = 'idle';
        break;
      case 'result':
      case 'error': {
        if (message.id !== slot.taskId || !slot.task) return;
        const task = slot.task;
        clearTimeout(slot.timer);
        slot.task = slot.taskId = slot.timer = undefined;
        slot.state = 'idle';
        this.#stats.runs++;
        if (message.type === 'result') task.resolve(message.result);
        else task.reject(new Error(message.message));
        break;
      }
      case 'loaded':
        slot.version = slot.loading ?? slot.version;
        slot.loading = undefined;
        slot.state = 'idle';
        break;
      case 'load_failed':
        // The parent parsed the same sources, so this is unexpected; keep the old engine and do not retry it.
        this.#logger.error({ thread: slot.id, message: message.message }, 'check thread could not rebuild its engine; keeping the old one');
        slot.version = slot.loading ?? slot.version;
        slot.loading = undefined;
        slot.state = 'idle';
        break;
    }
    this.#settleReload();
    this.#dispatch();
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      if (slot.state !== 'idle') continue;
      if (slot.version !== this.#dictionary.version) {
        slot.state = 'loading';
        slot.loading = this.#dictionary.version;
        slot.thread.postMessage({ type: 'load', sources: this.#dictionary.sources } satisfies CheckThreadRequest);
        continue;
      }
      const task = this.#queue.shift();
      if (!task) return;
      const id = this.#nextTaskId++;
      slot.state = 'busy';
      slot.task = task;
      slot.taskId = id;
      this.#armTimer(slot, task, id);
      slot.thread.postMessage({ type: 'run', id, checkId: task.checkId, content: task.content, context: task.context } satisfies CheckThreadRequest);
    }
  }

  /**
   * The clock starts when a thread takes the run (not while the run waits for a thread), and not before the
   * segmenter is up: a run blocked on nodejieba still loading has not overrun anything.
   */
  #armTimer(slot: Slot, task: Task, id: number): void {
    const arm = () => {
      if (slot.taskId !== id || slot.state !== 'busy') return;
      slot.timer = setTimeout(() => {
        this.#stats.timeouts++;
        this.#logger.warn({ check: task.checkId, limitMs: this.#options.timeoutMs, thread: slot.id }, 'check overran its time limit; replacing its thread');
        this.#replace(slot, new CheckTimeoutError(task.checkId, this.#options.timeoutMs));
      }, this.#options.timeoutMs);
    };
    if (this.#segmenterUp) arm();
    else this.#segmenterReady.then(arm, arm);
  }

  /** Retires a thread (terminating it if still running), fails its run with `reason`, and starts a new one. */
  #replace(slot: Slot, reason: Error, failedToStart = false): void {
    if (slot.state === 'gone') return;
    slot.state = 'gone';
    clearTimeout(slot.timer);
    this.#slots.delete(slot);
    slot.task?.reject(reason);
    slot.task = undefined;
    void slot.thread.terminate().catch(() => undefined);
    this.#segmenter.postMessage({ type: 'drop', id: slot.id } satisfies SegmenterControl);
    ring(this.#bell);
    if (this.#closing) return;
    this.#stats.replaced++;
    if (!failedToStart) {
      this.#spawn();
      return;
    }
    // A thread that cannot even start (broken module, out of memory) would fail the same way again at once:
    // fail what is queued (the attempts count in PostgreSQL) and try again with backoff.
    this.#startFailures++;
    this.#logger.error({ err: reason, failures: this.#startFailures }, 'check thread could not start');
    if (![...this.#slots].some((s) => s.state !== 'starting')) for (const task of this.#queue.splice(0)) task.reject(reason);
    const delay = Math.min(30_000, 500 * 2 ** Math.min(this.#startFailures, 6));
    setTimeout(() => {
      if (!this.#closing) this.#spawn();
    }, delay).unref();
  }

  #settleReload(): void {
    if (this.#reloadWaiters.length === 0) return;
    const settled = [...this.#slots].every((s) => s.state === 'starting' || (s.version === this.#dictionary.version && s.state !== 'loading'));
    if (settled) for (const resolve of this.#reloadWaiters.splice(0)) resolve();
  }
}

/**
 * Keeps a pool on the dictionary in force, like createDictionaryReloader does for an in-process engine: called on
 * every announcement and by a slow poll; single-flight; a broken overlay keeps the current engines.
 */
export function createPoolReloader(pool: CheckPool, deps: { db: Db; logger: Logger }, options: { pollMs?: number | undefined; dir?: string | undefined } = {}): DictionaryReloader {
  const reloadOnce = async (): Promise<boolean> => {
    const changeId = await latestDictionaryChange(deps.db);
    if (changeId === pool.changeId) return false;
    const started = performance.now();
    // Parsed (and validated) here; the threads build their engines from the same sources.
    const effective = await loadEffectiveDictionary(deps.db, options.dir ?? DEFAULT_DICTIONARY_DIR);
    if (effective.version === pool.version) {
      pool.acknowledgeChange(effective.changeId);
      return false;
    }
    const from = pool.version;
    await pool.reload(effective);
    deps.logger.info({ from, to: effective.version, changeId: effective.changeId, ms: Math.round(performance.now() - started) }, 'dictionaries reloaded');
    return true;
  };

  return singleFlightReloader(reloadOnce, deps.logger, options.pollMs);
}
