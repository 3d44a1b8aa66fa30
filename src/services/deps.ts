import type { Logger } from 'pino';
import type { Db } from '../db/pool';
import type { StagePlan } from '../domain/workflow';
import type { DraftChange } from '../shared/socket-contract';

export type { DraftChange } from '../shared/socket-contract';

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

/** Notifications owed by a committed transaction: handed to the delivery queue and the bells (issue 14). */
export interface NotificationsPort {
  /** Puts owed deliveries on the queue (ids only); may fail: PostgreSQL keeps them owed and the sweeper re-drives. */
  deliver(deliveryIds: readonly string[]): Promise<void>;
  /** Tells these people's open boards that their inbox changed. */
  inboxChanged(userIds: readonly string[]): void;
}

export interface ServiceDeps {
  db: Db;
  /** Stages per platform level (config/stages.ts PLATFORM_STAGES), or one list for every draft. */
  stages: StagePlan;
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
  /** TZ_REVIEW: the zone of every day/week/month/year boundary; default Asia/Shanghai. */
  timeZone?: string | undefined;
  /** Delivery queue and bells for notifications; without it the notification sweeper still delivers what is owed. */
  notifications?: NotificationsPort | undefined;
  /** Hosts a notification channel may reach over plain http (NOTIFY_ALLOW_HOSTS). */
  notifyAllowHosts?: readonly string[] | undefined;
  /** 备案, 年检 and PDF settings (default: RECORDS_DEFAULTS). */
  records?: RecordsConfig | undefined;
}

/** Settings of the office's records: registry deadlines, annual inspection thresholds, PDFs. */
export interface RecordsConfig {
  schoolName: string;
  timeZone: string;
  changeDeadlineWorkingDays: number;
  annualMinimum: number;
  zombieMonths: number;
  publicUrl?: string | undefined;
  fontPath: string;
  fontName: string;
}

export const RECORDS_DEFAULTS: RecordsConfig = {
  schoolName: '本校',
  timeZone: 'Asia/Shanghai',
  changeDeadlineWorkingDays: 5,
  annualMinimum: 12,
  zombieMonths: 6,
  fontPath: '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc',
  fontName: 'WenQuanYiMicroHei',
};

export const recordsConfig = (deps: Pick<ServiceDeps, 'records'>): RecordsConfig => deps.records ?? RECORDS_DEFAULTS;

/** Runs post-commit side effects without letting their failure undo or fail the committed work. */
export function afterCommit(deps: Pick<ServiceDeps, 'logger'>, what: string, effect: () => Promise<void> | void): void {
  Promise.resolve()
    .then(effect)
    .catch((error: unknown) => deps.logger.warn({ err: error, what }, 'post-commit effect failed; the sweeper will catch up'));
}
