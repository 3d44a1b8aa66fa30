/**
 * Learning from 三审 (issue 11): a waiver and a 报告误报 are labelled false alarms and lower the rule's precision; a
 * finding that stood on a returned revision is a labelled hit; the waived phrase becomes a whitelist entry through
 * the dictionary overlay (versioned, audited, reloaded by the worker), and the next draft with it passes.
 */
import { REDIS_URL } from '../helpers/db-urls';
import { createTestContext, draftBody, sharedEngine, waitForDraft, type TestContext } from '../helpers/test-context';
import { listChain } from '../../src/db/audit.repository';
import { SECURITY_CHAIN, verifyChain } from '../../src/domain/audit';
import { EngineHolder } from '../../src/services/dictionary-reload.service';
import { startCheckWorker, type RunningWorker } from '../../workers/checks.worker';

let ctx: TestContext;
let holder: EngineHolder;

beforeAll(async () => {
  ctx = await createTestContext();
  holder = new EngineHolder(await sharedEngine());
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

// A phrase no shipped list whitelists: 赌博 inside it is a block finding until an admin whitelists the phrase.
const BODY = '本周五晚，学生会举办“赌博游戏的数学原理”科学之夜，欢迎参加。';
const RULE = 'sensitive:gambling:赌博';

async function submit(body = BODY) {
  const res = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { title: '科学之夜活动通知', body }));
  expect(res.status).toBe(201);
  return waitForDraft(ctx, 'r1', res.body.id, (d) => d.status !== 'checking');
}
const ruleOf = async (ruleId: string, as = 'admin') => {
  const res = await ctx.api(as).get('/api/admin/rule-feedback?days=90');
  expect([res.status, res.body.error]).toEqual([200, undefined]);
  return (res.body.rules as Array<Record<string, any>>).find((r) => r.ruleId === ruleId);
};

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('rule feedback', () => {
  it('waive → precision drops → 报告误报 counts once per person → whitelist from the finding → the next draft passes', async () => {
    // Two drafts with the block finding; both returned by the check, both sent on with a statement.
    const drafts = [await submit(), await submit()];
    for (const d of drafts) {
      expect(d.status).toBe('returned');
      const res = await ctx.api('editor').post(`/api/drafts/${d.id}/resubmit`, { statement: '属于科普活动，已核实', version: d.version });
      expect(res.status).toBe(200);
    }
    const fresh = await ruleOf(RULE);
    expect(fresh).toMatchObject({ checkId: 'sensitive', hits: 2, waived: 0, reported: 0, falseAlarms: 0, precision: 1 });

    // 宣传部 waives the first (an ordinary block: only 宣传部 may waive it, config/waivers.ts): a labelled false alarm.
    const first = (await ctx.api('r1').get(`/api/drafts/${drafts[0]!.id}`)).body;
    const finding = first.findings.find((f: any) => f.ruleId === RULE);
    const waived = await ctx.api('prop').post(`/api/drafts/${first.id}/findings/${finding.id}/waive`, { reason: '科普活动标题，非赌博' });
    expect(waived.status).toBe(200);
    const afterWaive = await ruleOf(RULE);
    expect(afterWaive).toMatchObject({ hits: 2, waived: 1, falseAlarms: 1, precision: 0.5 });
    expect(afterWaive!.examples).toEqual([expect.objectContaining({ findingId: finding.id, kind: 'waived', matched: '赌博', reason: '科普活动标题，非赌博' })]);

    // A reviewer reports the second as a false alarm: once per person; audited on the draft's chain.
    const second = (await ctx.api('r1').get(`/api/drafts/${drafts[1]!.id}`)).body;
    const other = second.findings.find((f: any) => f.ruleId === RULE);
    const report = await ctx.api('r1').post(`/api/drafts/${second.id}/findings/${other.id}/report`, { comment: '活动标题' });
    expect(report.status).toBe(201);
    expect((await ctx.api('r1').post(`/api/drafts/${second.id}/findings/${other.id}/report`, { comment: '再报' })).body.error.code).toBe('conflict');
    expect((await ctx.api('foreign').post(`/api/drafts/${second.id}/findings/${other.id}/report`, {})).status).toBe(403);
    const events = await ctx.superuser<{ type: string; data: Record<string, any> }>('SELECT type, data FROM audit_events WHERE chain = $1 AND type = $2', [
      `draft-${second.id}`,
      'finding.false_alarm_reported',
    ]);
    expect(events).toEqual([expect.objectContaining({ data: expect.objectContaining({ findingId: other.id, ruleId: RULE }) })]);
    expect(await ruleOf(RULE)).toMatchObject({ hits: 2, waived: 1, reported: 1, falseAlarms: 2, precision: 0 });

    // Only admins whitelist; the phrase must contain the matched text.
    expect((await ctx.api('prop').post('/api/admin/rule-feedback/whitelist', { findingId: finding.id, phrase: '赌博游戏的数学原理' })).status).toBe(403);
    const bad = await ctx.api('admin').post('/api/admin/rule-feedback/whitelist', { findingId: finding.id, phrase: '数学原理' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    const added = await ctx.api('admin').post('/api/admin/rule-feedback/whitelist', { findingId: finding.id, phrase: '赌博游戏的数学原理' });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ list: 'whitelist', added: 1, phrase: '赌博游戏的数学原理', scope: 'school' });
    const [audit] = await ctx.superuser<{ data: Record<string, any> }>("SELECT data FROM audit_events WHERE chain = 'security' AND type = 'dictionary.terms_added' ORDER BY seq DESC LIMIT 1");
    expect(audit!.data).toMatchObject({ list: 'whitelist', terms: ['赌博游戏的数学原理'], versionAfter: added.body.version });
    expect(verifyChain(SECURITY_CHAIN, await listChain(ctx.runtime.deps.db, SECURITY_CHAIN)).ok).toBe(true);

    await waitFor('the worker to reload', () => (holder.version === added.body.version ? true : undefined));
    const next = await submit();
    expect(next.findings.filter((f: any) => f.ruleId === RULE)).toEqual([]);
    expect(next.status).toBe('in_review');
    // The phrase is whitelisted, not the word: 赌博 elsewhere is still found.
    const still = await submit('周末有人在宿舍组织赌博，输赢很大。');
    expect(still.findings.map((f: any) => f.ruleId)).toContain(RULE);
  });

  it('a finding that stood on a returned revision counts as returned-for; readers see the page, others do not', async () => {
    const d = await submit('周末有人在宿舍组织赌博，金额巨大。');
    const res = await ctx.api('editor').post(`/api/drafts/${d.id}/resubmit`, { statement: '请审核', version: d.version });
    expect(res.status).toBe(200);
    const cur = (await ctx.api('r1').get(`/api/drafts/${d.id}`)).body;
    const ret = await ctx.api('r1').post(`/api/drafts/${d.id}/decisions`, { stage: 'first', action: 'return', comment: '涉赌内容，退回修改', version: cur.version });
    expect(ret.status).toBe(200);
    const rule = await ruleOf(RULE, 'prop');
    expect(rule!.returnedFor).toBeGreaterThanOrEqual(1);
    expect((await ctx.api('r1').get('/api/admin/rule-feedback')).status).toBe(403);
    expect((await ctx.api('admin').get('/api/admin/rule-feedback?days=0')).body.error.code).toBe('validation_failed');
    const onlyCheck = await ctx.api('auditor').get('/api/admin/rule-feedback?check=advertising');
    expect(onlyCheck.status).toBe(200);
    expect(onlyCheck.body.rules.every((r: any) => r.checkId === 'advertising')).toBe(true);
  });
});

describe('whitelist scoped to a unit', () => {
  it("a phrase whitelisted for the finding's unit passes that unit's next draft, not another unit's", async () => {
    const body = '学院举办“赌博心理的认知偏差”学术沙龙，欢迎参加。';
    const d = await submit(body);
    const finding = d.findings.find((f: any) => f.ruleId === RULE);
    expect(finding).toBeDefined();
    const added = await ctx.api('admin').post('/api/admin/rule-feedback/whitelist', { findingId: finding.id, phrase: '赌博心理的认知偏差', scope: 'unit' });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ scope: 'unit', unitId: ctx.people.unitId, phrase: '赌博心理的认知偏差' });
    expect((await ctx.api('admin').post('/api/admin/rule-feedback/whitelist', { findingId: finding.id, phrase: '赌博心理的认知偏差', scope: 'unit' })).body.error.code).toBe('conflict');
    const [audit] = await ctx.superuser<{ data: Record<string, any> }>("SELECT data FROM audit_events WHERE chain = 'security' AND type = 'dictionary.unit_whitelist_added'");
    expect(audit!.data).toMatchObject({ phrase: '赌博心理的认知偏差', unitId: ctx.people.unitId, ruleId: RULE });

    const same = await submit(body);
    expect(same.findings.filter((f: any) => f.ruleId === RULE)).toEqual([]);
    expect(same.status).toBe('in_review');
    const res = await ctx.api('foreign').post('/api/drafts', draftBody(ctx, { platformId: ctx.people.otherPlatformId, title: '学术沙龙', body }));
    expect(res.status).toBe(201);
    const other = await waitForDraft(ctx, 'foreign', res.body.id, (x) => x.status !== 'checking');
    expect(other.findings.map((f: any) => f.ruleId)).toContain(RULE);
  });
});

describe('影子规则 (shadow mode)', () => {
  const TERM = '青蛇湾夜谈社';
  async function approveAndRelease(id: string) {
    for (const [who, stage] of [
      ['r1', 'first'],
      ['r2', 'second'],
      ['r3', 'final'],
    ] as const) {
      const cur = (await ctx.api(who).get(`/api/drafts/${id}`)).body;
      expect((await ctx.api(who).post(`/api/drafts/${id}/decisions`, { stage, action: 'approve', comment: '同意', version: cur.version })).status).toBe(200);
    }
    const cur = (await ctx.api('editor').get(`/api/drafts/${id}`)).body;
    expect((await ctx.api('editor').post(`/api/drafts/${id}/release`, { version: cur.version })).status).toBe(200);
  }

  it('a shadow term flags nothing reviewers see; the preview lists released, in-flight and new drafts it would flag; switching on goes through the overlay', async () => {
    const released = await submit(`本周，${TERM}在图书馆举办读书会。`);
    expect(released.status).toBe('in_review');
    await approveAndRelease(released.id);
    const inFlight = await submit(`下周，${TERM}将继续举办活动。`);
    expect(inFlight.status).toBe('in_review');

    expect((await ctx.api('prop').post('/api/admin/shadow-terms', { list: 'sensitive.rumour-safety', term: TERM })).status).toBe(403);
    expect((await ctx.api('admin').post('/api/admin/shadow-terms', { list: 'proofreading.pairs', term: TERM })).body.error.code).toBe('validation_failed');
    const versionBefore = (await ctx.api('admin').get('/api/admin/dictionaries')).body.version;
    const created = await ctx.api('admin').post('/api/admin/shadow-terms', { list: 'sensitive.rumour-safety', term: TERM, severity: 'block', note: '试运行' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'shadow', term: TERM, baseVersion: versionBefore });
    expect((await ctx.api('admin').post('/api/admin/shadow-terms', { list: 'sensitive.rumour-safety', term: TERM })).body.error.code).toBe('conflict');
    // Silent: the dictionary version is unchanged, and a new draft with the term passes as before.
    expect((await ctx.api('admin').get('/api/admin/dictionaries')).body.version).toBe(versionBefore);
    const fresh = await submit(`${TERM}招新啦。`);
    expect(fresh.findings.filter((f: any) => f.matched.includes(TERM))).toEqual([]);
    expect(fresh.status).toBe('in_review');

    const preview = await ctx.api('prop').get(`/api/admin/shadow-terms/${created.body.id}/preview`);
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ ruleId: `sensitive:rumour-safety:${TERM}`, wouldFlag: 3, byState: { released: 1, inFlight: 2, newSinceShadow: 1 } });
    expect(preview.body.drafts.map((d: any) => d.draftId).sort()).toEqual([released.id, inFlight.id, fresh.id].sort());
    expect(preview.body.drafts[0].findings[0]).toMatchObject({ matched: TERM, severity: 'block' });

    const promoted = await ctx.api('admin').post(`/api/admin/shadow-terms/${created.body.id}/promote`);
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({ list: 'sensitive.rumour-safety', added: 1, shadow: { status: 'promoted' } });
    expect(promoted.body.version).not.toBe(versionBefore);
    expect((await ctx.api('admin').post(`/api/admin/shadow-terms/${created.body.id}/promote`)).body.error.code).toBe('conflict');
    const types = (await ctx.superuser<{ type: string }>("SELECT type FROM audit_events WHERE chain = 'security' AND type LIKE 'dictionary.shadow_%' ORDER BY seq")).map((r) => r.type);
    expect(types).toEqual(['dictionary.shadow_added', 'dictionary.shadow_promoted']);
    await waitFor('the worker to reload', () => (holder.version === promoted.body.version ? true : undefined));
    const after = await submit(`${TERM}再次招新。`);
    expect(after.findings.map((f: any) => f.ruleId)).toContain(`sensitive:rumour-safety:${TERM}`);

    const other = await ctx.api('admin').post('/api/admin/shadow-terms', { list: 'advertising.promotion', term: '清仓大甩卖' });
    expect(other.status).toBe(201);
    const discarded = await ctx.api('admin').post(`/api/admin/shadow-terms/${other.body.id}/discard`);
    expect(discarded.body).toMatchObject({ status: 'discarded' });
    const listed = await ctx.api('auditor').get('/api/admin/shadow-terms');
    expect(listed.body.items.map((i: any) => i.status)).toEqual(expect.arrayContaining(['promoted', 'discarded']));
  });
});
