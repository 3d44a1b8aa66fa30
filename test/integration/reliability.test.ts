import pino from 'pino';
import request from 'supertest';
import { readEnv } from '../../config/env';
import { auditEventHash } from '../../src/domain/audit';
import { createApp } from '../../src/http/app';
import { createRuntime } from '../../src/runtime';
import { writeCheckpoint } from '../../src/services/audit-trail.service';
import { REDIS_URL } from '../helpers/db-urls';
import { createTestContext, draftBody, sharedEngine, waitForDraft, type TestContext } from '../helpers/test-context';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ accounts: ['editor', 'r1', 'auditor', 'admin'] });
});
afterAll(async () => {
  await ctx?.close();
});
afterEach(async () => {
  await ctx.worker?.close();
  ctx.worker = null;
});

describe('idempotent submission', () => {
  it('answers the same key and body with the same draft, even concurrently, and refuses another body', async () => {
    const body = draftBody(ctx, { title: '幂等投稿' });
    const send = (b: object) => ctx.api('editor').post('/api/drafts', b).set('Idempotency-Key', 'key-001');
    const answers = await Promise.all([send(body), send(body), send(body)]);
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201]);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    const rows = await ctx.superuser<{ n: number }>('SELECT count(*)::int AS n FROM drafts WHERE title = $1', ['幂等投稿']);
    expect(rows[0]?.n).toBe(1);
    const other = await send({ ...body, title: '另一篇' });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('idempotency_mismatch');
  });
});

describe('owed checks survive Redis losing them', () => {
  it('re-drives a draft whose jobs were flushed from Redis', async () => {
    const res = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { title: '丢失的任务' }));
    expect(res.status).toBe(201);
    // Lose every queued job before any worker sees it.
    await new Promise((r) => setTimeout(r, 100));
    const keys = await ctx.runtime.redis.keys(`${ctx.prefix}:*`);
    expect(keys.length).toBeGreaterThan(0);
    await ctx.runtime.redis.del(...keys);
    const worker = await ctx.startWorker();
    await new Promise((r) => setTimeout(r, 300));
    expect((await ctx.api('editor').get(`/api/drafts/${res.body.id}`)).body.status).toBe('checking');
    await worker.sweepNow();
    const draft = await waitForDraft(ctx, 'editor', res.body.id, (d) => d.status === 'in_review');
    // Exactly once in effect: one completed run per check, one completion event.
    const runs = await ctx.superuser<{ n: number }>("SELECT count(*)::int AS n FROM check_runs WHERE draft_id = $1 AND status = 'done'", [res.body.id]);
    expect(runs[0]?.n).toBe(draft.checkRuns.length);
    const events = await ctx.superuser<{ n: number }>("SELECT count(*)::int AS n FROM audit_events WHERE draft_id = $1 AND type = 'checks.completed'", [res.body.id]);
    expect(events[0]?.n).toBe(1);
  });

  it('records duplicate deliveries once', async () => {
    const res = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { title: '重复投递', body: '赌博是违法的。' }));
    await ctx.startWorker();
    await waitForDraft(ctx, 'editor', res.body.id, (d) => d.status !== 'checking');
    // Deliver every job again, as BullMQ may after a stall.
    const revision = res.body.revision.id;
    await ctx.runtime.queue.enqueue(ctx.runtime.deps.checkIds.map((checkId) => ({ revisionId: revision, checkId: `${checkId}` })));
    for (const checkId of ctx.runtime.deps.checkIds) await ctx.runtime.queue.redrive({ revisionId: revision, checkId });
    await new Promise((r) => setTimeout(r, 500));
    const findings = await ctx.superuser<{ n: number }>('SELECT count(*)::int AS n FROM findings WHERE revision_id = $1 AND matched = $2', [revision, '赌博']);
    expect(findings[0]?.n).toBe(1);
  });
});

describe('runs interrupted by dying workers', () => {
  it('still complete after as many interrupted starts as a failing check would be allowed', async () => {
    const res = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { title: '被打断的检查' }));
    // Three starts that never reported back, as after three kill -9 of the worker holding the run.
    await ctx.superuser('UPDATE check_runs SET attempts = 3 WHERE draft_id = $1', [res.body.id]);
    await ctx.startWorker();
    await waitForDraft(ctx, 'editor', res.body.id, (d) => d.status === 'in_review');
  });

  it('are given up once their start allowance is used up, even with no job left in Redis', async () => {
    const res = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { title: '始终没有结果' }));
    await new Promise((r) => setTimeout(r, 100));
    const keys = await ctx.runtime.redis.keys(`${ctx.prefix}:*`);
    if (keys.length > 0) await ctx.runtime.redis.del(...keys);
    await ctx.superuser("UPDATE check_runs SET attempts = 6, updated_at = now() - interval '1 minute' WHERE draft_id = $1 AND check_id = 'sensitive'", [res.body.id]);
    const worker = await ctx.startWorker();
    await worker.sweepNow();
    const failed = await waitForDraft(ctx, 'editor', res.body.id, (d) => d.status === 'checks_failed');
    expect(failed.checkRuns.find((r: { check: string }) => r.check === 'sensitive')).toMatchObject({ status: 'failed', error: 'no result after 6 attempts' });
  });
});

describe('a poison draft', () => {
  it('ends in checks_failed after bounded attempts without holding up others, and an admin can retry it', async () => {
    const engine = await sharedEngine();
    let poisoned = true;
    await ctx.startWorker({
      run: (checkId, content, context) => {
        if (poisoned && content.title === '毒丸稿件') throw new Error('check crashed');
        return engine.run(checkId, content, context);
      },
    });
    const poison = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { title: '毒丸稿件' }));
    const healthy = await Promise.all(Array.from({ length: 5 }, (_, i) => ctx.api('editor').post('/api/drafts', draftBody(ctx, { title: `正常稿件${i}` }))));
    for (const h of healthy) await waitForDraft(ctx, 'editor', h.body.id, (d) => d.status === 'in_review');
    const failed = await waitForDraft(ctx, 'editor', poison.body.id, (d) => d.status === 'checks_failed', 20_000);
    expect(failed.checkRuns.some((r: { status: string }) => r.status === 'failed')).toBe(true);

    expect((await ctx.api('editor').post(`/api/drafts/${poison.body.id}/checks/retry`)).status).toBe(403);
    poisoned = false;
    const retry = await ctx.api('admin').post(`/api/drafts/${poison.body.id}/checks/retry`);
    expect(retry.status).toBe(200);
    await waitForDraft(ctx, 'editor', poison.body.id, (d) => d.status === 'in_review');
  });

  it('does not drop a run an admin reset while its last attempt was still failing', async () => {
    const engine = await sharedEngine();
    let poisoned = true;
    let openGate: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const res = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { title: '重置与失败赛跑' }));
    // The sensitive run is on its last attempt; it will fail only after the admin's retry has reset it.
    await ctx.superuser("UPDATE check_runs SET attempts = 2 WHERE draft_id = $1 AND check_id = 'sensitive'", [res.body.id]);
    await ctx.startWorker({
      run: async (checkId, content, context) => {
        if (poisoned && content.title === '重置与失败赛跑') {
          if (checkId === 'sensitive') await gate;
          throw new Error('check crashed');
        }
        return engine.run(checkId, content, context);
      },
    });
    await waitForDraft(ctx, 'editor', res.body.id, (d) => d.status === 'checks_failed', 20_000);
    const [inFlight] = await ctx.superuser<{ attempts: number; status: string }>("SELECT attempts, status FROM check_runs WHERE draft_id = $1 AND check_id = 'sensitive'", [res.body.id]);
    expect(inFlight).toEqual({ attempts: 3, status: 'pending' });
    poisoned = false;
    expect((await ctx.api('admin').post(`/api/drafts/${res.body.id}/checks/retry`)).status).toBe(200);
    openGate();
    await waitForDraft(ctx, 'editor', res.body.id, (d) => d.status === 'in_review', 15_000);
  });
});

describe('when a backing service is down', () => {
  it('still accepts drafts while Redis is unreachable, and checks them once it is back', async () => {
    const env = readEnv({ QUEUE_PREFIX: ctx.prefix, LOG_LEVEL: 'silent' });
    const offline = createRuntime({ databaseUrl: ctx.databaseUrl, redisUrl: 'redis://127.0.0.1:1', env, role: 'api', logger: pino({ level: 'silent' }) });
    try {
      const app = createApp({ ...offline.deps, checkpoints: null, health: offline.health });
      const res = await request(app)
        .post('/api/drafts')
        .set('Authorization', `Bearer ${ctx.people.tokens.editor}`)
        .send(draftBody(ctx, { title: 'Redis 停机时的投稿' }));
      expect(res.status).toBe(201);
      const health = await request(app).get('/api/health');
      expect(health.body).toMatchObject({ db: 'up', redis: 'down' });
      const worker = await ctx.startWorker();
      await worker.sweepNow();
      await waitForDraft(ctx, 'editor', res.body.id, (d) => d.status === 'in_review');
    } finally {
      await offline.close();
    }
  });

  it('fails closed with 503 while PostgreSQL is unreachable', async () => {
    const env = readEnv({ QUEUE_PREFIX: ctx.prefix, LOG_LEVEL: 'silent' });
    const offline = createRuntime({ databaseUrl: 'postgres://postgres@127.0.0.1:1/none', redisUrl: REDIS_URL, env, role: 'api', logger: pino({ level: 'silent' }) });
    try {
      const app = createApp({ ...offline.deps, checkpoints: null, health: offline.health });
      const res = await request(app).post('/api/drafts').set('Authorization', `Bearer ${ctx.people.tokens.editor}`).send(draftBody(ctx));
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('service_unavailable');
      expect((await request(app).get('/api/health')).status).toBe(503);
    } finally {
      await offline.close();
    }
  });
});

describe('the trail', () => {
  async function releasedDraft(title: string): Promise<string> {
    await ctx.startWorker();
    const res = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { title }));
    await waitForDraft(ctx, 'editor', res.body.id, (d) => d.status === 'in_review');
    return res.body.id;
  }

  it('names the first event a superuser edited directly in SQL', async () => {
    const id = await releasedDraft('被篡改的稿件');
    const ok = await ctx.api('auditor').get(`/api/drafts/${id}/trail/verify`);
    expect(ok.body.ok).toBe(true);
    const [first] = await ctx.superuser<{ id: number }>('SELECT id FROM audit_events WHERE draft_id = $1 ORDER BY seq LIMIT 1', [id]);
    await ctx.superuser(`SET session_replication_role = replica; UPDATE audit_events SET actor_name = '别人' WHERE id = ${Number(first?.id)}`);
    const broken = await ctx.api('auditor').get(`/api/drafts/${id}/trail/verify`);
    expect(broken.body.ok).toBe(false);
    expect(broken.body.firstBreak).toMatchObject({ eventId: Number(first?.id), seq: 1, reason: 'hash_mismatch' });
  });

  it('catches a whole chain rewritten consistently, through the signed checkpoint outside the database', async () => {
    const id = await releasedDraft('整链重写');
    await writeCheckpoint(ctx.runtime.deps.db, ctx.checkpoints);
    // Rewrite the last event and recompute its hash the way an attacker with the algorithm would.
    const [last] = await ctx.superuser<Record<string, any>>('SELECT * FROM audit_events WHERE draft_id = $1 ORDER BY seq DESC LIMIT 1', [id]);
    const forged = {
      chain: last!.chain,
      seq: last!.seq,
      draftId: last!.draft_id,
      revisionId: last!.revision_id,
      actorId: last!.actor_id,
      actorName: '伪造者',
      type: last!.type,
      outcome: last!.outcome,
      data: last!.data,
      createdAt: last!.created_at,
    };
    const hash = auditEventHash(last!.prev_hash, forged);
    await ctx.superuser(`SET session_replication_role = replica; UPDATE audit_events SET actor_name = '伪造者', hash = '${hash}' WHERE id = ${Number(last!.id)}`);
    const report = await ctx.api('auditor').get(`/api/drafts/${id}/trail/verify`);
    expect(report.body.ok).toBe(false);
    expect(report.body.firstBreak.reason).toBe('checkpoint_mismatch');
  });

  it('cannot be rewritten by the application role', async () => {
    await expect(ctx.superuser('SET ROLE sanshen_app; UPDATE audit_events SET actor_name = actor_name')).rejects.toThrow(/permission denied/);
    await expect(ctx.superuser('SET ROLE sanshen_app; DELETE FROM audit_events')).rejects.toThrow(/permission denied/);
    await expect(ctx.superuser('SET ROLE sanshen_app; TRUNCATE audit_events')).rejects.toThrow(/permission denied/);
    // Even the owner is stopped by the trigger unless triggers are switched off.
    await expect(ctx.superuser('DELETE FROM audit_events')).rejects.toThrow(/append-only/);
  });

  it('exports CSV with formula cells neutralised, and the export itself is audited', async () => {
    await ctx.startWorker();
    const res = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { title: "=cmd|' /C calc'!A0" }));
    await waitForDraft(ctx, 'editor', res.body.id, (d) => d.status === 'in_review');
    await ctx
      .api('r1')
      .post(`/api/drafts/${res.body.id}/decisions`, { stage: 'first', action: 'return', comment: '@SUM(1+1)', version: (await ctx.api('r1').get(`/api/drafts/${res.body.id}`)).body.version });
    const csv = await ctx.api('auditor').get(`/api/drafts/${res.body.id}/trail?format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    const cells = csv.text.split(/\r\n/).flatMap((line) => line.split(','));
    expect(cells.some((c) => /^"?[=+\-@]/.test(c))).toBe(false);
    expect(csv.text).toContain("'@SUM(1+1)");
    const exported = await ctx.superuser<{ n: number }>("SELECT count(*)::int AS n FROM audit_events WHERE chain = 'security' AND type = 'audit.exported'");
    expect(exported[0]?.n).toBeGreaterThan(0);
  });
});
