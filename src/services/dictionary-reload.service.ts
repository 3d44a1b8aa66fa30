import type { Logger } from 'pino';
import { DictionaryError } from '../checks/dictionary/dictionary';
import { buildCheckEngine, type CheckContext, type CheckEngine } from '../checks/engine';
import type { Segmenter } from '../checks/segmenter';
import { latestChangeId } from '../db/dictionary.repository';
import type { Db } from '../db/pool';
import type { RevisionContent } from '../domain/content';
import type { CheckResult } from '../domain/findings';
import { DEFAULT_DICTIONARY_DIR, loadEffectiveDictionary, type EffectiveDictionary } from './effective-dictionary.service';

/**
 * The worker's check runner: a reference to the current engine that a reload swaps in one assignment. A run
 * reads the reference once, so it finishes on the engine it started with; the next run sees the new one.
 */
export class EngineHolder {
  #engine: CheckEngine;
  #changeId: number;

  constructor(engine: CheckEngine, changeId = 0) {
    this.#engine = engine;
    this.#changeId = changeId;
  }

  get engine(): CheckEngine {
    return this.#engine;
  }

  get version(): string {
    return this.#engine.version;
  }

  /** The newest dictionary change the engine includes (0 = files as shipped). */
  get changeId(): number {
    return this.#changeId;
  }

  get checkIds(): readonly string[] {
    return this.#engine.checkIds;
  }

  swap(engine: CheckEngine, changeId: number): void {
    this.#engine = engine;
    this.#changeId = changeId;
  }

  run(checkId: string, content: RevisionContent, context?: CheckContext): CheckResult {
    return this.#engine.run(checkId, content, context);
  }
}

export interface EngineLoadOptions {
  dir?: string | undefined;
  segmenter?: Segmenter | undefined;
}

/**
 * Builds the engine the database says is in force (shipped files + admin overlay): workers call it at start.
 * @throws DictionaryError when the stored overlay does not compose with the files
 */
export async function loadEngineFromDatabase(db: Db, options: EngineLoadOptions = {}): Promise<{ engine: CheckEngine; effective: EffectiveDictionary }> {
  const effective = await loadEffectiveDictionary(db, options.dir ?? DEFAULT_DICTIONARY_DIR);
  return { engine: buildCheckEngine(effective.dicts, { segmenter: options.segmenter }), effective };
}

export interface DictionaryReloader {
  /** Rebuilds if the change log moved since the engine was built; resolves to true when it swapped. */
  reloadNow(): Promise<boolean>;
  close(): void;
}

/**
 * Runs `reloadOnce` on demand and every `pollMs`, one at a time: a reload requested while one runs runs once after
 * it. A failing reload is logged (with the dictionary's line-numbered issues) and keeps what is in force.
 */
export function singleFlightReloader(reloadOnce: () => Promise<boolean>, logger: Logger, pollMs?: number): DictionaryReloader {
  let running: Promise<boolean> | null = null;
  let again = false;
  const reloadNow = (): Promise<boolean> => {
    if (running) {
      again = true;
      return running;
    }
    running = reloadOnce()
      .catch((error: unknown) => {
        const log = error instanceof DictionaryError ? { issues: error.issues.slice(0, 20) } : { err: error };
        logger.error(log, 'dictionary reload failed; keeping the dictionary in force');
        return false;
      })
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          void reloadNow();
        }
      });
    return running;
  };
  const timer = pollMs ? setInterval(() => void reloadNow(), pollMs) : undefined;
  timer?.unref();
  return {
    reloadNow,
    close() {
      if (timer) clearInterval(timer);
    },
  };
}

/**
 * Keeps `holder` on the dictionary in force: `reloadNow()` is called on every pub/sub announcement and by a
 * slow poll (pub/sub is at-most-once). Reloads are single-flight; one requested during a reload runs after it.
 * A broken overlay keeps the old engine and logs, so checks never stop.
 */
export function createDictionaryReloader(
  holder: EngineHolder,
  deps: { db: Db; logger: Logger },
  options: EngineLoadOptions & { pollMs?: number | undefined; onSwapped?: ((effective: EffectiveDictionary) => void) | undefined } = {},
): DictionaryReloader {
  const reloadOnce = async (): Promise<boolean> => {
    const changeId = await latestChangeId(deps.db);
    if (changeId === holder.changeId) return false;
    // Yield first: a job in progress finishes before the (synchronous) build takes the thread.
    await new Promise((r) => setImmediate(r));
    const started = performance.now();
    const { engine, effective } = await loadEngineFromDatabase(deps.db, options);
    if (engine.version === holder.version) {
      holder.swap(holder.engine, effective.changeId);
      return false;
    }
    const from = holder.version;
    holder.swap(engine, effective.changeId);
    deps.logger.info({ from, to: engine.version, changeId: effective.changeId, ms: Math.round(performance.now() - started) }, 'dictionaries reloaded');
    options.onSwapped?.(effective);
    return true;
  };

  return singleFlightReloader(reloadOnce, deps.logger, options.pollMs);
}

/** The id of the last dictionary change (0 before any): a reloader compares it with the one it loaded. */
export { latestChangeId as latestDictionaryChange } from '../db/dictionary.repository';
