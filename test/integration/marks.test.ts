import { canonicalise } from '../../src/shared/document/canonicalise';
import { buildRevisionText } from '../../src/checks/text/extract';
import { createTestContext, draftBody, waitForDraft, type TestContext } from '../helpers/test-context';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ worker: true });
});
afterAll(async () => {
  await ctx?.close();
});

const TITLE = '我校举办第五十届秋季田径运动会';
const BODY = '## 开幕式\n\n11月20日，我校第五十届秋季田径运动会在东区体育场开幕。运动员们**再接再励**，勇创佳绩。\n\n校领导出席开幕式并致辞。';
// Issue 9: a revision stores the canonical form of what was submitted; source spans index that stored form.
const STORED = canonicalise(BODY, 'markdown').body;
const PLAIN = buildRevisionText({ title: TITLE, body: STORED, format: 'html' }).text;
const plainSpan = (text: string) => ({ start: PLAIN.indexOf(text), end: PLAIN.indexOf(text) + text.length });

type Draft = Record<string, any>;
const get = (user: string, id: string): Promise<Draft> =>
  ctx
    .api(user)
    .get(`/api/drafts/${id}`)
    .then((r) => r.body);
const marksOf = (user: string, id: string) => ctx.api(user).get(`/api/drafts/${id}/marks`);
const events = (id: string) =>
  ctx.superuser<{ type: string; actor_id: string | null; revision_id: string; data: Record<string, any> }>('SELECT type, actor_id, revision_id, data FROM audit_events WHERE chain = $1 ORDER BY seq', [
    `draft-${id}`,
  ]);

async function inReview(over: Record<string, unknown> = {}): Promise<Draft> {
  const res = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { title: TITLE, body: BODY, ...over }));
  expect(res.status).toBe(201);
  return waitForDraft(ctx, 'r1', res.body.id, (d) => d.status === 'in_review');
}

describe('校对标记 (proofreading marks)', () => {
  let draft: Draft;
  let comment: Draft;
  let correction: Draft;
  let suggested: Draft;

  beforeAll(async () => {
    draft = await inReview();
  });

  it('the 初审 reviewer marks a selected span with a comment, a correction, and accepts a check suggestion', async () => {
    const before = await events(draft.id);
    const revisionId = draft.currentRevision.id as string;

    // A comment on a span of the original body, as the browser sends it; untrusted text is stored as given.
    const at = STORED.indexOf('勇创佳绩');
    const c = await ctx.api('r1').post(`/api/drafts/${draft.id}/marks`, { revisionId, source: { field: 'body', start: at, end: at + 4 }, note: '<img src=x onerror=alert(1)> 口号化，建议删去' });
    expect(c.status).toBe(201);
    comment = c.body;
    expect(comment).toMatchObject({ kind: 'comment', status: 'open', stage: 'first', original: '勇创佳绩', ...plainSpan('勇创佳绩'), replacement: null });
    expect(comment.note).toBe('<img src=x onerror=alert(1)> 口号化，建议删去');
    expect(comment.source).toEqual({ field: 'body', start: at, end: at + 4 });
    expect(comment.author).toMatchObject({ displayName: '测试r1', staffId: 'S-r1' });

    // A correction by plain-text offsets (the coordinates findings use).
    const r = await ctx.api('r1').post(`/api/drafts/${draft.id}/marks`, { revisionId, ...plainSpan('校领导'), replacement: '学校领导', note: '规范称谓' });
    expect(r.status).toBe(201);
    correction = r.body;
    expect(correction).toMatchObject({ kind: 'correction', original: '校领导', replacement: '学校领导', source: { field: 'body', start: STORED.indexOf('校领导') } });

    // A finding's suggestion accepted as a mark.
    const finding = draft.findings.find((f: Draft) => f.matched === '再接再励');
    expect(finding).toMatchObject({ suggestion: '再接再厉' });
    const s = await ctx.api('r1').post(`/api/drafts/${draft.id}/marks`, { revisionId, findingId: finding.id });
    expect(s.status).toBe(201);
    suggested = s.body;
    expect(suggested).toMatchObject({ kind: 'correction', findingId: finding.id, original: '再接再励', replacement: '再接再厉', start: finding.start, end: finding.end });
    const again = await ctx.api('r1').post(`/api/drafts/${draft.id}/marks`, { revisionId, findingId: finding.id });
    expect(again.status).toBe(409);

    // One audit event per mark, on the draft's chain; marks are not state changes, so the version stays.
    const after = await events(draft.id);
    const added = after.slice(before.length);
    expect(added.map((e) => e.type)).toEqual(['mark.created', 'mark.created', 'mark.created']);
    expect(added[0]).toMatchObject({ actor_id: ctx.people.ids.r1, revision_id: revisionId, data: { markId: comment.id, kind: 'comment', stage: 'first', original: '勇创佳绩' } });
    expect((await get('r1', draft.id)).version).toBe(draft.version);
    expect((await ctx.api('auditor').get(`/api/drafts/${draft.id}/trail/verify`)).body.ok).toBe(true);

    // The printable 审稿单 lists every mark, escaped.
    const sheet = await ctx.api('auditor').get(`/api/drafts/${draft.id}/review-sheet`);
    expect(sheet.status).toBe(200);
    expect(sheet.text).toContain('改为「学校领导」；规范称谓');
    expect(sheet.text).toContain('批注：&lt;img src=x onerror=alert(1)&gt; 口号化，建议删去');
    expect(sheet.text).not.toContain('<img src=x');
  });

  it('refuses marks from anyone who may not act at the current stage, and writes nothing for them', async () => {
    const before = await events(draft.id);
    const body = { revisionId: draft.currentRevision.id, ...plainSpan('开幕式'), note: '看看' };
    for (const user of ['editor', 'editor2', 'r2', 'r3', 'temp', 'foreign', 'prop', 'auditor', 'admin']) {
      const res = await ctx.api(user).post(`/api/drafts/${draft.id}/marks`, body);
      expect([user, res.status, res.body.error?.code]).toEqual([user, 403, 'forbidden']);
    }
    for (const user of ['r2', 'foreign', 'auditor', 'editor']) {
      const res = await ctx.api(user).post(`/api/drafts/${draft.id}/marks/${comment.id}/resolve`, { decision: 'accept' });
      expect([user, res.status, res.body.error?.code]).toEqual([user, 403, 'forbidden']);
    }
    const apply = await ctx.api('r2').post(`/api/drafts/${draft.id}/marks/apply`, { version: draft.version });
    expect(apply.status).toBe(403);
    expect(await events(draft.id)).toHaveLength(before.length);
    const stored = await ctx.superuser<{ n: number }>('SELECT count(*)::int AS n FROM proof_marks WHERE draft_id = $1', [draft.id]);
    expect(stored[0]!.n).toBe(3);
    // Denials are security events.
    const denials = await ctx.superuser<{ n: number }>("SELECT count(*)::int AS n FROM audit_events WHERE chain = 'security' AND outcome = 'denied' AND data::text LIKE $1", [`%${draft.id}/marks%`]);
    expect(denials[0]!.n).toBeGreaterThan(0);
  });

  it('lets readers of the draft list the marks, but not other units', async () => {
    for (const user of ['editor', 'editor2', 'r2', 'auditor', 'prop', 'admin']) {
      const res = await marksOf(user, draft.id);
      expect([user, res.status]).toEqual([user, 200]);
      expect(res.body.items.map((m: Draft) => m.id)).toEqual([comment.id, correction.id, suggested.id]);
    }
    const foreign = await marksOf('foreign', draft.id);
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.code).toBe('forbidden');
  });

  it('rejects bad marks with a clear 4xx', async () => {
    const revisionId = draft.currentRevision.id;
    const post = (body: object) => ctx.api('r1').post(`/api/drafts/${draft.id}/marks`, body);
    const cases: Array<[object, number, string]> = [
      [{ revisionId, start: 5, end: 5, note: '空' }, 400, 'validation_failed'],
      [{ revisionId, start: 0, end: PLAIN.length + 1, note: '越界' }, 400, 'validation_failed'],
      [{ revisionId, start: TITLE.length - 2, end: TITLE.length + 3, note: '跨越标题和正文' }, 400, 'validation_failed'],
      [{ revisionId, ...plainSpan('开幕式'), note: '   ' }, 400, 'validation_failed'],
      [{ revisionId, ...plainSpan('开幕式'), kind: 'correction', replacement: '开幕式' }, 400, 'validation_failed'],
      [{ revisionId, ...plainSpan('开幕式'), kind: 'comment', replacement: 'x', note: 'y' }, 400, 'validation_failed'],
      [{ revisionId, start: 1, note: '缺 end' }, 400, 'validation_failed'],
      [{ revisionId, start: 1, end: 2, findingId: draft.findings[0].id }, 400, 'validation_failed'],
      [{ revisionId, start: 1, end: 2, note: 'x', status: 'accepted' }, 400, 'validation_failed'],
      [{ revisionId, start: 1, end: 2, note: 'x\u0000' }, 400, 'validation_failed'],
      [{ revisionId: '00000000-0000-4000-8000-000000000000', start: 1, end: 2, note: '旧版本' }, 409, 'conflict'],
      [{ revisionId, findingId: '00000000-0000-4000-8000-000000000000' }, 404, 'not_found'],
    ];
    for (const [body, status, code] of cases) {
      const res = await post(body);
      expect([JSON.stringify(body), res.status, res.body.error?.code]).toEqual([JSON.stringify(body), status, code]);
    }
    const unknownDraft = await ctx.api('r1').post('/api/drafts/00000000-0000-4000-8000-000000000000/marks', { revisionId, start: 1, end: 2, note: 'x' });
    expect(unknownDraft.status).toBe(404);
    expect((await ctx.api('r1').post(`/api/drafts/${draft.id}/marks/not-a-uuid/resolve`, { decision: 'accept' })).status).toBe(400);
  });

  it('the stage reviewer accepts and rejects marks, each once, each audited', async () => {
    const resolve = (id: string, decision: string, note?: string) => ctx.api('r1').post(`/api/drafts/${draft.id}/marks/${id}/resolve`, { decision, ...(note ? { note } : {}) });
    const a = await resolve(correction.id, 'accept');
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ status: 'accepted', resolution: { by: { displayName: '测试r1' }, note: null } });
    expect((await resolve(suggested.id, 'accept')).status).toBe(200);
    const rejected = await resolve(comment.id, 'reject', '保留原句');
    expect(rejected.body).toMatchObject({ status: 'rejected', resolution: { note: '保留原句' } });
    const twice = await resolve(comment.id, 'accept');
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('conflict');
    const types = (await events(draft.id)).map((e) => e.type);
    expect(types.filter((t) => t === 'mark.accepted')).toHaveLength(2);
    expect(types.filter((t) => t === 'mark.rejected')).toHaveLength(1);
  });

  it('applies the accepted corrections as a proofreading edit: a new revision, checks again, same stage, one audit event', async () => {
    const before = await events(draft.id);
    const current = await get('r1', draft.id);
    const stale = await ctx.api('r1').post(`/api/drafts/${draft.id}/marks/apply`, { version: current.version - 1 });
    expect(stale.status).toBe(409);
    const res = await ctx.api('r1').post(`/api/drafts/${draft.id}/marks/apply`, { version: current.version });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'checking', stage: 'first', revision: { number: 2 } });
    expect(res.body.revision.applied.sort()).toEqual([correction.id, suggested.id].sort());

    const added = (await events(draft.id)).slice(before.length);
    expect(added.map((e) => e.type)).toEqual(['revision.proofread']);
    expect(added[0]!.data).toMatchObject({
      stage: 'first',
      revisionNumber: 2,
      marks: expect.arrayContaining([expect.objectContaining({ markId: correction.id, original: '校领导', suggestion: '学校领导' })]),
    });

    const next = await waitForDraft(ctx, 'r1', draft.id, (d) => d.status === 'in_review');
    expect(next.stage).toBe('first');
    expect(next.currentRevision).toMatchObject({ number: 2, kind: 'proofread' });
    expect(next.currentRevision.body).toBe(STORED.replace('再接再励', '再接再厉').replace('校领导', '学校领导'));
    expect(next.findings.some((f: Draft) => f.matched === '再接再励')).toBe(false);

    const marks = (await marksOf('r1', draft.id)).body.items as Draft[];
    expect(marks.find((m) => m.id === correction.id)).toMatchObject({ status: 'applied', appliedRevisionId: next.currentRevision.id });
    expect(marks.find((m) => m.id === comment.id)).toMatchObject({ status: 'rejected', appliedRevisionId: null });
    // Nothing left to apply; marks of the older revision are closed to resolution.
    expect((await ctx.api('r1').post(`/api/drafts/${draft.id}/marks/apply`, { version: next.version })).body.error.code).toBe('validation_failed');
    draft = next;
  });

  it('after 初审 approves, marking passes to 复审; 初审 may no longer mark', async () => {
    const approved = await ctx.api('r1').post(`/api/drafts/${draft.id}/decisions`, { stage: 'first', action: 'approve', comment: '同意', version: draft.version });
    expect(approved.status).toBe(200);
    const revisionId = draft.currentRevision.id;
    const span = { ...plainSpan('开幕式'), note: '小标题可更具体' };
    expect((await ctx.api('r1').post(`/api/drafts/${draft.id}/marks`, { revisionId, ...span })).status).toBe(403);
    const byR2 = await ctx.api('r2').post(`/api/drafts/${draft.id}/marks`, { revisionId, ...span });
    expect(byR2.status).toBe(201);
    expect(byR2.body.stage).toBe('second');
  });

  it('refuses a correction whose source crosses markup, allows a comment there, and escapes HTML on apply', async () => {
    const html = await inReview({ title: '图书馆通知', format: 'html', body: '<p>运动员们<b>再接</b>再励。开放时间A&amp;B。</p>' });
    const revisionId = html.currentRevision.id;
    const plain = buildRevisionText({ title: '图书馆通知', body: html.currentRevision.body, format: 'html' }).text;
    const span = (t: string) => ({ start: plain.indexOf(t), end: plain.indexOf(t) + t.length });
    const crossing = await ctx.api('r1').post(`/api/drafts/${html.id}/marks`, { revisionId, ...span('再接再励'), replacement: '再接再厉' });
    expect(crossing.status).toBe(400);
    expect(crossing.body.error.message).toContain('格式标记');
    const open = await ctx.api('r1').post(`/api/drafts/${html.id}/marks`, { revisionId, ...span('再接再励'), note: '错别字' });
    expect(open.status).toBe(201);

    const entity = await ctx.api('r1').post(`/api/drafts/${html.id}/marks`, { revisionId, ...span('A&B'), replacement: '<script>x</script>' });
    expect(entity.status).toBe(201);
    expect(entity.body.source).toEqual({ field: 'body', start: html.currentRevision.body.indexOf('A&amp;B'), end: html.currentRevision.body.indexOf('A&amp;B') + 7 });
    expect((await ctx.api('r1').post(`/api/drafts/${html.id}/marks/${entity.body.id}/resolve`, { decision: 'accept' })).status).toBe(200);
    const applied = await ctx.api('r1').post(`/api/drafts/${html.id}/marks/apply`, { version: html.version, note: '校对' });
    expect(applied.status).toBe(201);
    const next = await waitForDraft(ctx, 'r1', html.id, (d) => d.status !== 'checking');
    expect(next.currentRevision.body).toBe('<p>运动员们<strong>再接</strong>再励。开放时间&lt;script&gt;x&lt;/script&gt;。</p>\n');
    // The comment left open on the older revision can no longer be settled there.
    const late = await ctx.api('r1').post(`/api/drafts/${html.id}/marks/${open.body.id}/resolve`, { decision: 'reject' });
    expect([late.status, late.body.error.code]).toEqual([409, 'conflict']);
  });

  it('the app role can record and resolve marks but never rewrite what a mark says or delete it', async () => {
    const asApp = (statement: string) => ctx.superuser(`SET ROLE sanshen_app; ${statement}`);
    await expect(asApp(`UPDATE proof_marks SET original = 'x' WHERE id = '${comment.id}'`)).rejects.toThrow(/permission denied/);
    await expect(asApp(`UPDATE proof_marks SET note = 'x' WHERE id = '${comment.id}'`)).rejects.toThrow(/permission denied/);
    await expect(asApp(`DELETE FROM proof_marks WHERE id = '${comment.id}'`)).rejects.toThrow(/permission denied/);
    await expect(asApp(`UPDATE audit_events SET actor_name = 'x' WHERE draft_id = '${draft.id}'`)).rejects.toThrow(/permission denied|append-only/);
    // The resolution columns stay writable (this would throw otherwise).
    await asApp(`UPDATE proof_marks SET resolution_note = resolution_note WHERE id = '${comment.id}'`);
  });
});
