/**
 * Issue 11, the rest: 体裁 on drafts (optional, validated), a whitelist entry scoped to a genre (from a finding,
 * applied by the worker's checks, audited, versioned in each check result), and shadow terms recorded by the check
 * worker as revisions arrive — never a finding, never the draft's status.
 */
import { REDIS_URL } from '../helpers/db-urls';
import { createTestContext, draftBody, sharedEngine, waitForDraft, type TestContext } from '../helpers/test-context';
import { listChain } from '../../src/db/audit.repository';
import { SECURITY_CHAIN, verifyChain } from '../../src/domain/audit';
import { EngineHolder } from '../../src/services/dictionary-reload.service';
import { DRAFT_GENRES } from '../../src/shared/genres';
import { startCheckWorker, type RunningWorker } from '../../workers/checks.worker';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
  const holder = new EngineHolder(await sharedEngine());
  const running: RunningWorker = startCheckWorker(ctx.runtime, holder, REDIS_URL, {
    prefix: ctx.prefix,
    concurrency: 2,
    sweepIntervalMs: 60_000,
    sweepIdleMs: 0,
    dictionaries: { pollMs: 600_000 },
    rescans: { databaseUrl: ctx.databaseUrl, threads: 1, pollMs: 600_000, pageSize: 10 },
  });
  ctx.worker = running;
  await running.ready();
});
afterAll(async () => {
  await ctx?.close();
});

const RULE = 'sensitive:gambling:赌博';

async function submit(body: string, genre?: string, title = '活动通知') {
  const res = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { title, body, ...(genre ? { genre } : {}) }));
  expect([res.status, res.body.error]).toEqual([201, undefined]);
  return waitForDraft(ctx, 'r1', res.body.id, (d) => d.status !== 'checking');
}

describe('体裁 (genre) on drafts', () => {
  it('is optional, stored, shown on the detail and the board; an unknown value is a 400 naming the catalog', async () => {
    const d = await submit('11月20日，学院举办秋季运动会。', '活动报道');
    expect(d.genre).toBe('活动报道');
    const none = await submit('11月21日，学院举办秋季运动会闭幕式。');
    expect(none.genre).toBeNull();
    const board = await ctx.api('r1').get('/api/board');
    expect(board.status).toBe(200);
    const items = JSON.stringify(board.body);
    expect(items).toContain('"genre":"活动报道"');

    for (const bad of ['新闻', '', 12, null]) {
      const res = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { genre: bad }));
      expect([res.status, res.body.error?.code]).toEqual([400, 'validation_failed']);
    }
    const res = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { genre: '新闻' }));
    expect(JSON.stringify(res.body.error)).toContain(DRAFT_GENRES.join('、'));
    // Every catalog value is accepted.
    for (const g of DRAFT_GENRES) expect((await ctx.api('editor').post('/api/drafts', draftBody(ctx, { genre: g }))).status).toBe(201);
    const [audit] = await ctx.superuser<{ data: Record<string, any> }>("SELECT data FROM audit_events WHERE draft_id = $1 AND type = 'draft.submitted'", [d.id]);
    expect(audit!.data.genre).toBe('活动报道');
  });

  it('a whitelist entry for the finding’s genre passes the next draft of that genre; another genre, or none, is still flagged', async () => {
    const body = '社团举办“赌博机制与概率”趣味数学讲堂，欢迎参加。';
    const d = await submit(body, '社团招新');
    expect(d.status).toBe('returned');
    const finding = d.findings.find((f: any) => f.ruleId === RULE);
    expect(finding).toBeDefined();

    // A draft with no genre cannot be whitelisted by genre.
    const bare = await submit(body);
    const bareFinding = bare.findings.find((f: any) => f.ruleId === RULE);
    const refused = await ctx.api('admin').post('/api/admin/rule-feedback/whitelist', { findingId: bareFinding.id, phrase: '赌博机制与概率', scope: 'genre' });
    expect([refused.status, refused.body.error.code]).toEqual([400, 'validation_failed']);
    expect((await ctx.api('prop').post('/api/admin/rule-feedback/whitelist', { findingId: finding.id, phrase: '赌博机制与概率', scope: 'genre' })).status).toBe(403);
    expect((await ctx.api('admin').post('/api/admin/rule-feedback/whitelist', { findingId: finding.id, scope: 'class' })).status).toBe(400);

    const added = await ctx.api('admin').post('/api/admin/rule-feedback/whitelist', { findingId: finding.id, phrase: '赌博机制与概率', scope: 'genre' });
    expect([added.status, added.body.error]).toEqual([201, undefined]);
    expect(added.body).toMatchObject({ scope: 'genre', genre: '社团招新', phrase: '赌博机制与概率' });
    expect((await ctx.api('admin').post('/api/admin/rule-feedback/whitelist', { findingId: finding.id, phrase: '赌博机制与概率', scope: 'genre' })).body.error.code).toBe('conflict');
    const [audit] = await ctx.superuser<{ data: Record<string, any> }>("SELECT data FROM audit_events WHERE chain = 'security' AND type = 'dictionary.genre_whitelist_added'");
    expect(audit!.data).toMatchObject({ phrase: '赌博机制与概率', genre: '社团招新', ruleId: RULE, findingId: finding.id });
    expect(verifyChain(SECURITY_CHAIN, await listChain(ctx.runtime.deps.db, SECURITY_CHAIN)).ok).toBe(true);

    const same = await submit(body, '社团招新');
    expect(same.findings.filter((f: any) => f.ruleId === RULE)).toEqual([]);
    expect(same.status).toBe('in_review');
    // The check result records the version of the scoped entries it applied.
    const completed = await ctx.superuser<{ data: Record<string, any> }>("SELECT data FROM audit_events WHERE draft_id = $1 AND type IN ('check.completed', 'checks.completed') AND data->>'check' = 'sensitive'", [same.id]);
    expect(completed[0]!.data.scopedWhitelistVersion).toMatch(/^[0-9a-f]{16}$/);

    const other = await submit(body, '活动报道');
    expect(other.findings.map((f: any) => f.ruleId)).toContain(RULE);
    expect(other.status).toBe('returned');
    const noGenre = await submit(body);
    expect(noGenre.findings.map((f: any) => f.ruleId)).toContain(RULE);
    // The phrase, not the word: 赌博 elsewhere in a draft of the genre is still found.
    const elsewhere = await submit('有人在宿舍组织赌博，输赢很大。', '社团招新');
    expect(elsewhere.findings.map((f: any) => f.ruleId)).toContain(RULE);
  });
});

describe('影子规则 recorded as drafts arrive', () => {
  const TERM = '蓝鲸夜跑团';
  const RULE_ID = `sensitive:rumour-safety:${TERM}`;
  const hitsOf = (shadowId: string) => ctx.superuser<{ draft_id: string; revision_id: string; matched: string; severity: string; check_id: string }>('SELECT draft_id, revision_id, matched, severity, check_id FROM shadow_hits WHERE shadow_id = $1 ORDER BY created_at', [shadowId]);

  it('the worker records the would-be hits of every new revision; no finding, no status change; the view shows them with the re-scan', async () => {
    const before = await submit(`${TERM}本周六晚开跑。`);
    expect(before.status).toBe('in_review');
    const created = await ctx.api('admin').post('/api/admin/shadow-terms', { list: 'sensitive.rumour-safety', term: TERM, severity: 'block' });
    expect(created.status).toBe(201);
    const shadowId = created.body.id as string;

    const fresh = await submit(`欢迎加入${TERM}，每周三、周六晚在东区操场集合。`);
    // Silent: a block-level shadow term is no finding and does not return the draft.
    expect(fresh.status).toBe('in_review');
    expect(fresh.findings.filter((f: any) => f.ruleId === RULE_ID || f.matched.includes(TERM))).toEqual([]);
    const findingRows = await ctx.superuser<{ n: number }>('SELECT count(*)::int AS n FROM findings WHERE rule_id = $1', [RULE_ID]);
    expect(findingRows[0]!.n).toBe(0);
    expect(await hitsOf(shadowId)).toEqual([{ draft_id: fresh.id, revision_id: fresh.currentRevision.id, matched: TERM, severity: 'block', check_id: 'sensitive' }]);

    // A new revision of it is recorded too (once per revision and span, whatever the deliveries).
    const rev = await ctx.api('editor').post(`/api/drafts/${fresh.id}/revisions`, { ...draftBody(ctx, { title: '活动通知', body: `${TERM}改为每周五晚集合，${TERM}欢迎你。` }), platformId: undefined, version: fresh.version });
    expect([rev.status, rev.body.error]).toEqual([201, undefined]);
    const revised = await waitForDraft(ctx, 'r1', fresh.id, (d: any) => d.status !== 'checking' && d.currentRevision.number === 2);
    expect(revised.findings.filter((f: any) => f.matched.includes(TERM))).toEqual([]);
    const hits = await hitsOf(shadowId);
    expect(hits.filter((h) => h.revision_id === revised.currentRevision.id)).toHaveLength(2);
    expect(hits.some((h) => h.draft_id === before.id)).toBe(false);

    // The shadow view: what was recorded as drafts arrived, plus the re-scan of released and in-flight drafts.
    const preview = await ctx.api('prop').get(`/api/admin/shadow-terms/${shadowId}/preview`);
    expect(preview.status).toBe(200);
    expect(preview.body.recorded).toMatchObject({ hits: 3, drafts: 1, revisions: 2 });
    expect(preview.body.recorded.items[0]).toMatchObject({ draftId: fresh.id, matched: TERM });
    expect(preview.body.drafts.map((d: any) => d.draftId).sort()).toEqual([before.id, fresh.id].sort());

    // Switched off: audited, and the worker records nothing more.
    const off = await ctx.api('admin').post(`/api/admin/shadow-terms/${shadowId}/discard`);
    expect(off.body).toMatchObject({ status: 'discarded' });
    const later = await submit(`${TERM}下周继续。`);
    expect(later.status).toBe('in_review');
    expect((await hitsOf(shadowId)).some((h) => h.draft_id === later.id)).toBe(false);
    const types = (await ctx.superuser<{ type: string }>("SELECT type FROM audit_events WHERE chain = 'security' AND data->>'shadowId' = $1 ORDER BY seq", [shadowId])).map((r) => r.type);
    expect(types).toEqual(['dictionary.shadow_added', 'dictionary.shadow_discarded']);
  });
});
