/**
 * The application under test, as real child processes (API and check worker), plus what a scenario needs around
 * it: its own database cloned from a migrated and seeded template, its own queue prefix, sessions for the seeded
 * accounts, an HTTP client that never throws, and the SQL that checks the invariants afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Queue, QueueEvents } from 'bullmq';
import type IORedis from 'ioredis';
import { QUEUES } from '../../config/queues';
import { createDatabase, runMigrations } from '../../src/db/pool';
import { createPlatform, createUnit, createUser } from '../../src/services/admin.service';
import { login } from '../../src/services/auth.service';
import { exited, freePort, register, sleep, unregister, type PrivatePostgres, type PrivateRedis } from './infra';

const ROOT = resolve(__dirname, '..', '..');
export const PASSWORD = 'Chaos-Pass-2026!';
export const TEMPLATE_DB = 'sanshen_chaos_template';
/** Eight 初审 reviewers, so a race round can have up to eight different people deciding at once. */
export const FIRST_REVIEWERS = ['r1a', 'r1b', 'r1c', 'r1d', 'r1e', 'r1f', 'r1g', 'r1h'] as const;
const ACCOUNTS: Array<{ username: string; roles: string[]; unit: boolean }> = [
  { username: 'editor', roles: ['editor'], unit: true },
  ...FIRST_REVIEWERS.map((username) => ({ username, roles: ['reviewer1'], unit: true })),
  { username: 'r2', roles: ['reviewer2'], unit: true },
  { username: 'r3', roles: ['reviewer3'], unit: true },
  { username: 'admin', roles: ['admin'], unit: false },
];

/** Migrates the template database once and seeds a unit, a platform and the accounts every scenario uses. */
export async function prepareTemplate(pg: PrivatePostgres): Promise<void> {
  await pg.query('postgres', `CREATE DATABASE ${TEMPLATE_DB}`);
  const url = pg.url(TEMPLATE_DB);
  await runMigrations(url);
  const database = createDatabase(url);
  try {
    const db = database.db;
    const unit = await createUnit(db, null, { name: '混沌测试学院', code: 'CHAOS' });
    await createPlatform(db, null, { name: '混沌测试公众号', kind: 'wechat', level: 'unit', unitId: unit.id });
    for (const a of ACCOUNTS) {
      await createUser(db, null, {
        username: a.username,
        displayName: `混沌${a.username}`,
        staffId: `C-${a.username}`,
        unitId: a.unit ? unit.id : null,
        isStaff: true,
        roles: a.roles as never,
        password: PASSWORD,
      });
    }
  } finally {
    await database.close();
  }
}

/** An HTTP answer; status 0 means no answer at all (refused, reset, timed out). */
export interface Answer {
  status: number;
  body: any;
  error?: string | undefined;
  ms: number;
}

export interface AppProcessOptions {
  kind: 'api' | 'worker';
  env: Record<string, string>;
  logFile: string;
}

/** One API or worker process; restartable, and stopped with the run whatever happens. */
export class AppProcess {
  readonly kind: 'api' | 'worker';
  readonly #options: AppProcessOptions;
  #child: ChildProcess | null = null;
  #ready: Promise<void> | null = null;
  starts = 0;

  constructor(options: AppProcessOptions) {
    this.kind = options.kind;
    this.#options = options;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get alive(): boolean {
    return this.#child !== null && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Starts the process and resolves once it serves (API: answers HTTP; worker: logged that it is ready). */
  async start(timeoutMs = 90_000): Promise<number> {
    const started = performance.now();
    const entry = this.kind === 'api' ? join(ROOT, 'scripts', 'chaos', 'api.entry.ts') : join(ROOT, 'workers', 'checks.worker.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: ROOT, env: { ...process.env, ...this.#options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    this.starts++;
    const name = `${this.kind}-${child.pid}`;
    register(name, () => child.kill('SIGKILL'));
    child.once('exit', () => unregister(name));
    const log = createWriteStream(this.#options.logFile, { flags: 'a' });
    log.write(`\n--- ${new Date().toISOString()} start pid ${child.pid}\n`);
    child.stderr?.pipe(log, { end: false });
    let signalReady: () => void = () => undefined;
    const loggedReady = new Promise<void>((done) => (signalReady = done));
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      log.write(`${line}\n`);
      if (line.includes('"msg":"check worker ready"') || line.includes('"msg":"api listening"')) signalReady();
    });
    child.once('exit', (code, signal) => log.write(`--- exit pid ${child.pid} code ${code} signal ${signal}\n`));
    const failed = exited(child).then(({ code, signal }) => {
      throw new Error(`${this.kind} exited while starting (code ${code}, signal ${signal}); see ${this.#options.logFile}`);
    });
    failed.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, fail) => {
      timer = setTimeout(() => fail(new Error(`${this.kind} did not become ready within ${timeoutMs} ms`)), timeoutMs);
    });
    this.#ready = Promise.race([loggedReady, failed, late]).finally(() => clearTimeout(timer));
    await this.#ready;
    return performance.now() - started;
  }

  /** Sends `signal` and resolves with how the process ended and how long it took. */
  async stop(signal: NodeJS.Signals, timeoutMs = 60_000): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number; forced: boolean }> {
    const child = this.#child;
    if (!child || !this.alive) return { code: child?.exitCode ?? null, signal: child?.signalCode ?? null, ms: 0, forced: false };
    const started = performance.now();
    child.kill(signal);
    let forced = false;
    const timer = setTimeout(() => {
      forced = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const result = await exited(child);
    clearTimeout(timer);
    return { ...result, ms: performance.now() - started, forced };
  }
}

/** Seeded ids and sessions of one scenario database. */
export interface Seeded {
  platformId: string;
  tokens: Record<string, string>;
}

/** What a scenario works with: its own database and queue prefix on the run's private servers. */
export class Stage {
  readonly name: string;
  readonly database: string;
  readonly prefix: string;
  readonly pg: PrivatePostgres;
  readonly redis: PrivateRedis;
  readonly logDir: string;
  readonly processes: AppProcess[] = [];
  seeded!: Seeded;
  apiPort = 0;
  #queue: Queue | null = null;
  #redisClient: IORedis | null = null;

  constructor(name: string, pg: PrivatePostgres, redis: PrivateRedis, logDir: string) {
    this.name = name;
    this.database = `chaos_${name.replace(/[^a-z0-9]/g, '_')}_${process.pid}`;
    this.prefix = `chaos${name.replace(/[^a-z0-9]/g, '')}`;
    this.pg = pg;
    this.redis = redis;
    this.logDir = logDir;
    mkdirSync(logDir, { recursive: true });
    // Figures are read from these logs: start each scenario with empty ones.
    for (const kind of ['api', 'worker'] as const) writeFileSync(this.logFile(kind), '');
  }

  get databaseUrl(): string {
    return this.pg.url(this.database);
  }

  get base(): string {
    return `http://127.0.0.1:${this.apiPort}`;
  }

  async setup(): Promise<void> {
    await this.pg.query('postgres', `DROP DATABASE IF EXISTS ${this.database} WITH (FORCE)`);
    await this.pg.query('postgres', `CREATE DATABASE ${this.database} TEMPLATE ${TEMPLATE_DB}`);
    const database = createDatabase(this.databaseUrl, { max: 2 });
    try {
      const [platform] = await this.sql<{ id: string }>('SELECT id FROM platforms LIMIT 1');
      const tokens: Record<string, string> = {};
      for (const a of ACCOUNTS) {
        tokens[a.username] = (await login(database.db, { username: a.username, password: PASSWORD, ip: '127.0.0.1', absoluteHours: 12 })).token;
      }
      this.seeded = { platformId: platform!.id, tokens };
    } finally {
      await database.close();
    }
    this.apiPort = await freePort();
  }

  /** The environment both processes get (the product reads it through config/env.ts). */
  appEnv(extra: Record<string, string> = {}): Record<string, string> {
    return {
      NODE_ENV: 'production',
      DATABASE_URL: this.databaseUrl,
      REDIS_URL: this.redis.url,
      QUEUE_PREFIX: this.prefix,
      PORT: String(this.apiPort),
      LOG_LEVEL: 'info',
      SWEEP_INTERVAL_MS: '1000',
      CHECK_MAX_ATTEMPTS: '3',
      ...extra,
    };
  }

  logFile(kind: 'api' | 'worker'): string {
    return join(this.logDir, `${this.name}-${kind}.log`);
  }

  api(extra: Record<string, string> = {}): AppProcess {
    const p = new AppProcess({ kind: 'api', env: this.appEnv(extra), logFile: this.logFile('api') });
    this.processes.push(p);
    return p;
  }

  worker(extra: Record<string, string> = {}): AppProcess {
    const p = new AppProcess({ kind: 'worker', env: this.appEnv(extra), logFile: this.logFile('worker') });
    this.processes.push(p);
    return p;
  }

  async http(user: string | null, method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}, timeoutMs = 20_000): Promise<Answer> {
    const started = performance.now();
    try {
      const res = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
          ...(user ? { Authorization: `Bearer ${this.seeded.tokens[user]}` } : {}),
          ...headers,
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      let parsed: unknown = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = { raw: text.slice(0, 200) };
      }
      return { status: res.status, body: parsed, ms: performance.now() - started };
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      return { status: 0, body: null, error: cause?.code ?? (error as Error).name ?? 'error', ms: performance.now() - started };
    }
  }

  sql<T extends Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]> {
    return this.pg.query<T>(this.database, text, params);
  }

  /** A BullMQ queue handle on this scenario's prefix (counts, active jobs). */
  queue(): Queue {
    this.#queue ??= new Queue(QUEUES.checks, { connection: { host: '127.0.0.1', port: this.redis.port, maxRetriesPerRequest: 3 }, prefix: this.prefix });
    this.#queue.on('error', () => undefined);
    return this.#queue;
  }

  /** Counts BullMQ `stalled` events on this scenario's queue from now on. */
  async watchStalled(): Promise<{ count: () => number; close: () => Promise<void> }> {
    const events = new QueueEvents(QUEUES.checks, { connection: { host: '127.0.0.1', port: this.redis.port }, prefix: this.prefix });
    events.on('error', () => undefined);
    let stalled = 0;
    events.on('stalled', () => stalled++);
    await events.waitUntilReady();
    return { count: () => stalled, close: () => events.close() };
  }

  redisClient(): IORedis {
    this.#redisClient ??= this.redis.client();
    return this.#redisClient;
  }

  /** Loses every queued job: deletes all of this scenario's queue keys, as a flushed Redis would. */
  async flushQueueKeys(): Promise<number> {
    const redis = this.redisClient();
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
    return deleted;
  }

  /** Stops this scenario's processes and connections and drops its database. */
  async cleanup(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop('SIGKILL', 5_000).catch(() => undefined)));
    await this.#queue?.close().catch(() => undefined);
    this.#redisClient?.disconnect();
    if (this.redis.running) {
      const client = this.redis.client();
      try {
        let cursor = '0';
        do {
          const [next, keys] = await client.scan(cursor, 'MATCH', `${this.prefix}:*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length > 0) await client.unlink(...keys);
        } while (cursor !== '0');
      } catch {
        // the run's Redis goes away with the run anyway
      } finally {
        client.disconnect();
      }
    }
    if (this.pg.running) await this.pg.query('postgres', `DROP DATABASE IF EXISTS ${this.database} WITH (FORCE)`).catch(() => undefined);
  }
}

const PARAGRAPHS = [
  '11月20日，学校第五十届秋季田径运动会在东区体育场开幕。校党委书记出席开幕式并讲话，全校三十个学院的两千余名运动员参加比赛。',
  '本届运动会设置田径、趣味运动和教职工项目，旨在展示青春风采、弘扬体育精神。各学院代表队精神饱满，赛场上你追我赶。',
  '计算机学院在学术报告厅举办秋季学术报告会，邀请三位校外专家作专题报告，师生百余人参加，现场交流热烈。',
  '图书馆本周推出“书香校园”系列活动，包括读书分享会、古籍修复体验和新书展览，欢迎师生踊跃参与。',
];
/** Texts the checks find something in, so duplicated findings would show. */
const FLAGGED = ['活动期间严禁赌博，违者严肃处理。', '报名请联系 13812345678，名额有限。', '本次活动经费由学院统一安排。'];

/** A realistic draft body of a few hundred characters; every fifth one carries something the checks find. */
export function draftText(n: number): string {
  const parts = [PARAGRAPHS[n % PARAGRAPHS.length]!, PARAGRAPHS[(n + 1) % PARAGRAPHS.length]!];
  if (n % 5 === 0) parts.push(FLAGGED[n % FLAGGED.length]!);
  return parts.join('\n\n');
}

export function submission(stage: Stage, title: string, n: number): Record<string, unknown> {
  return { platformId: stage.seeded.platformId, title, body: draftText(n), format: 'markdown' };
}

export interface SubmitRecord {
  key: string;
  title: string;
  /** Every answer this submission got, in order. */
  answers: Array<{ status: number; id?: string; code?: string; error?: string }>;
  id?: string | undefined;
}

/**
 * A retrying client: sends the same body under the same Idempotency-Key until it gets 201 (or a 4xx that says
 * the request itself is wrong), backing off on no answer or 5xx.
 */
export async function submitWithRetry(stage: Stage, record: SubmitRecord, body: Record<string, unknown>, deadline: number, signal: AbortSignal): Promise<void> {
  let delay = 100;
  while (Date.now() < deadline && !signal.aborted) {
    const res = await stage.http('editor', 'POST', '/api/drafts', body, { 'Idempotency-Key': record.key }, 10_000);
    record.answers.push({ status: res.status, id: res.body?.id, code: res.body?.error?.code, error: res.error });
    if (res.status === 201) {
      record.id ??= res.body.id;
      return;
    }
    if (res.status >= 400 && res.status < 500 && res.status !== 429) return;
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 2_000);
  }
}

/** Runs `task(i)` for i in [0, n) with `concurrency` at a time. */
export async function pool(n: number, concurrency: number, task: (i: number) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n && !signal?.aborted) await task(next++);
    }),
  );
}

/** Polls until `probe` returns true or the deadline passes; resolves to whether it did. */
export async function waitUntil(probe: () => Promise<boolean>, timeoutMs: number, signal?: AbortSignal, everyMs = 500): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!signal?.aborted) {
    if (await probe().catch(() => false)) return true;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
  return false;
}

export interface Integrity {
  drafts: number;
  checking: number;
  checksFailed: number;
  byStatus: Record<string, number>;
  /** Revisions whose number of run rows is not the number of registered checks. */
  revisionsWithWrongRunCount: number;
  /** (revision, check) pairs with more than one recorded result. */
  duplicateResults: number;
  /** Identical findings recorded twice for the same (revision, check). */
  duplicateFindings: number;
  findings: number;
  maxAttempts: number;
  /** Runs started more than once (interrupted by a kill, or re-delivered). */
  runsStartedMoreThanOnce: number;
}

/** The invariants after faults, read straight from PostgreSQL. */
export async function integrity(stage: Stage, titlePrefix: string): Promise<Integrity> {
  const like = `${titlePrefix}%`;
  const statuses = await stage.sql<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM drafts WHERE title LIKE $1 GROUP BY status', [like]);
  const byStatus = Object.fromEntries(statuses.map((s) => [s.status, s.n]));
  const [runs] = await stage.sql<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT r.id FROM revisions r JOIN drafts d ON d.id = r.draft_id LEFT JOIN check_runs c ON c.revision_id = r.id
       WHERE d.title LIKE $1 GROUP BY r.id HAVING count(c.check_id) <> 6) x`,
    [like],
  );
  const [dupResults] = await stage.sql<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT e.revision_id, e.data->>'check' FROM audit_events e JOIN drafts d ON d.id = e.draft_id
       WHERE d.title LIKE $1 AND e.type IN ('check.completed', 'checks.completed') GROUP BY 1, 2 HAVING count(*) > 1) x`,
    [like],
  );
  const [dupFindings] = await stage.sql<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT f.revision_id FROM findings f JOIN drafts d ON d.id = f.draft_id WHERE d.title LIKE $1
       GROUP BY f.revision_id, f.check_id, f.rule_id, f.start_offset, f.end_offset, f.matched HAVING count(*) > 1) x`,
    [like],
  );
  const [findings] = await stage.sql<{ n: number }>('SELECT count(*)::int AS n FROM findings f JOIN drafts d ON d.id = f.draft_id WHERE d.title LIKE $1', [like]);
  const [attempts] = await stage.sql<{ n: number; again: number }>(
    'SELECT coalesce(max(c.attempts), 0)::int AS n, count(*) FILTER (WHERE c.attempts > 1)::int AS again FROM check_runs c JOIN drafts d ON d.id = c.draft_id WHERE d.title LIKE $1',
    [like],
  );
  return {
    drafts: statuses.reduce((sum, s) => sum + s.n, 0),
    checking: byStatus.checking ?? 0,
    checksFailed: byStatus.checks_failed ?? 0,
    byStatus,
    revisionsWithWrongRunCount: runs?.n ?? 0,
    duplicateResults: dupResults?.n ?? 0,
    duplicateFindings: dupFindings?.n ?? 0,
    findings: findings?.n ?? 0,
    maxAttempts: attempts?.n ?? 0,
    runsStartedMoreThanOnce: attempts?.again ?? 0,
  };
}

/** How many drafts with this title prefix are still being checked. */
export async function stillChecking(stage: Stage, titlePrefix: string): Promise<number> {
  const [row] = await stage.sql<{ n: number }>("SELECT count(*)::int AS n FROM drafts WHERE title LIKE $1 AND status = 'checking'", [`${titlePrefix}%`]);
  return row?.n ?? 0;
}
