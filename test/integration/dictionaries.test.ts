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
    const del = await request(ctx.app)
      .delete(`/api/admin/dictionaries/whitelist/terms/${encodeURIComponent('大麻烦')}`)
      .set('Authorization', `Bearer ${ctx.people.tokens.auditor}`);
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
    for (const [user, stage] of [
      ['r1', 'first'],
      ['r2', 'second'],
      ['r3', 'final'],
    ] as const) {
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

// Made-up entries no shipped list contains.
const PAIR = { wrong: '综合楼大听', right: '综合楼大厅', note: '测试用错别字', severity: 'review' as const };
const TITLES = { name: '钱立群', titles: ['副院长'], note: '测试用（虚构）' };
const RULE = { id: 'test-free-loan', category: 'illegal-services', severity: 'review' as const, termsA: ['零息速贷'], termsB: ['新生群', '迎新群'], window: 10, note: '测试用共现规则' };
const STRUCTURED_TEXT = `院长钱立群在${PAIR.wrong}为新生作报告。会后有人在迎新群里推销零息速贷，已被制止。`;

describe('proofreading pairs, name → title pairs and co-occurrence rules through the admin API', () => {
  it('adds them, and the next draft gets their findings (with suggestions) without restarting the worker', async () => {
    const before = await submitAndCheck(STRUCTURED_TEXT);
    const ours = (d: Record<string, any>) =>
      d.findings.filter((f: FindingView) => [`proofreading:pair:${PAIR.wrong}`, `proofreading:title:${TITLES.name}`, `cooccurrence:${RULE.id}`].includes(f.ruleId));
    expect(ours(before)).toEqual([]);

    const pair = await ctx.api('admin').post('/api/admin/dictionaries/proofreading.pairs/terms', { terms: [PAIR] });
    expect(pair.status).toBe(201);
    expect(pair.body).toMatchObject({ list: 'proofreading.pairs', added: 1, rescanId: null });
    const titles = await ctx.api('admin').post('/api/admin/dictionaries/proofreading.titles/terms', { terms: [TITLES] });
    expect(titles.status).toBe(201);
    const rule = await ctx.api('admin').post('/api/admin/dictionaries/cooccurrence/terms', { terms: [RULE] });
    expect(rule.status).toBe(201);
    // A new banned combination matters in what is already out: it starts a 回溯检查 like a new term.
    expect(rule.body).toMatchObject({ list: 'cooccurrence', added: 1, rescanId: expect.any(String) });
    expect(new Set([pair.body.version, titles.body.version, rule.body.version]).size).toBe(3);
    await waitFor('the worker to reload', () => (holder.version === rule.body.version ? true : undefined));

    const after = await submitAndCheck(STRUCTURED_TEXT);
    expect(ours(after).map((f: FindingView & { suggestion?: string; category: string }) => [f.ruleId, f.category, f.severity, f.matched, f.suggestion ?? null, f.rulesetVersion])).toEqual([
      [`proofreading:title:${TITLES.name}`, 'proofreading.title', 'review', '院长', '副院长', rule.body.version],
      [`proofreading:pair:${PAIR.wrong}`, 'proofreading.wording', 'review', PAIR.wrong, PAIR.right, rule.body.version],
      [`cooccurrence:${RULE.id}`, 'illegal-services', 'review', '迎新群里推销零息速贷', null, rule.body.version],
    ]);

    // Listed with their own columns, marked as admin additions; the change log and the audit trail have them.
    const pairs = await ctx.api('prop').get(`/api/admin/dictionaries/proofreading.pairs/terms?q=${encodeURIComponent('大厅')}`);
    expect(pairs.body).toMatchObject({ format: 'pairs', total: 1, items: [{ term: PAIR.wrong, wrong: PAIR.wrong, right: PAIR.right, severity: 'review', source: 'admin' }] });
    const rules = await ctx.api('auditor').get('/api/admin/dictionaries/cooccurrence/terms');
    expect(rules.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ ...RULE, term: RULE.id, source: 'admin' }), expect.objectContaining({ id: 'drug-trade', source: 'baseline' })]));
    const overview = await ctx.api('admin').get('/api/admin/dictionaries');
    expect(overview.body.lists).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: 'proofreading.titles', format: 'titles', added: 1 }), expect.objectContaining({ key: 'cooccurrence', format: 'cooccurrence', added: 1 })]),
    );
    const changes = await ctx.superuser<{ list: string; terms: string[]; version_after: string }>(
      "SELECT list, terms, version_after FROM dictionary_changes WHERE list IN ('proofreading/pairs.txt', 'proofreading/titles.txt', 'cooccurrence.txt') ORDER BY id",
    );
    expect(changes).toEqual([
      { list: 'proofreading/pairs.txt', terms: [PAIR.wrong], version_after: pair.body.version },
      { list: 'proofreading/titles.txt', terms: [TITLES.name], version_after: titles.body.version },
      { list: 'cooccurrence.txt', terms: [RULE.id], version_after: rule.body.version },
    ]);
    const events = await securityEvents('dictionary.terms_added');
    expect(events.slice(-3).map((e) => e.data.list)).toEqual(['proofreading.pairs', 'proofreading.titles', 'cooccurrence']);

    // The same key again is refused with its index; a body of the wrong shape never reaches the service.
    const again = await ctx.api('admin').post('/api/admin/dictionaries/proofreading.pairs/terms', { terms: [{ wrong: '另一个错字', right: '另一个正字' }, PAIR] });
    expect(again.status).toBe(400);
    expect(again.body.error).toMatchObject({ code: 'validation_failed', details: { issues: [{ index: 1, term: PAIR.wrong }] } });
    const wrongShape = await ctx.api('admin').post('/api/admin/dictionaries/cooccurrence/terms', { terms: [{ term: '大麻' }] });
    expect(wrongShape.status).toBe(400);
    expect(wrongShape.body.error.code).toBe('validation_failed');
    const selfContaining = await ctx.api('admin').post('/api/admin/dictionaries/proofreading.pairs/terms', { terms: [{ wrong: '中心', right: '中心区' }] });
    expect(selfContaining.status).toBe(400);
    expect(selfContaining.body.error.details.issues[0]).toMatchObject({ index: 0, message: expect.stringContaining('contains the wrong form') });
  });

  it('rejects a bad import with its line numbers and imports nothing', async () => {
    const before = (await ctx.api('admin').get('/api/admin/dictionaries')).body.version;
    const pairs = await ctx.api('admin').post('/api/admin/dictionaries/proofreading.pairs/import', {
      text: ['# 外部校对表', '既便\t即便\t错别字', '即便\t即便', '', '帐户\t账户\t规范写法\tfatal', '辩证施治'].join('\n'),
    });
    expect(pairs.status).toBe(400);
    expect(pairs.body.error.details.issues.map((i: { line: number }) => i.line)).toEqual([3, 5, 6]);
    const rules = await ctx.api('admin').post('/api/admin/dictionaries/cooccurrence/import', {
      text: ['ok-rule\tgambling\treview\t投注\t群聊\t8\t说明', 'bad-window\tgambling\treview\t投注\t群聊\tten', 'bad-terms\tgambling\treview\t投注||下注\t群聊\t8'].join('\n'),
    });
    expect(rules.status).toBe(400);
    expect(rules.body.error.details.issues).toEqual([
      expect.objectContaining({ line: 2, message: expect.stringContaining('window') }),
      expect.objectContaining({ line: 3, message: expect.stringContaining('empty item') }),
    ]);
    const asLines = await ctx.api('admin').post('/api/admin/dictionaries/proofreading.titles/import', { text: '孙某某\n', format: 'lines' });
    expect(asLines.status).toBe(400);
    expect((await ctx.api('admin').get('/api/admin/dictionaries')).body.version).toBe(before);

    const ok = await ctx.api('admin').post('/api/admin/dictionaries/proofreading.titles/import', { text: `孙若愚\t处长|副处长\t导入\n${TITLES.name}\t院长\n` });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ added: 1, alreadyPresentCount: 1, alreadyPresent: [{ line: 2, term: TITLES.name }] });
  });

  it('removes them, and the next draft no longer has their findings', async () => {
    const removals = [];
    for (const [list, key] of [
      ['proofreading.pairs', PAIR.wrong],
      ['proofreading.titles', TITLES.name],
      ['cooccurrence', RULE.id],
    ] as const) {
      const res = await request(ctx.app)
        .delete(`/api/admin/dictionaries/${list}/terms/${encodeURIComponent(key)}`)
        .set('Authorization', `Bearer ${ctx.people.tokens.admin}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ removed: 1 });
      removals.push(res.body.version as string);
    }
    // A shipped pair can be taken out the same way (its line becomes a comment in the effective file).
    const shipped = await ctx.api('admin').post('/api/admin/dictionaries/proofreading.pairs/terms/remove', { terms: ['按装'] });
    expect(shipped.status).toBe(200);
    await waitFor('the worker to reload', () => (holder.version === shipped.body.version ? true : undefined));
    const after = await submitAndCheck(`${STRUCTURED_TEXT}请按装好设备。`);
    const left = after.findings.filter((f: FindingView) => /^(proofreading:(pair|title)|cooccurrence):/.test(f.ruleId));
    expect(left).toEqual([]);
    const missing = await ctx.api('admin').post('/api/admin/dictionaries/cooccurrence/terms/remove', { terms: [RULE.id] });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details.issues).toEqual([expect.objectContaining({ index: 0, term: RULE.id })]);
  });
});
