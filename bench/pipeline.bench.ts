/**
 * npm run bench:pipeline — submissions/s accepted, and submit → in_review latency at a steady rate, on the real
 * PostgreSQL and Redis of this machine. The API runs in this process, the check worker in its own process, as
 * in production. Prints numbers; asserts nothing. Loopback only; stops everything it starts.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { Client } from 'pg';
import pino from 'pino';
import { readEnv } from '../config/env';
import { runMigrations } from '../src/db/pool';
import { createApp } from '../src/http/app';
import { createRedis } from '../src/queue/connections';
import { DRAFT_CHANNEL } from '../src/realtime/draft-events';
import { createRuntime } from '../src/runtime';
import { createPlatform, createUnit, createUser } from '../src/services/admin.service';
import { login } from '../src/services/auth.service';
import type { DraftChange } from '../src/services/deps';

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const BURST = Number(process.env.BENCH_BURST ?? 2000);
const RATE = Number(process.env.BENCH_RATE ?? 50);
const STEADY_SECONDS = Number(process.env.BENCH_SECONDS ?? 20);

const PARAGRAPH =
  '11月20日，学校第五十届秋季田径运动会在东区体育场开幕。校党委书记出席开幕式并讲话，全校三十个学院的两千余名运动员参加比赛。本届运动会设置田径、趣味运动和教职工项目，旨在展示青春风采、弘扬体育精神。';

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function main(): Promise<void> {
  const suffix = `${process.pid}_${randomBytes(3).toString('hex')}`;
  const dbName = `sanshen_bench_${suffix}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  const databaseUrl = url.toString();
  await runMigrations(databaseUrl);

  const prefix = `bench${suffix}`;
  const env = readEnv({ QUEUE_PREFIX: prefix, LOG_LEVEL: 'silent' });
  const runtime = createRuntime({ databaseUrl, redisUrl: REDIS_URL, env, role: 'api', logger: pino({ level: 'silent' }) });
  await runtime.events.attach(() => undefined, null);
  const app = createApp({ ...runtime.deps, checkpoints: null, health: runtime.health });
  const server = createServer(app);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const unit = await createUnit(runtime.deps.db, null, { name: '压测学院', code: 'BENCH' });
  const platform = await createPlatform(runtime.deps.db, null, { name: '压测公众号', kind: 'wechat', level: 'unit', unitId: unit.id });
  await createUser(runtime.deps.db, null, { username: 'bench', displayName: '压测', unitId: unit.id, isStaff: true, roles: ['editor'], password: 'Bench-Pass-2026!' });
  const { token } = await login(runtime.deps.db, { username: 'bench', password: 'Bench-Pass-2026!', ip: '127.0.0.1', absoluteHours: 1 });

  // Completion times come from the committed draft.changed events the worker publishes.
  const sentAt = new Map<string, number>();
  const reviewLatency: number[] = [];
  const subscriber = createRedis(REDIS_URL, 'subscriber');
  subscriber.on('message', (_channel: string, message: string) => {
    const change = (JSON.parse(message) as { change: DraftChange }).change;
    const sent = sentAt.get(change.id);
    if (sent !== undefined && change.status === 'in_review') {
      reviewLatency.push(performance.now() - sent);
      sentAt.delete(change.id);
    }
  });
  await subscriber.subscribe(DRAFT_CHANNEL);

  let n = 0;
  const submit = async (track: boolean): Promise<number> => {
    const body = JSON.stringify({ platformId: platform.id, title: `压测稿件 ${++n}`, body: PARAGRAPH.repeat(4), format: 'text' });
    const started = performance.now();
    const res = await fetch(`${base}/api/drafts`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body });
    const json = (await res.json()) as { id?: string };
    if (res.status !== 201 || !json.id) throw new Error(`submit failed: ${res.status} ${JSON.stringify(json)}`);
    if (track) sentAt.set(json.id, started);
    return performance.now() - started;
  };

  // 0. Intake alone: the worker is not running yet, so every acknowledged draft's checks queue up in Redis and
  //    PostgreSQL (as during a rush, or while workers restart).
  const intakeLatency: number[] = [];
  const intakeStart = performance.now();
  let intakeNext = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (intakeNext++ < BURST) intakeLatency.push(await submit(false));
    }),
  );
  const intakeSeconds = (performance.now() - intakeStart) / 1000;
  intakeLatency.sort((a, b) => a - b);

  const worker = fork(resolve(__dirname, '..', 'workers', 'checks.worker.ts'), [], {
    env: { ...process.env, DATABASE_URL: databaseUrl, REDIS_URL, QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn', WORKER_CONCURRENCY: '8' },
    execArgv: ['--import', 'tsx'],
  });

  // Wait for the worker (it loads dictionaries and the segmenter).
  await submit(false);
  for (let i = 0; i < 100; i++) {
    const rows = await runtime.deps.db.execute<{ n: number }>("SELECT count(*)::int AS n FROM drafts WHERE status = 'in_review'" as never);
    if ((rows.rows[0]?.n ?? 0) > 0) break;
    await new Promise((r) => setTimeout(r, 200));
  }

  // Let the worker drain the intake burst first.
  for (let i = 0; i < 600; i++) {
    const counts = await runtime.queue.queue.getJobCounts('waiting', 'active', 'delayed');
    if ((counts.waiting ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0) === 0) break;
    await new Promise((r) => setTimeout(r, 250));
  }

  // 1. Burst while the worker checks everything it accepts: API, worker and PostgreSQL share the two cores.
  const acceptLatency: number[] = [];
  const burstStart = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next++ < BURST) acceptLatency.push(await submit(false));
    }),
  );
  const burstSeconds = (performance.now() - burstStart) / 1000;
  acceptLatency.sort((a, b) => a - b);

  // Let the worker drain the burst before measuring the steady rate.
  for (let i = 0; i < 600; i++) {
    const counts = await runtime.queue.queue.getJobCounts('waiting', 'active', 'delayed');
    if ((counts.waiting ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0) === 0) break;
    await new Promise((r) => setTimeout(r, 250));
  }

  // 2. Steady: RATE submissions/s for STEADY_SECONDS; latency submit → in_review.
  const steadyTotal = RATE * STEADY_SECONDS;
  const steadyStart = performance.now();
  const pending: Promise<number>[] = [];
  for (let i = 0; i < steadyTotal; i++) {
    const due = steadyStart + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(submit(true));
  }
  await Promise.all(pending);
  for (let i = 0; i < 120 && sentAt.size > 0; i++) await new Promise((r) => setTimeout(r, 250));
  reviewLatency.sort((a, b) => a - b);

  const rss = process.memoryUsage().rss / 1024 / 1024;
  console.log('\nsanshen bench:pipeline (real PostgreSQL + Redis, API in-process, 1 worker process, 6 checks)');
  console.log(`  intake: ${BURST} submissions, 32 concurrent clients, worker idle → ${(BURST / intakeSeconds).toFixed(0)} accepted/s (201 p50 ${pct(intakeLatency, 50).toFixed(1)} ms, p99 ${pct(intakeLatency, 99).toFixed(1)} ms)`);
  console.log(`  burst:  ${BURST} submissions, 32 concurrent clients, worker checking → ${(BURST / burstSeconds).toFixed(0)} accepted/s (201 p50 ${pct(acceptLatency, 50).toFixed(1)} ms, p99 ${pct(acceptLatency, 99).toFixed(1)} ms)`);
  console.log(`  steady: ${RATE}/s for ${STEADY_SECONDS} s (${steadyTotal} drafts of ${PARAGRAPH.length * 4} chars) → submit→in_review p50 ${pct(reviewLatency, 50).toFixed(0)} ms, p99 ${pct(reviewLatency, 99).toFixed(0)} ms; ${reviewLatency.length}/${steadyTotal} reached in_review, ${sentAt.size} still pending`);
  console.log(`  api process RSS ${rss.toFixed(0)} MB\n`);

  worker.kill('SIGTERM');
  await new Promise((r) => worker.once('exit', r));
  subscriber.disconnect();
  server.close();
  await runtime.queue.queue.obliterate({ force: true }).catch(() => undefined);
  await runtime.close();
  const cleanup = new Client({ connectionString: ADMIN_URL });
  await cleanup.connect();
  await cleanup.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await cleanup.end();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
