/**
 * npm run bench:board — how fast a decision reaches every open board. Two real API processes (src/main.ts, the
 * first also runs the check worker) share the real PostgreSQL and Redis of this machine; 50 socket.io Node
 * clients connect, split across both; reviewers decide over HTTP (alternating between the processes, one decision
 * at a time) and we time each decision's HTTP 200 to the moment its `draft.changed` reached all 50 clients.
 * Prints a table and writes bench/results/board.json; asserts nothing. Loopback only; stops what it starts.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { sql } from 'drizzle-orm';
import IORedis from 'ioredis';
import { io as connect, type Socket } from 'socket.io-client';
import { createDatabase, runMigrations } from '../src/db/pool';
import { createPlatform, createUnit, createUser } from '../src/services/admin.service';
import type { DraftChangedEvent } from '../src/shared/socket-contract';
import { startApiProcess, type ApiProcess } from '../test/helpers/api-process';
import { createBenchDatabase } from './lib/database';

const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 50);
const DRAFTS = Number(process.env.BENCH_DRAFTS ?? 70);
/** With BENCH_REFETCH=1 every client refetches GET /api/board on every push, as the browser board does. */
const REFETCH = process.env.BENCH_REFETCH === '1';
const RESULT_NAME = process.env.BENCH_RESULT_NAME ?? 'board.json';
const WARMUP = 9;
const PASSWORD = 'Bench-Pass-2026!';

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const stats = (values: number[]) => {
  const s = [...values].sort((x, y) => x - y);
  const round = (n: number) => Math.round(n * 10) / 10;
  return { n: s.length, p50: round(pct(s, 50)), p90: round(pct(s, 90)), p99: round(pct(s, 99)), max: round(s[s.length - 1] ?? NaN) };
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const bench = await createBenchDatabase('board');
  const databaseUrl = bench.url;
  const prefix = `benchboard${process.pid}_${randomBytes(3).toString('hex')}`;
  const processes: ApiProcess[] = [];
  const clients: Socket[] = [];
  const redis = new IORedis(REDIS_URL);
  const database = createDatabase(databaseUrl);

  try {
    await runMigrations(databaseUrl);
    const db = database.db;
    const unit = await createUnit(db, null, { name: '压测学院', code: 'BENCH' });
    const office = await createUnit(db, null, { name: '宣传部', code: 'XCB' });
    const platform = await createPlatform(db, null, { name: '压测公众号', kind: 'wechat', level: 'unit', unitId: unit.id });
    const people: Array<{ username: string; roles: string[]; unitId: string }> = [
      { username: 'editor', roles: ['editor'], unitId: unit.id },
      { username: 'r1', roles: ['reviewer1'], unitId: unit.id },
      { username: 'r2', roles: ['reviewer2'], unitId: unit.id },
      { username: 'r3', roles: ['reviewer3'], unitId: unit.id },
      { username: 'prop', roles: ['propaganda'], unitId: office.id },
      ...Array.from({ length: 6 }, (_, i) => ({ username: `watch${i}`, roles: ['reviewer1'], unitId: unit.id })),
    ];
    for (const p of people) {
      await createUser(db, null, { username: p.username, displayName: `压测${p.username}`, staffId: `B-${p.username}`, unitId: p.unitId, isStaff: true, roles: p.roles as never, password: PASSWORD });
    }

    process.stdout.write('starting two API processes (the first runs the check worker) …\n');
    processes.push(
      ...(await Promise.all([
        startApiProcess({ name: 'api-a', databaseUrl, prefix, redisUrl: REDIS_URL, env: { START_WORKER: '1', LOG_LEVEL: 'warn' }, timeoutMs: 60_000 }),
        startApiProcess({ name: 'api-b', databaseUrl, prefix, redisUrl: REDIS_URL, env: { LOG_LEVEL: 'warn' }, timeoutMs: 60_000 }),
      ])),
    );
    const [a, b] = processes as [ApiProcess, ApiProcess];

    const tokens: Record<string, string> = {};
    for (const [i, p] of people.entries()) {
      // Alternate processes: the login rate limit is per process and address.
      const res = await fetch(`${(i % 2 ? b : a).url}/api/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: p.username, password: PASSWORD }),
      });
      if (res.status !== 200) throw new Error(`login ${p.username}: ${res.status}`);
      tokens[p.username] = ((await res.json()) as { token: string }).token;
    }
    const call = async (proc: ApiProcess, user: string, path: string, body?: unknown) => {
      const res = await fetch(`${proc.url}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { Authorization: `Bearer ${tokens[user]}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };

    // Drafts to decide on: submitted over HTTP, checked by the worker, waiting at 初审.
    process.stdout.write(`submitting ${DRAFTS} drafts and waiting for the checks …\n`);
    const ids: string[] = [];
    for (let i = 0; i < DRAFTS; i++) {
      const res = await call(a, 'editor', '/api/drafts', {
        platformId: platform.id,
        title: `看板压测稿件 ${i + 1}`,
        body: '11月20日，学院在学术报告厅举办秋季学术报告会，师生百余人参加。',
        format: 'markdown',
      });
      if (res.status !== 201) throw new Error(`submit: ${res.status} ${JSON.stringify(res.body)}`);
      ids.push(res.body.id as string);
    }
    for (let i = 0; ; i++) {
      const ready = await database.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM drafts WHERE status = 'in_review'`);
      if ((ready.rows[0]?.n ?? 0) >= DRAFTS) break;
      if (i > 600) throw new Error('drafts did not reach review in time');
      await sleep(200);
    }

    // 50 board clients, half on each process, signed in as people who may all see the drafts.
    const viewers = ['r1', 'r2', 'r3', 'prop', 'editor', ...people.filter((p) => p.username.startsWith('watch')).map((p) => p.username)];
    const arrivals = new Map<string, number[]>();
    let duplicates = 0;
    const refetch: number[] = [];
    let refetchesInFlight = 0;
    let refetchErrors = 0;
    const refetchBoard = async (proc: ApiProcess, user: string) => {
      refetchesInFlight++;
      const started = performance.now();
      try {
        const res = await fetch(`${proc.url}/api/board`, { headers: { Authorization: `Bearer ${tokens[user]}` } });
        await res.arrayBuffer();
        if (res.status === 200) refetch.push(performance.now() - started);
        else refetchErrors++;
      } catch {
        refetchErrors++;
      } finally {
        refetchesInFlight--;
      }
    };
    for (let i = 0; i < CLIENTS; i++) {
      const proc = i % 2 ? b : a;
      const viewer = viewers[i % viewers.length]!;
      const socket = connect(proc.url, { transports: ['websocket'], reconnection: false, auth: { token: tokens[viewer] } });
      const seen = new Set<string>();
      socket.on('draft.changed', (e: DraftChangedEvent) => {
        const at = performance.now();
        const key = `${e.id}:${e.version}`;
        if (seen.has(key)) duplicates++;
        seen.add(key);
        const list = arrivals.get(key) ?? [];
        list.push(at);
        arrivals.set(key, list);
        if (REFETCH) void refetchBoard(proc, viewer);
      });
      clients.push(socket);
      await new Promise<void>((done, fail) => {
        socket.once('connect', () => done());
        socket.once('connect_error', (e) => fail(e));
      });
    }

    process.stdout.write(`deciding (${DRAFTS} drafts × 3 stages, one decision at a time) …\n`);
    const afterOk: number[] = [];
    const fromSend: number[] = [];
    const http: number[] = [];
    let beforeOk = 0;
    let missing = 0;
    let n = 0;
    for (const [stage, user] of [
      ['first', 'r1'],
      ['second', 'r2'],
      ['final', 'r3'],
    ] as const) {
      for (const id of ids) {
        const proc = n++ % 2 ? b : a;
        const current = await call(proc, user, `/api/drafts/${id}`);
        const sent = performance.now();
        const res = await call(proc, user, `/api/drafts/${id}/decisions`, { stage, action: 'approve', comment: '同意', version: current.body.version });
        const ok = performance.now();
        if (res.status !== 200) throw new Error(`decision ${stage}: ${res.status} ${JSON.stringify(res.body)}`);
        const key = `${id}:${res.body.version}`;
        const deadline = ok + 5_000;
        while ((arrivals.get(key)?.length ?? 0) < CLIENTS && performance.now() < deadline) await sleep(1);
        const times = arrivals.get(key) ?? [];
        if (times.length < CLIENTS) {
          missing += CLIENTS - times.length;
          continue;
        }
        while (refetchesInFlight > 0) await sleep(2);
        if (n <= WARMUP) continue;
        const last = Math.max(...times);
        if (last < ok) beforeOk++;
        afterOk.push(Math.max(0, last - ok));
        fromSend.push(last - sent);
        http.push(ok - sent);
        await sleep(20);
      }
    }

    const result = {
      bench: 'board',
      when: new Date().toISOString(),
      machine: { cpus: cpus().length, loadavg: loadavg().map((l) => Math.round(l * 100) / 100) },
      apiProcesses: 2,
      clients: CLIENTS,
      decisions: afterOk.length,
      warmup: WARMUP,
      duplicates,
      missing,
      pushesBeforeHttp200: beforeOk,
      ms: { http200ToAllClients: stats(afterOk), sendToAllClients: stats(fromSend), decisionHttp: stats(http), ...(REFETCH ? { boardRefetch: stats(refetch) } : {}) },
      ...(REFETCH ? { refetchErrors } : {}),
      target: { http200ToAllClientsP99: 150 },
    };
    const row = (label: string, s: ReturnType<typeof stats>) => `${label.padEnd(42)}${String(s.p50).padStart(8)}${String(s.p90).padStart(8)}${String(s.p99).padStart(8)}${String(s.max).padStart(8)}`;
    const out = [
      '',
      `bench:board — 2 API processes, ${CLIENTS} socket.io clients (${Math.ceil(CLIENTS / 2)} + ${Math.floor(CLIENTS / 2)}), ${afterOk.length} decisions (after ${WARMUP} warm-up)`,
      `${'ms'.padEnd(42)}${'p50'.padStart(8)}${'p90'.padStart(8)}${'p99'.padStart(8)}${'max'.padStart(8)}`,
      row('HTTP 200 → draft.changed at all', result.ms.http200ToAllClients),
      row('request sent → draft.changed at all', result.ms.sendToAllClients),
      row('decision HTTP (sent → 200)', result.ms.decisionHttp),
      ...(REFETCH ? [row(`GET /api/board, ${CLIENTS} clients refetching`, stats(refetch)), `board refetch errors: ${refetchErrors}`] : []),
      `pushes that reached all clients before the 200: ${beforeOk}; duplicates: ${duplicates}; missing: ${missing}`,
      `target: p99 HTTP 200 → all clients < 150 ms — ${result.ms.http200ToAllClients.p99 < 150 ? 'met' : 'NOT met'} (load average ${result.machine.loadavg.join(' ')})`,
      '',
    ];
    process.stdout.write(out.join('\n'));
    const dir = resolve(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, RESULT_NAME), `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`written to ${join(dir, RESULT_NAME)}\n`);
  } finally {
    for (const c of clients) c.disconnect();
    await Promise.all(processes.map((p) => p.stop()));
    await database.close().catch(() => undefined);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
    redis.disconnect();
    await bench.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
