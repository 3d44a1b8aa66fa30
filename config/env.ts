import { z } from 'zod';

/**
 * The one place that reads process.env. Everything else receives a typed AppConfig.
 */
const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATABASE_URL: z.string().optional(),
  DATABASE_APP_ROLE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .default('sanshen_app'),
  REDIS_URL: z.string().optional(),
  DATA_DIR: z.string().default('./data'),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('sanshen'),
  SANSHEN_ADMIN_PASSWORD: z.string().optional(),
  SANSHEN_DEMO: z.enum(['0', '1', 'true', 'false']).optional(),
  SESSION_IDLE_MINUTES: z.coerce.number().int().positive().default(30),
  SESSION_ABSOLUTE_HOURS: z.coerce.number().int().positive().default(12),
  AUDIT_HMAC_KEY: z.string().min(32).optional(),
  AUDIT_CHECKPOINT_DIR: z.string().optional(),
  AUDIT_CHECKPOINT_SECONDS: z.coerce.number().int().positive().default(300),
  /** A full signed snapshot of every chain head is written this often (if anything moved); older files are then pruned. */
  AUDIT_SNAPSHOT_HOURS: z.coerce.number().positive().default(24),
  ALLOWED_ORIGINS: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CHECK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(3),
  SWEEP_INTERVAL_MS: z.coerce.number().int().positive().default(5_000),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(24),
  /** A check run taking longer is cut off (its thread replaced) and counts as a failed attempt. */
  CHECK_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(15_000),
  /** Check threads per worker process; default: min(WORKER_CONCURRENCY, cores). */
  CHECK_THREADS: z.coerce.number().int().min(1).max(32).optional(),
  /**
   * Test-only fault injection (chaos runs, tests): absolute path of a module exporting wrapCheckEngine(engine),
   * loaded into every check thread. The worker refuses to start with it unless NODE_ENV=test.
   */
  SANSHEN_TEST_CHECK_WRAPPER: z.string().optional(),
  /** Notifications (issue 14): SMTP server for e-mail (smtp:// upgrades with STARTTLS when offered; smtps:// is TLS from the start). */
  SMTP_URL: z.string().optional(),
  MAIL_FROM: z.string().default('三审三校 <noreply@localhost>'),
  /** Comma-separated hosts a webhook may reach over plain http (tests: 127.0.0.1); everything else must be https. */
  NOTIFY_ALLOW_HOSTS: z.string().default(''),
  /** Delivery attempts before a delivery is marked failed (visible to admins, retryable). */
  NOTIFY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(6),
  /** First retry delay; doubles per attempt. */
  NOTIFY_BACKOFF_MS: z.coerce.number().int().min(1).max(3_600_000).default(2_000),
  /** How often the notification sweeper re-drives owed deliveries and looks for SLA breaches and digests. */
  NOTIFY_SWEEP_MS: z.coerce.number().int().positive().default(15_000),
  /** A delivery left "sending" this long (its worker died) is owed again. */
  NOTIFY_LEASE_MS: z.coerce.number().int().positive().default(60_000),
  /** npm start forks a notification worker unless this is 0. */
  START_NOTIFY_WORKER: z.enum(['0', '1']).default('1'),
  /** npm start forks a check worker unless this is 0 (production runs workers as their own service). */
  START_WORKER: z.enum(['0', '1']).default('1'),
  /**
   * The reverse proxies whose X-Forwarded-For is believed (comma-separated addresses, CIDR ranges, or express's
   * names loopback / linklocal / uniquelocal). Unset: nobody's, so the client address is the connection's.
   */
  TRUST_PROXY: z.string().optional(),
  /** The office's time zone: month and day boundaries of reports, deadlines and printed times, list date filters and dashboard days; also quiet hours, 催办 and digests of notifications. */
  TZ_REVIEW: z.string().default('Asia/Shanghai'),
  /** 备案 变更 must be filed within this many working days (Mon–Fri) of the change. */
  REGISTRY_CHANGE_DEADLINE_DAYS: z.coerce.number().int().min(1).max(60).default(5),
  /** 年检: minimum releases per year, and months without a release that make a 僵尸号. */
  ANNUAL_MIN_RELEASES: z.coerce.number().int().min(0).max(10_000).default(12),
  ZOMBIE_MONTHS: z.coerce.number().int().min(1).max(24).default(6),
  /** The school's name printed at the top of every 审稿单 and 年检 report. */
  SCHOOL_NAME: z.string().max(100).default('本校'),
  /** Absolute base URL printed in the 审稿单's QR code (default: the requesting host) and carried by notification links (default there: http://localhost:3000). */
  PUBLIC_URL: z.url().optional(),
  /** CJK font embedded in server-side PDFs (a .ttc needs the face's PostScript name). */
  PDF_FONT_PATH: z.string().default('/usr/share/fonts/truetype/wqy/wqy-microhei.ttc'),
  PDF_FONT_NAME: z.string().default('WenQuanYiMicroHei'),
});

export type Env = z.infer<typeof EnvSchema>;

/** Parses the environment once; throws a readable error naming every bad variable. */
export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid environment:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
