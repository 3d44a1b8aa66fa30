import { submission, waitUntil } from '../app';
import { freePort, sleep } from '../infra';
import { percentile, round, type Scenario } from '../scenario';
import { statusCounts } from './common';

/**
 * Redis stopped (60 s by default): submissions still get 201, and their checks complete after Redis returns,
 * with neither the API nor the worker restarted. PostgreSQL stopped: every submission gets 503 with a clear JSON
 * error and nothing is stored; once PostgreSQL is back the same API process accepts drafts again.
 */
export const outages: Scenario = {
  name: 'outages',
  title: 'Redis down: intake continues; PostgreSQL down: 503, nothing acknowledged, recovery without restart',
  deadlineMs: (o) => (o.redisOutageSeconds + (o.quick ? 180 : 300)) * 1_000,
  async run({ stage, options, signal, figure, expect, log }) {
    const api = stage.api();
    await api.start();
    const worker = stage.worker();
    await worker.start();
    const apiPid = api.pid;
    const firstPort = stage.apiPort;
    const workerPid = worker.pid;
    let n = 0;
    const submit = (title: string, key = `o3-${n}`) => stage.http('editor', 'POST', '/api/drafts', submission(stage, title, n++), { 'Idempotency-Key': key });
    const statusOf = async (id: string) => (await stage.http('editor', 'GET', `/api/drafts/${id}`)).body?.status as string | undefined;

    // Warm-up: the pipeline works before the fault.
    const warm = await submit('O3-warm 学院活动报道');
    expect(warm.status === 201, `warm-up submission got ${warm.status}`);
    await waitUntil(async () => (await statusOf(warm.body.id)) !== 'checking', 60_000, signal);

    // ── Redis down ──
    await stage.redis.stop('SIGTERM');
    const redisDown = performance.now();
    log(`Redis stopped for ${options.redisOutageSeconds} s; submitting at 2/s`);
    const health = await stage.http(null, 'GET', '/api/health');
    const during: Array<{ status: number; ms: number; id?: string }> = [];
    const outageEnds = redisDown + options.redisOutageSeconds * 1_000;
    let i = 0;
    while (performance.now() < outageEnds && !signal.aborted) {
      const due = redisDown + i * 500;
      if (due > performance.now()) await sleep(due - performance.now());
      if (performance.now() >= outageEnds) break;
      const res = await submit(`O3-redis-${i} 学院活动报道`);
      during.push({ status: res.status, ms: res.ms, id: res.body?.id });
      i++;
    }
    const apiAlive = api.alive && api.pid === apiPid;
    const workerAliveDuringOutage = worker.alive && worker.pid === workerPid;
    // An API process (re)started while Redis is still down must come up and take drafts too.
    stage.apiPort = await freePort();
    const second = stage.api();
    const secondStart = await second.start(20_000).then(
      (ms) => ({ ms, error: null as string | null }),
      (error: unknown) => ({ ms: null, error: error instanceof Error ? error.message : String(error) }),
    );
    const secondSubmit = secondStart.error ? null : await submit('O3-redis-restarted-api 学院活动报道');
    if (secondSubmit?.body?.id) during.push({ status: secondSubmit.status, ms: secondSubmit.ms, id: secondSubmit.body.id });
    await second.stop('SIGTERM');
    stage.apiPort = firstPort;
    await stage.redis.start();
    const redisBack = performance.now();
    log(`Redis back after ${round((redisBack - redisDown) / 1000)} s; ${during.length} drafts submitted meanwhile`);
    const ids = during.flatMap((d) => (d.id ? [d.id] : []));
    const checked = await waitUntil(
      async () => {
        const [row] = await stage.sql<{ n: number }>("SELECT count(*)::int AS n FROM drafts WHERE id = ANY($1::uuid[]) AND status = 'checking'", [ids]);
        return row?.n === 0;
      },
      options.quick ? 120_000 : 180_000,
      signal,
      500,
    );
    const drainSeconds = (performance.now() - redisBack) / 1000;
    const [failedRows] = await stage.sql<{ n: number }>("SELECT count(*)::int AS n FROM drafts WHERE id = ANY($1::uuid[]) AND status = 'checks_failed'", [ids]);
    figure('redisOutageSeconds', round((redisBack - redisDown) / 1000));
    figure('healthDuringRedisOutage', { status: health.status, redis: health.body?.redis ?? null, db: health.body?.db ?? null });
    figure('submittedDuringRedisOutage', during.length);
    figure('answersDuringRedisOutage', statusCounts(during.map((d) => d.status)));
    figure(
      'submitP50MsDuringRedisOutage',
      Math.round(
        percentile(
          during.map((d) => d.ms),
          50,
        ),
      ),
    );
    figure(
      'submitP99MsDuringRedisOutage',
      Math.round(
        percentile(
          during.map((d) => d.ms),
          99,
        ),
      ),
    );
    figure('checkedSecondsAfterRedisReturned', checked ? round(drainSeconds) : null);
    figure('checksFailedAfterRedisOutage', failedRows?.n ?? 0);
    figure('apiStartedDuringRedisOutage', secondStart.error ? secondStart.error : `${Math.round(secondStart.ms!)} ms, submission ${secondSubmit?.status}`);
    figure('apiRestarted', !apiAlive);
    figure('workerRestarted', !(workerAliveDuringOutage && worker.alive && worker.pid === workerPid));
    expect(during.length > 0 && during.every((d) => d.status === 201), 'a submission during the Redis outage did not get 201');
    expect(health.status === 200 && health.body?.redis === 'down', 'health did not report redis down with the API up');
    expect(checked, 'drafts accepted during the Redis outage were not all checked after it returned');
    expect((failedRows?.n ?? 0) === 0, 'drafts accepted during the Redis outage ended in checks_failed');
    expect(apiAlive, 'the API process died during the Redis outage');
    expect(secondSubmit?.status === 201, `an API process started during the Redis outage did not take drafts (${secondStart.error ?? secondSubmit?.status})`);
    expect(workerAliveDuringOutage && worker.alive && worker.pid === workerPid, 'the worker process died or was restarted during the Redis outage');

    // ── PostgreSQL down ──
    await stage.pg.stop('fast');
    const pgDown = performance.now();
    log('PostgreSQL stopped; every submission must get 503');
    const refused: Array<{ status: number; ms: number; code?: string; message?: string; title: string }> = [];
    for (let k = 0; k < 20 && !signal.aborted; k++) {
      const title = `O3-pgdown-${k} 学院活动报道`;
      const res = await submit(title, `o3-pgdown-${k}`);
      refused.push({ status: res.status, ms: res.ms, code: res.body?.error?.code, message: res.body?.error?.message, title });
    }
    const healthDown = await stage.http(null, 'GET', '/api/health');
    await sleep(Math.max(0, 3_000 - (performance.now() - pgDown)));
    await stage.pg.start();
    const pgBack = performance.now();
    // The same API process must take drafts again by itself: probe with fresh drafts until one gets 201.
    let recovered: { id: string; seconds: number } | null = null;
    const probes: number[] = [];
    let p = 0;
    while (!recovered && performance.now() - pgBack < 60_000 && !signal.aborted) {
      const res = await submit(`O3-pgprobe-${p} 学院活动报道`, `o3-pgprobe-${p}`);
      p++;
      probes.push(res.status);
      if (res.status === 201) recovered = { id: res.body.id, seconds: (performance.now() - pgBack) / 1000 };
      else await sleep(200);
    }
    const checkedAfter = recovered ? await waitUntil(async () => (await statusOf(recovered!.id)) === 'in_review', 90_000, signal) : false;
    const stored = await stage.sql<{ n: number }>('SELECT count(*)::int AS n FROM drafts WHERE title = ANY($1::text[])', [refused.map((r) => r.title)]);
    const unacknowledgedProbes = await stage.sql<{ n: number }>("SELECT count(*)::int AS n FROM drafts WHERE title LIKE 'O3-pgprobe-%' AND title <> ALL($1::text[])", [
      recovered ? [`O3-pgprobe-${p - 1} 学院活动报道`] : [],
    ]);
    figure('answersWhilePostgresDown', statusCounts(refused.map((r) => r.status)));
    figure('errorWhilePostgresDown', refused[0] ? { code: refused[0].code ?? null, message: refused[0].message ?? null } : null);
    figure(
      'refusalP99MsWhilePostgresDown',
      Math.round(
        percentile(
          refused.map((r) => r.ms),
          99,
        ),
      ),
    );
    figure('healthWhilePostgresDown', healthDown.status);
    figure('storedWhilePostgresDown', stored[0]?.n ?? 0);
    figure('probesUntilRecovered', statusCounts(probes));
    figure('recoveredSecondsAfterPostgresReturned', recovered ? round(recovered.seconds) : null);
    figure('probeReachedInReview', checkedAfter);
    figure('apiRestartedForPostgres', !(api.alive && api.pid === apiPid));
    expect(
      refused.every((r) => r.status === 503 && r.code === 'service_unavailable' && !!r.message),
      'a submission while PostgreSQL was down got something other than 503 service_unavailable with a message',
    );
    expect(healthDown.status === 503, `health answered ${healthDown.status} while PostgreSQL was down`);
    expect((stored[0]?.n ?? 0) === 0, 'drafts refused with 503 were stored anyway');
    expect((unacknowledgedProbes[0]?.n ?? 0) === 0, 'probes answered with 503 were stored anyway');
    expect(recovered !== null, 'the API did not accept drafts within 60 s of PostgreSQL returning');
    expect(checkedAfter, 'the draft accepted after PostgreSQL returned was not checked (worker did not recover)');
    expect(api.alive && api.pid === apiPid, 'the API process was restarted or died');
    expect(worker.alive && worker.pid === workerPid, 'the worker process was restarted or died');
  },
};
