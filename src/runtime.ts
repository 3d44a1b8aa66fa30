import type IORedis from 'ioredis';
import pino, { type Logger } from 'pino';
import { PLATFORM_STAGES } from '../config/stages';
import { CHECK_IDS } from '../config/pipeline';
import type { Env } from '../config/env';
import { createDatabase, type DatabaseHandle } from './db/pool';
import { createRedis } from './queue/connections';
import { createCheckQueue, type CheckQueue } from './queue/check.queue';
import { createDictionaryEvents } from './queue/dictionary-events';
import { createDraftEvents } from './realtime/draft-events';
import { createNotificationEvents } from './realtime/notification-events';
import { createNotifyQueue, type NotifyQueue } from './queue/notify.queue';
import { createPresenceHub, type PresenceHub } from './realtime/presence';
import type { ServiceDeps } from './services/deps';
import { sql } from 'drizzle-orm';

export interface Runtime {
  /** Service dependencies, plus the claims/viewers port the HTTP app mounts (`createApp({...runtime.deps})`). */
  deps: ServiceDeps & { presence: PresenceHub['claims'] };
  /** Claims and viewers across API processes; the socket server attaches to it. */
  presence: PresenceHub;
  database: DatabaseHandle;
  redis: IORedis;
  queue: CheckQueue;
  events: ReturnType<typeof createDraftEvents>;
  /** Notification deliveries (issue 14) and the bells' fan-out. */
  notifyQueue: NotifyQueue;
  notificationEvents: ReturnType<typeof createNotificationEvents>;
  logger: Logger;
  health(): Promise<{ db: 'up' | 'down'; redis: 'up' | 'down' }>;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  databaseUrl: string;
  redisUrl: string;
  env: Env;
  role: 'api' | 'worker';
  logger?: Logger;
  checkIds?: readonly string[];
}

/** Connections and service dependencies shared by the API, the workers, tests and benchmarks. */
export function createRuntime(options: RuntimeOptions): Runtime {
  const logger = options.logger ?? pino({ level: options.env.LOG_LEVEL, base: { role: options.role } });
  const database = createDatabase(options.databaseUrl, { max: options.role === 'api' ? 20 : 10 });
  const redis = createRedis(options.redisUrl, options.role === 'api' ? 'producer' : 'worker');
  const queue = createCheckQueue(redis, options.env.QUEUE_PREFIX);
  const events = createDraftEvents(redis);
  const notifyQueue = createNotifyQueue(redis, options.env.QUEUE_PREFIX);
  const notificationEvents = createNotificationEvents(redis);
  const presence = createPresenceHub({ redis, prefix: options.env.QUEUE_PREFIX, db: database.db, logger });
  const deps: Runtime['deps'] = {
    db: database.db,
    stages: PLATFORM_STAGES,
    checkIds: options.checkIds ?? CHECK_IDS,
    queue,
    events,
    logger,
    session: { idleMinutes: options.env.SESSION_IDLE_MINUTES, absoluteHours: options.env.SESSION_ABSOLUTE_HOURS },
    checkMaxAttempts: options.env.CHECK_MAX_ATTEMPTS,
    timeZone: options.env.TZ_REVIEW,
    dictionaryEvents: createDictionaryEvents(redis, options.env.QUEUE_PREFIX),
    records: {
      schoolName: options.env.SCHOOL_NAME,
      timeZone: options.env.TZ_REVIEW,
      changeDeadlineWorkingDays: options.env.REGISTRY_CHANGE_DEADLINE_DAYS,
      annualMinimum: options.env.ANNUAL_MIN_RELEASES,
      zombieMonths: options.env.ZOMBIE_MONTHS,
      publicUrl: options.env.PUBLIC_URL,
      fontPath: options.env.PDF_FONT_PATH,
      fontName: options.env.PDF_FONT_NAME,
    },
    presence: presence.claims,
    notifyAllowHosts: options.env.NOTIFY_ALLOW_HOSTS.split(',')
      .map((h) => h.trim())
      .filter(Boolean),
    notifications: {
      deliver: async (ids) => {
        // A retried delivery starts again at attempt 0, whose earlier job may still sit in Redis as finished.
        for (const id of ids) await notifyQueue.redrive(id, 0);
      },
      inboxChanged: (userIds) => notificationEvents.publish(userIds),
    },
  };
  return {
    deps,
    presence,
    database,
    redis,
    queue,
    events,
    notifyQueue,
    notificationEvents,
    logger,
    async health() {
      const db = await database.db
        .execute(sql`SELECT 1`)
        .then(() => 'up' as const)
        .catch(() => 'down' as const);
      const r =
        redis.status === 'ready'
          ? await redis
              .ping()
              .then(() => 'up' as const)
              .catch(() => 'down' as const)
          : ('down' as const);
      return { db, redis: r };
    },
    async close() {
      presence.close();
      // A queue closed while its connection is still handshaking rejects BullMQ's own setup outside any caller (an
      // unhandled error); let a connection in progress settle first, briefly, since Redis may be down.
      if (redis.status === 'connecting' || redis.status === 'connect') {
        await new Promise<void>((settled) => {
          const timer = setTimeout(settled, 2_000);
          redis.once('ready', () => {
            clearTimeout(timer);
            settled();
          });
        });
      }
      await queue.close().catch(() => undefined);
      await notifyQueue.close().catch(() => undefined);
      redis.disconnect();
      await database.close().catch(() => undefined);
    },
  };
}
