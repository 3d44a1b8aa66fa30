import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import pino from 'pino';
import request from 'supertest';
import type { Express } from 'express';
import { readEnv } from '../../config/env';
import { type CheckEngine } from '../../src/checks/engine';
import { createApp } from '../../src/http/app';
import { createRuntime, type Runtime } from '../../src/runtime';
import { createUnit, createPlatform, createUser } from '../../src/services/admin.service';
import type { CheckpointStore } from '../../src/services/audit-trail.service';
import type { CheckRunner } from '../../src/services/run-check.service';
import { startCheckWorker, type RunningWorker } from '../../workers/checks.worker';
import { ADMIN_DATABASE_URL, databaseUrl, REDIS_URL, TEMPLATE_ENV } from './db-urls';
import { loadCheckEngine } from '../../src/services/load-check-engine';

export const PASSWORD = 'Test-Pass-2026!';

let enginePromise: Promise<CheckEngine> | undefined;
/** One engine per test file process: loading dictionaries and the segmenter is the slow part. */
export const sharedEngine = () => (enginePromise ??= loadCheckEngine({ dictionaryDir: resolve(__dirname, '../../dictionaries') }));

export interface People {
  unitId: string;
  otherUnitId: string;
  officeUnitId: string;
  platformId: string;
  schoolPlatformId: string;
  otherPlatformId: string;
  tokens: Record<string, string>;
  ids: Record<string, string>;
}

export interface TestContext {
  runtime: Runtime;
  app: Express;
  databaseUrl: string;
  databaseName: string;
  prefix: string;
  checkpoints: CheckpointStore;
  worker: RunningWorker | null;
  people: People;
  api: (user: string) => {
    get: (path: string) => request.Test;
    post: (path: string, body?: object) => request.Test;
  };
  startWorker(runner?: CheckRunner): Promise<RunningWorker>;
  /** Runs SQL as the superuser, outside the app role (for tampering and inspection). */
  superuser<T extends Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

const ACCOUNTS: Array<{ username: string; roles: string[]; unit: 'unit' | 'other' | 'office' | null; isStaff?: boolean }> = [
  { username: 'editor', roles: ['editor'], unit: 'unit' },
  { username: 'editor2', roles: ['editor'], unit: 'unit' },
  { username: 'r1', roles: ['reviewer1'], unit: 'unit' },
  { username: 'r2', roles: ['reviewer2'], unit: 'unit' },
  { username: 'r3', roles: ['reviewer3'], unit: 'unit' },
  { username: 'multi', roles: ['reviewer1', 'reviewer2', 'reviewer3'], unit: 'unit' },
  { username: 'temp', roles: ['reviewer1'], unit: 'unit', isStaff: false },
  { username: 'foreign', roles: ['reviewer1', 'reviewer2', 'reviewer3', 'editor'], unit: 'other' },
  { username: 'prop', roles: ['propaganda'], unit: 'office' },
  { username: 'auditor', roles: ['auditor'], unit: 'office' },
  { username: 'admin', roles: ['admin'], unit: null },
];

export async function createTestContext(options: { worker?: boolean; accounts?: string[] } = {}): Promise<TestContext> {
  const template = process.env[TEMPLATE_ENV];
  if (!template) throw new Error('integration tests need the global setup (run them through jest)');
  const suffix = randomBytes(5).toString('hex');
  const databaseName = `sanshen_t_${process.pid}_${suffix}`;
  const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${databaseName}" TEMPLATE "${template}"`);
  await admin.end();

  const url = databaseUrl(databaseName);
  const prefix = `t${suffix}`;
  const env = readEnv({ QUEUE_PREFIX: prefix, LOG_LEVEL: 'silent', CHECK_MAX_ATTEMPTS: '3', NOTIFY_ALLOW_HOSTS: '127.0.0.1' });
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const runtime = createRuntime({ databaseUrl: url, redisUrl: REDIS_URL, env, role: 'api', logger });
  const checkpointDir = mkdtempSync(join(tmpdir(), 'sanshen-ckpt-'));
  const checkpoints: CheckpointStore = { dir: checkpointDir, key: randomBytes(32).toString('hex') };
  await runtime.events.attach(() => undefined, null);
  const app = createApp({ ...runtime.deps, checkpoints, health: runtime.health });

  const db = runtime.deps.db;
  const unit = await createUnit(db, null, { name: `学院${suffix}`, code: `U${suffix}` });
  const other = await createUnit(db, null, { name: `外院${suffix}`, code: `O${suffix}` });
  const office = await createUnit(db, null, { name: `宣传部${suffix}`, code: `X${suffix}` });
  const platform = await createPlatform(db, null, { name: '学院公众号', kind: 'wechat', level: 'unit', unitId: unit.id });
  const schoolPlatform = await createPlatform(db, null, { name: '学校微博', kind: 'weibo', level: 'school', unitId: office.id });
  const otherPlatform = await createPlatform(db, null, { name: '外院公众号', kind: 'wechat', level: 'unit', unitId: other.id });
  const unitOf = { unit: unit.id, other: other.id, office: office.id } as const;
  const wanted = ACCOUNTS.filter((a) => !options.accounts || options.accounts.includes(a.username));
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};
  await Promise.all(
    wanted.map(async (a) => {
      const user = await createUser(db, null, {
        username: a.username,
        displayName: `测试${a.username}`,
        staffId: `S-${a.username}`,
        unitId: a.unit ? unitOf[a.unit] : null,
        isStaff: a.isStaff ?? true,
        roles: a.roles as never,
        password: PASSWORD,
      });
      ids[a.username] = user.id;
      const res = await request(app).post('/api/auth/login').send({ username: a.username, password: PASSWORD });
      if (res.status !== 200) throw new Error(`login ${a.username}: ${res.status} ${JSON.stringify(res.body)}`);
      tokens[a.username] = res.body.token;
    }),
  );

  const ctx: TestContext = {
    runtime,
    app,
    databaseUrl: url,
    databaseName,
    prefix,
    checkpoints,
    worker: null,
    people: { unitId: unit.id, otherUnitId: other.id, officeUnitId: office.id, platformId: platform.id, schoolPlatformId: schoolPlatform.id, otherPlatformId: otherPlatform.id, tokens, ids },
    api: (user) => {
      const auth = `Bearer ${tokens[user] ?? 'none'}`;
      return {
        get: (path) => request(app).get(path).set('Authorization', auth),
        post: (path, body) =>
          request(app)
            .post(path)
            .set('Authorization', auth)
            .send(body ?? {}),
      };
    },
    async startWorker(runner) {
      const running = startCheckWorker(runtime, runner ?? (await sharedEngine()), REDIS_URL, {
        prefix,
        concurrency: 12,
        sweepIntervalMs: 60_000,
        sweepIdleMs: 0,
      });
      ctx.worker = running;
      await running.worker.waitUntilReady();
      return running;
    },
    async superuser(text, params) {
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query(text, params)).rows;
      } finally {
        await client.end();
      }
    },
    async close() {
      await ctx.worker?.close();
      await runtime.queue.queue.obliterate({ force: true }).catch(() => undefined);
      const keys = await runtime.redis.keys(`${prefix}:*`).catch(() => [] as string[]);
      if (keys.length > 0) await runtime.redis.del(...keys).catch(() => undefined);
      await runtime.close();
      rmSync(checkpointDir, { recursive: true, force: true });
      const cleanup = new Client({ connectionString: ADMIN_DATABASE_URL });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
      await cleanup.end();
    },
  };
  if (options.worker) await ctx.startWorker();
  return ctx;
}

/** Polls the API until the draft satisfies `until` (the worker runs asynchronously). */
export async function waitForDraft(
  ctx: TestContext,
  user: string,
  id: string,
  until: (draft: { status: string; stage: string | null; version: number; [k: string]: unknown }) => boolean,
  timeoutMs = 30_000,
): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  let last: Record<string, any> = {};
  while (Date.now() < deadline) {
    const res = await ctx.api(user).get(`/api/drafts/${id}`);
    last = res.body;
    if (res.status === 200 && until(res.body)) return res.body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`draft ${id} did not reach the expected state; last: ${JSON.stringify({ status: last.status, stage: last.stage, runs: last.checkRuns })}`);
}

export function draftBody(ctx: TestContext, over: Record<string, unknown> = {}) {
  return {
    platformId: ctx.people.platformId,
    title: '我校举办2026年秋季运动会',
    body: '11月20日，我校第五十届秋季田径运动会在东区体育场开幕。校领导出席开幕式并致辞。',
    format: 'markdown',
    ...over,
  };
}
