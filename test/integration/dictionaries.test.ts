import request from 'supertest';
import { REDIS_URL } from '../helpers/db-urls';
import { createTestContext, draftBody, sharedEngine, waitForDraft, type TestContext } from '../helpers/test-context';
import { listChain } from '../../src/db/audit.repository';
import { SECURITY_CHAIN, verifyChain } from '../../src/domain/audit';
import { EngineHolder } from '../../src/services/dictionary-reload.service';
import { startCheckWorker, type RunningWorker } from '../../workers/checks.worker';

// Made-up phrases no shipped list contains, so every finding about them comes from the admin changes below.
const NEW_TERM = '黑石桥夜谈会';
const RELEASED_TERM = '紫藤湾联谊社';

let ctx: TestContext;
let holder: EngineHolder;
let running: RunningWorker;

beforeAll(async () => {
  ctx = await createTestContext();
  holder = new EngineHolder(await sharedEngine());
  // The poll is pushed far out, so a reload within the test can only have come from the pub/sub announcement.
  running = startCheckWorker(ctx.runtime, holder, REDIS_URL, {
    prefix: ctx.prefix,
    concurrency: 2,
    sweepIntervalMs: 60_000,
    sweepIdleMs: 0,
    dictionaries: { pollMs: 600_000 },
    rescans: { databaseUrl: ctx.databaseUrl, threads: 2, pollMs: 600_000, pageSize: 2 },
  });
  ctx.worker = running;
  await running.ready();
});
afterAll(async () => {
  await ctx?.close();
});

type FindingView = { check: string; ruleId: string; severity: string; matched: string; rulesetVersion: string };

async function submitAndCheck(body: string): Promise<Record<string, any>> {
  const res = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { title: '学院举办读书分享会', body }));
  expect(res.status).toBe(201);
  return waitForDraft(ctx, 'r1', res.body.id, (d) => d.status !== 'checking');
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const securityEvents = (type: string) =>
  ctx.superuser<{ actor_id: string; outcome: string; data: Record<string, any> }>("SELECT actor_id, outcome, data FROM audit_events WHERE chain = 'security' AND type = $1 ORDER BY seq", [type]);

describe('dictionary management', () => {
  it('lets admins, 宣传部 and auditors read the dictionaries, and only admins change them', async () => {
    const overview = await ctx.api('prop').get('/api/admin/dictionaries');
    expect(overview.status).toBe(200);
    expect(overview.body.version).toBe(holder.version);
    expect(overview.body.lists).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'sensitive.politics', kind: 'sensitive' }), expect.objectContaining({ key: 'whitelist' })]));
    expect((await ctx.api('auditor').get('/api/admin/dictionaries/whitelist/terms?limit=5')).body.items).toHaveLength(5);

    expect((await ctx.api('editor').get('/api/admin/dictionaries')).status).toBe(403);
    const denied = await ctx.api('prop').post('/api/admin/dictionaries/sensitive.politics/terms', { terms: [{ term: NEW_TERM }] });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('forbidden');
    const del = await request(ctx.app).delete(`/api/admin/dictionaries/whitelist/terms/${encodeURIComponent('大麻烦')}`).set('Authorization', `Bearer ${ctx.people.tokens.auditor}`);
    expect(del.status).toBe(403);
    expect(await securityEvents('dictionary.terms_added')).toHaveLength(0);
    expect((await ctx.api('admin').get('/api/admin/dictionaries/nonsense/terms')).body.error.code).toBe('validation_failed');
  });

  it('changes the findings of the next draft without restarting the worker, and audits the change', async () => {
    const before = await submitAndCheck(`本周五晚，${NEW_TERM}在图书馆报告厅举行，欢迎师生参加。`);
    expect(before.findings.filter((f: FindingView) => f.matched.includes(NEW_TERM))).toEqual([]);
    const oldVersion = holder.version;

    const added = await ctx.api('admin').post('/api/admin/dictionaries/sensitive.rumour-safety/terms', { terms: [{ term: NEW_TERM, severity: 'block', note: '测试用新增禁词' }] });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ list: 'sensitive.rumour-safety', added: 1, removed: 0 });
    expect(added.body.version).not.toBe(oldVersion);
    // Announced over Redis after COMMIT; the worker rebuilds off the hot path and swaps its engine.
    await waitFor('the worker to reload', () => (holder.version === added.body.version ? true : undefined));

    const after = await submitAndCheck(`本周五晚，${NEW_TERM}在图书馆报告厅举行，欢迎师生参加。`);
    const hits = after.findings.filter((f: FindingView) => f.ruleId === `sensitive:rumour-safety:${NEW_TERM}`);
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ severity: 'block', matched: NEW_TERM, rulesetVersion: added.body.version });
    expect(after.status).toBe('returned');

    const listed = await ctx.api('prop').get(`/api/admin/dictionaries/sensitive.rumour-safety/terms?q=${encodeURIComponent(NEW_TERM)}`);
    expect(listed.body).toMatchObject({ total: 1, version: added.body.version, items: [{ term: NEW_TERM, severity: 'block', source: 'admin' }] });

    const [event, ...more] = await securityEvents('dictionary.terms_added');
    expect(more).toHaveLength(0);
    expect(event).toMatchObject({ actor_id: ctx.people.ids.admin, outcome: 'success' });
    expect(event!.data).toMatchObject({ list: 'sensitive.rumour-safety', terms: [NEW_TERM], versionBefore: oldVersion, versionAfter: added.body.version });
    expect(verifyChain(SECURITY_CHAIN, await listChain(ctx.runtime.deps.db, SECURITY_CHAIN)).ok).toBe(true);

    // Adding it again is refused with the index of the offending term; nothing changes.
    const again = await ctx.api('admin').post('/api/admin/dictionaries/sensitive.rumour-safety/terms', { terms: [{ term: '另一个新词' }, { term: NEW_TERM }] });
    expect(again.status).toBe(400);
    expect(again.body.error).toMatchObject({ code: 'validation_failed', details: { issues: [{ index: 1, term: NEW_TERM }] } });

    // Removing it takes effect the same way.
    const removed = await request(ctx.app)
      .delete(`/api/admin/dictionaries/sensitive.rumour-safety/terms/${encodeURIComponent(NEW_TERM)}`)
      .set('Authorization', `Bearer ${ctx.people.tokens.admin}`);
    expect(removed.status).toBe(200);
    expect(removed.body.removed).toBe(1);
    await waitFor('the worker to reload again', () => (holder.version === removed.body.version ? true : undefined));
    const gone = await submitAndCheck(`下周五晚，${NEW_TERM}继续举行。`);
    expect(gone.findings.filter((f: FindingView) => f.matched.includes(NEW_TERM))).toEqual([]);
    expect(await securityEvents('dictionary.terms_removed')).toHaveLength(1);
  });

  it('reports bad import lines with their line numbers and imports nothing', async () => {
    const before = (await ctx.api('admin').get('/api/admin/dictionaries')).body.version;
    const bad = await ctx.api('admin').post('/api/admin/dictionaries/sensitive.gambling/import', {
      format: 'dictionary',
      text: ['# 外部词库', '网络赌盘甲', '网络赌盘乙\tsevere', '', '网络赌盘丙\tblock\t说明\tfly', '网络赌盘甲'].join('\n'),
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    expect(bad.body.error.details.issues.map((i: { line: number }) => i.line)).toEqual([3, 5, 6]);
    expect(bad.body.error.details.issues[0].message).toContain('severity');

    const tabbed = await ctx.api('admin').post('/api/admin/dictionaries/sensitive.gambling/import', { text: '网络赌盘甲\n网络赌盘乙\tblock\n' });
    expect(tabbed.status).toBe(400);
    expect(tabbed.body.error.details.issues).toEqual([expect.objectContaining({ line: 2 })]);
    expect((await ctx.api('admin').get('/api/admin/dictionaries')).body.version).toBe(before);
    expect(await securityEvents('dictionary.imported')).toHaveLength(0);

    // A plain one-term-per-line lexicon: terms already in the list are reported back, not silently dropped.
    const ok = await ctx.api('admin').post('/api/admin/dictionaries/sensitive.gambling/import', { text: '网络赌盘甲\r\n\r\n网络赌盘乙\r\n赌博\r\n', severity: 'review', note: '外部词库' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ added: 2, alreadyPresentCount: 1, alreadyPresent: [{ line: 4, term: '赌博' }] });
    expect(await securityEvents('dictionary.imported')).toHaveLength(1);
  });
});

let releasedId = '';

describe('回溯检查', () => {
  it('lists released drafts that match a newly added term, with progress', async () => {
    const res = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { title: '校友活动回顾', body: `上月，${RELEASED_TERM}组织校友返校参观，活动圆满结束。` }));
    expect(res.status).toBe(201);
    const id = res.body.id as string;
    releasedId = id;
    await waitForDraft(ctx, 'r1', id, (d) => d.status === 'in_review');
    for (const [user, stage] of [['r1', 'first'], ['r2', 'second'], ['r3', 'final']] as const) {
      const d = await ctx.api(user).get(`/api/drafts/${id}`);
      expect((await ctx.api(user).post(`/api/drafts/${id}/decisions`, { stage, action: 'approve', comment: '同意', version: d.body.version })).status).toBe(200);
    }
    const approved = await ctx.api('editor').get(`/api/drafts/${id}`);
    const released = await ctx.api('editor').post(`/api/drafts/${id}/release`, { version: approved.body.version });
    expect(released.status).toBe(200);

    // A new category, created by adding its first term.
    const added = await ctx.api('admin').post('/api/admin/dictionaries/sensitive.campus-watch/terms', { terms: [{ term: RELEASED_TERM, severity: 'review', note: '已被取缔的组织' }] });
    expect(added.status).toBe(201);
    expect(added.body.rescanId).toEqual(expect.any(String));

    const done = await waitFor(
      'the rescan to finish',
      async () => {
        const r = await ctx.api('prop').get(`/api/admin/rescans/${added.body.rescanId}`);
        expect(r.status).toBe(200);
        return r.body.status === 'done' ? r.body : undefined;
      },
      30_000,
    );
    expect(done.total).toBeGreaterThanOrEqual(1);
    expect(done).toMatchObject({ processed: done.total, progress: 1, matched: 1, rulesetVersion: added.body.version });
    expect(done.hits).toEqual([
      expect.objectContaining({ draftId: id, status: 'released', findings: [expect.objectContaining({ ruleId: `sensitive:campus-watch:${RELEASED_TERM}`, matched: RELEASED_TERM })] }),
    ]);
    // A record, not a state change: the released draft is untouched.
    expect((await ctx.api('editor').get(`/api/drafts/${id}`)).body).toMatchObject({ status: 'released', version: released.body.version });
    expect((await ctx.api('prop').get('/api/admin/rescans')).body.items[0]).toMatchObject({ id: added.body.rescanId, status: 'done' });
    expect((await ctx.api('editor').get(`/api/admin/rescans/${added.body.rescanId}`)).status).toBe(403);
  });

  it('compares a draft declared original with released drafts of the same unit (near-duplicate context)', async () => {
    expect(releasedId).not.toBe('');
    const copy = await submitAndCheck(`上月，${RELEASED_TERM}组织校友返校参观，活动圆满结束。`);
    const dup = copy.findings.filter((f: FindingView) => f.ruleId === 'copyright:near-duplicate');
    expect(dup).toEqual([expect.objectContaining({ severity: 'review', evidence: expect.objectContaining({ referenceId: releasedId }) })]);
  });
});
