import type { Logger } from 'pino';
import type { Db } from '../db/pool';
import type { StageId } from '../domain/workflow';

/** One owed check run to put on the queue. Ids only: never draft text or personal data in Redis. */
export interface CheckJob {
  revisionId: string;
  checkId: string;
}

/** What services need from the queue. Enqueueing happens after COMMIT and may fail; the sweeper covers it. */
export interface CheckQueuePort {
  /**
   * Adds jobs under idempotent ids. With `replaceFinished`, a job of the same id that already completed or
   * failed is replaced (a retry); otherwise such a job makes the add a no-op.
   */
  enqueue(jobs: readonly CheckJob[], options?: { replaceFinished?: boolean }): Promise<void>;
}

/** The small, committed fact pushed to boards; clients refetch over HTTP when their version is older. */
export interface DraftChange {
  id: string;
  unitId: string;
  status: string;
  stage: string | null;
  version: number;
  eventId: number;
}

export interface DraftEventsPort {
  publish(change: DraftChange): void;
}

/** A committed dictionary change, announced to every worker so it rebuilds its engine (ids and hashes only). */
export interface DictionaryChange {
  changeId: number;
  version: string;
  rescanId: string | null;
}

export interface DictionaryEventsPort {
  publish(change: DictionaryChange): Promise<void>;
}

export interface ServiceDeps {
  db: Db;
  stages: readonly StageId[];
  checkIds: readonly string[];
  queue: CheckQueuePort;
  events: DraftEventsPort;
  logger: Logger;
  session: { idleMinutes: number; absoluteHours: number };
  checkMaxAttempts: number;
  /** Announces dictionary changes over Redis; without it workers still pick changes up by polling. */
  dictionaryEvents?: DictionaryEventsPort | undefined;
  /** Media bytes (issue 9); default: on disk under DATA_DIR/media. */
  media?: import('./media.service').MediaStore | undefined;
  /** The shipped dictionary files (default: the repository's dictionaries/). */
  dictionaryDir?: string | undefined;
}

/** Runs post-commit side effects without letting their failure undo or fail the committed work. */
export function afterCommit(deps: Pick<ServiceDeps, 'logger'>, what: string, effect: () => Promise<void> | void): void {
  Promise.resolve()
    .then(effect)
    .catch((error: unknown) => deps.logger.warn({ err: error, what }, 'post-commit effect failed; the sweeper will catch up'));
}
