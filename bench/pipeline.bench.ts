/**
 * npm run bench:pipeline — submissions/s accepted, and submit → in_review latency at a steady rate, on the real
 * PostgreSQL and Redis of this machine. The API runs in this process, the check worker in its own process, as
 * in production. Prints numbers; asserts nothing. Loopback only; stops everything it starts.
 */
import { execFileSync, fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { resolve } from 'node:path';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { readEnv } from '../config/env';
import { runMigrations } from '../src/db/pool';
import { createRedis } from '../src/queue/connections';
import { DRAFT_CHANNEL } from '../src/realtime/draft-events';
import { createRuntime } from '../src/runtime';
import { createPlatform, createUnit, createUser } from '../src/services/admin.service';
import { login } from '../src/services/auth.service';
import type { DraftChange } from '../src/services/deps';
import { startApiProcess } from '../test/helpers/api-process';
import { createBenchDatabase } from './lib/database';

const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const BURST = Number(process.env.BENCH_BURST ?? 2000);
const RATE = Number(process.env.BENCH_RATE ?? 50);
const STEADY_SECONDS = Number(process.env.BENCH_SECONDS ?? 20);

const CHARS = Number(process.env.BENCH_CHARS ?? 400);
const API_PROCESSES = Math.max(1, Number(process.env.BENCH_API_PROCESSES ?? 2));

// Campus-news paragraphs written for this benchmark; drafts are cut from them at BENCH_CHARS characters.
const PARAGRAPHS = [
  '11月20日，学校第五十届秋季田径运动会在东区体育场开幕。校党委书记出席开幕式并讲话，全校三十个学院的两千余名运动员参加比赛。本届运动会设置田径、趣味运动和教职工项目，旨在展示青春风采、弘扬体育精神。',
  '近日，学校图书馆完成新一轮空间改造，新增研讨室十二间、自习座位六百个，并延长考试周开放时间至晚上十一点。读者可通过图书馆微信公众号预约研讨室，每次最长使用三小时。',
  '为做好今冬明春校园安全工作，保卫处联合后勤管理处对学生宿舍、实验楼开展消防安全检查，共排查隐患四十余处，均已督促整改。请同学们不要在宿舍使用大功率电器，离开时关闭电源。',
  '化学与材料学院青年教师团队在新能源材料领域取得新进展，相关成果发表于国际学术期刊。团队负责人表示，下一步将与企业合作开展中试，推动成果转化。',
  '学校第十二届研究生学术论坛日前举行，来自十五个学院的八十余名研究生作报告。论坛设理工、人文社科、医学三个分会场，评选出优秀报告二十篇。',
];

function draftBody(n: number): string {
  let text = '';
  for (let i = n; text.length < CHARS; i++) text += PARAGRAPHS[i % PARAGRAPHS.length]! + '\n\n';
  return text.slice(0, CHARS);
}

/** Peak resident memory of a process so far, in MB (VmHWM), from /proc. */
function peakRssMb(pid: number | undefined): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmHWM:'));
    return line ? Number(line.replace(/\D+/g, '')) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

const round = (n: number) => Math.round(n * 100) / 100;

/** CPU seconds (user + system) a process has used, from /proc (0 once it has gone). */
function cpuSeconds(pid: string): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime: fields 14 and 15 of stat
  } catch {
    return 0;
  }
}

function redisCpuSeconds(): number {
  try {
    return execFileSync('pgrep', ['-x', 'redis-server'], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .reduce((t, pid) => t + cpuSeconds(pid), 0);
  } catch {
    return 0;
  }
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function main(): Promise<void> {
  const suffix = `${process.pid}_${randomBytes(3).toString('hex')}`;
  const bench = await createBenchDatabase('pipeline');
  const databaseUrl = bench.url;
  await runMigrations(databaseUrl);

  const prefix = `bench${suffix}`;
  const env = readEnv({ QUEUE_PREFIX: prefix, LOG_LEVEL: 'silent' });
  // This process is the load generator and observer; the API runs as real processes, as behind a load balancer.
  const runtime = createRuntime({ databaseUrl, redisUrl: REDIS_URL, env, role: 'api', logger: pino({ level: 'silent' }) });
  const apis = await Promise.all(
    Array.from({ length: API_PROCESSES }, (_, i) => startApiProcess({ name: `api-${i}`, databaseUrl, prefix, redisUrl: REDIS_URL, env: { LOG_LEVEL: 'warn' }, timeoutMs: 120_000 })),
  );
  const apiPids = apis.map((a) => String(a.child.pid));
  for (const a of apis) children.add(a.child);

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

  // A plain keep-alive HTTP client: the load generator shares the machine, so it should cost as little as it can.
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let posts = 0;
  const postOnce = (path: string, body: string, idempotencyKey: string) =>
    new Promise<{ status: number; body: string }>((done, fail) => {
      const base = apis[posts++ % apis.length]!.url;
      const headers = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Authorization: `Bearer ${token}`, 'Idempotency-Key': idempotencyKey };
      const req = request(`${base}${path}`, { method: 'POST', agent, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => done({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', fail);
      req.end(body);
    });
  // A kept-alive socket the server is closing just as a request goes out is reset: send it again, as an API
  // client should, under the same Idempotency-Key so that it can never be accepted twice.
  const post = async (path: string, body: string) => {
    const key = `bench-${suffix}-${randomBytes(8).toString('hex')}`;
    for (let attempt = 1; ; attempt++) {
      try {
        return await postOnce(path, body, key);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (attempt >= 3 || (code !== 'ECONNRESET' && code !== 'EPIPE')) throw error;
      }
    }
  };

  let n = 0;
  const submit = async (track: boolean): Promise<number> => {
    const body = JSON.stringify({ platformId: platform.id, title: `压测稿件 ${++n}`, body: draftBody(n), format: 'text' });
    const started = performance.now();
    const res = await post('/api/drafts', body);
    const json = JSON.parse(res.body) as { id?: string };
    if (res.status !== 201 || !json.id) throw new Error(`submit failed: ${res.status} ${res.body}`);
    if (track) sentAt.set(json.id, started);
    return performance.now() - started;
  };

  // 0. Intake alone: the worker is not running yet, so every acknowledged draft's checks queue up in Redis and
  //    PostgreSQL (as during a rush, or while workers restart).
  const intakeLatency: number[] = [];
  // PostgreSQL's share is that of the bench database's own backends (the API's pool), not of other databases.
  const backends = async () => (await runtime.deps.db.execute<{ pid: number }>(sql`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)).rows.map((r) => String(r.pid));
  const pgPids = new Set(await backends());
  const pgBefore = new Map([...pgPids].map((pid) => [pid, cpuSeconds(pid)]));
  const cpuBefore = { redis: redisCpuSeconds(), api: apiPids.reduce((t, pid) => t + cpuSeconds(pid), 0) };
  const intakeStart = performance.now();
  let intakeNext = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (intakeNext++ < BURST) intakeLatency.push(await submit(false));
    }),
  );
  const intakeSeconds = (performance.now() - intakeStart) / 1000;
  for (const pid of await backends()) pgPids.add(pid);
  const pgCpu = [...pgPids].reduce((t, pid) => t + cpuSeconds(pid) - (pgBefore.get(pid) ?? 0), 0);
  const redisCpu = redisCpuSeconds() - cpuBefore.redis;
  const apiCpu = apiPids.reduce((t, pid) => t + cpuSeconds(pid), 0) - cpuBefore.api;
  // CPU milliseconds each acceptance costs, whatever else the machine is doing: with C cores the intake ceiling
  // is about C × 1000 / (sum of these) submissions/s.
  const cpuPerDraft = {
    api: (apiCpu * 1000) / BURST,
    postgres: (pgCpu * 1000) / BURST,
    redis: (redisCpu * 1000) / BURST,
  };
  intakeLatency.sort((a, b) => a - b);

  const worker = fork(resolve(__dirname, '..', 'workers', 'checks.worker.ts'), [], {
    env: { ...process.env, DATABASE_URL: databaseUrl, REDIS_URL, QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn' },
    // BENCH_WORKER_PROFILE=dir writes a V8 CPU profile of the worker's main thread there when it exits.
    execArgv: ['--import', 'tsx', ...(process.env.BENCH_WORKER_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_WORKER_PROFILE}`] : [])],
  });

  children.add(worker);
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

  // 2. Steady: RATE submissions/s for STEADY_SECONDS; latency submit → in_review. CPU is counted per process over the
  //    phase (submission, checks and the drain after it), so the bottleneck shows.
  const steadyTotal = RATE * STEADY_SECONDS;
  const steadyPg = new Set(await backends());
  const steadyPgBefore = new Map([...steadyPg].map((pid) => [pid, cpuSeconds(pid)]));
  const steadyBefore = {
    api: apiPids.reduce((t, pid) => t + cpuSeconds(pid), 0),
    worker: cpuSeconds(String(worker.pid)),
    redis: redisCpuSeconds(),
    self: process.cpuUsage(),
  };
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
  for (const pid of await backends()) steadyPg.add(pid);
  const selfCpu = process.cpuUsage(steadyBefore.self);
  const perSteadyDraft = (seconds: number) => round((seconds * 1000) / steadyTotal);
  const steadyCpu = {
    api: perSteadyDraft(apiPids.reduce((t, pid) => t + cpuSeconds(pid), 0) - steadyBefore.api),
    worker: perSteadyDraft(cpuSeconds(String(worker.pid)) - steadyBefore.worker),
    postgres: perSteadyDraft([...steadyPg].reduce((t, pid) => t + cpuSeconds(pid) - (steadyPgBefore.get(pid) ?? 0), 0)),
    redis: perSteadyDraft(redisCpuSeconds() - steadyBefore.redis),
    loadGenerator: perSteadyDraft((selfCpu.user + selfCpu.system) / 1e6),
  };

  const apiRss = Math.max(...apis.map((a) => peakRssMb(a.child.pid)));
  const workerRss = peakRssMb(worker.pid);
  const cpuTotal = cpuPerDraft.api + cpuPerDraft.postgres + cpuPerDraft.redis;
  const result = {
    draftChars: CHARS,
    intake: { drafts: BURST, clients: 32, acceptedPerSecond: Math.round(BURST / intakeSeconds), p50Ms: round(pct(intakeLatency, 50)), p99Ms: round(pct(intakeLatency, 99)) },
    cpuPerDraftMs: {
      api: round(cpuPerDraft.api),
      postgres: round(cpuPerDraft.postgres),
      redis: round(cpuPerDraft.redis),
      ceilingPerSecond: Math.round((availableParallelism() * 1000) / cpuTotal),
    },
    burst: { drafts: BURST, clients: 32, acceptedPerSecond: Math.round(BURST / burstSeconds), p50Ms: round(pct(acceptLatency, 50)), p99Ms: round(pct(acceptLatency, 99)) },
    steady: {
      rate: RATE,
      seconds: STEADY_SECONDS,
      drafts: steadyTotal,
      reachedInReview: reviewLatency.length,
      pending: sentAt.size,
      submitToInReviewP50Ms: Math.round(pct(reviewLatency, 50)),
      submitToInReviewP99Ms: Math.round(pct(reviewLatency, 99)),
      cpuPerDraftMs: steadyCpu,
    },
    peakRssMb: { api: Math.round(apiRss), worker: Math.round(workerRss) },
  };
  console.log(`\nsanshen bench:pipeline (real PostgreSQL + Redis, ${API_PROCESSES} API processes, 1 worker process, ${runtime.deps.checkIds.length} checks, drafts of ${CHARS} chars)`);
  console.log(`  intake: ${BURST} submissions, 32 concurrent clients, worker idle → ${result.intake.acceptedPerSecond} accepted/s (201 p50 ${result.intake.p50Ms} ms, p99 ${result.intake.p99Ms} ms)`);
  console.log(
    `          CPU per accepted draft: API processes ${result.cpuPerDraftMs.api} ms, PostgreSQL backends ${result.cpuPerDraftMs.postgres} ms, Redis ${result.cpuPerDraftMs.redis} ms (all of Redis) → ceiling on ${availableParallelism()} cores ≈ ${result.cpuPerDraftMs.ceilingPerSecond}/s`,
  );
  console.log(`  burst:  ${BURST} submissions, 32 concurrent clients, worker checking → ${result.burst.acceptedPerSecond} accepted/s (201 p50 ${result.burst.p50Ms} ms, p99 ${result.burst.p99Ms} ms)`);
  console.log(
    `  steady: ${RATE}/s for ${STEADY_SECONDS} s → submit→in_review p50 ${result.steady.submitToInReviewP50Ms} ms, p99 ${result.steady.submitToInReviewP99Ms} ms; ${reviewLatency.length}/${steadyTotal} reached in_review, ${sentAt.size} still pending`,
  );
  console.log(
    `          CPU per draft (submit + checks): API ${steadyCpu.api} ms, worker ${steadyCpu.worker} ms, PostgreSQL ${steadyCpu.postgres} ms, Redis ${steadyCpu.redis} ms, this load generator ${steadyCpu.loadGenerator} ms`,
  );
  console.log(`  peak RSS: API process (largest) ${result.peakRssMb.api} MB, worker process ${result.peakRssMb.worker} MB\n`);
  const resultsDir = resolve(__dirname, 'results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(resolve(resultsDir, process.env.BENCH_RESULT_NAME ?? 'pipeline.json'), `${JSON.stringify(result, null, 2)}\n`);

  worker.kill('SIGTERM');
  await new Promise((r) => worker.once('exit', r));
  subscriber.disconnect();
  agent.destroy();
  await Promise.all(apis.map((a) => a.stop()));
  await runtime.queue.queue.obliterate({ force: true }).catch(() => undefined);
  await runtime.close();
  await bench.drop();
}

/** Child processes to stop if the run fails, so none outlives the bench. */
const children = new Set<{ kill(signal?: NodeJS.Signals): boolean }>();

main().catch((error: unknown) => {
  console.error(error);
  for (const child of children) child.kill('SIGKILL');
  process.exit(1);
});
