import { createTestContext, draftBody, waitForDraft, type TestContext } from '../helpers/test-context';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ worker: true });
});
afterAll(async () => {
  await ctx?.close();
});

type Draft = Record<string, any>;
const get = (user: string, id: string): Promise<Draft> =>
  ctx
    .api(user)
    .get(`/api/drafts/${id}`)
    .then((r) => r.body);
const diff = (user: string, id: string, from: unknown, to: unknown) => ctx.api(user).get(`/api/drafts/${id}/diff?from=${from}&to=${to}`);

const V1 = '本次活动现场照片见附件。\n\n运动员们再接再励，勇创佳绩。\n\n校领导出席开幕式并致辞。';
// Fixes the typo, keeps the unlicensed image (a blocking finding, to be waived by 宣传部; a 密级 marking could never
// be waived), adds a paragraph with a new finding.
const V2 = '本次活动现场照片见附件。\n\n运动员们再接再厉，勇创佳绩。\n\n学校领导出席开幕式并致辞。\n\n本文部分内容来自内部资料，请核实。';
const ASSETS = [{ kind: 'image', name: '开幕式现场.jpg' }];

describe('diff between any two revisions', () => {
  let id = '';

  beforeAll(async () => {
    const res = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { title: '运动会开幕', body: V1, assets: ASSETS }));
    expect(res.status).toBe(201);
    id = res.body.id;
    const returned = await waitForDraft(ctx, 'editor', id, (d) => d.status === 'returned');
    const revised = await ctx.api('editor').post(`/api/drafts/${id}/revisions`, { version: returned.version, title: '运动会隆重开幕', body: V2, format: 'markdown', assets: ASSETS });
    expect(revised.status).toBe(201);
    const again = await waitForDraft(ctx, 'editor', id, (d) => d.status === 'returned');
    expect((await ctx.api('editor').post(`/api/drafts/${id}/resubmit`, { statement: '照片为本院自摄，已请示', version: again.version })).status).toBe(200);
    const inReview = await waitForDraft(ctx, 'r1', id, (d) => d.status === 'in_review');
    const block = inReview.findings.find((f: Draft) => f.severity === 'block');
    expect((await ctx.api('prop').post(`/api/drafts/${id}/findings/${block.id}/waive`, { reason: '引用原文，已请示', version: inReview.version })).status).toBe(200);
  });

  it('lists each text change in its place with context, and the findings fixed, waived and introduced', async () => {
    const res = await diff('r1', id, 1, 2);
    expect(res.status).toBe(200);
    expect(res.body.from).toMatchObject({ number: 1 });
    expect(res.body.to).toMatchObject({ number: 2, kind: 'revision' });
    const changes = res.body.changes as Array<{ field: string; removed: string; inserted: string; before: string; after: string }>;
    expect(changes.map((c) => [c.field, c.removed, c.inserted])).toEqual([
      ['title', '', '隆重'],
      ['body', '励', '厉'],
      ['body', '', '学'],
      // Issue 9: revisions store the canonical form, so the added markdown paragraph is a canonical <p>.
      ['body', '', '<p>本文部分内容来自内部资料，请核实。</p>\n'],
    ]);
    expect(changes[1]).toMatchObject({ before: expect.stringMatching(/运动员们再接再$/), after: expect.stringMatching(/^，勇创佳绩/) });
    expect(res.body.totalChanges).toBe(4);
    expect(res.body.changedFields).toEqual([]);

    const f = res.body.findings;
    const matched = (list: Draft[]) => list.map((x) => x.matched);
    expect(matched(f.fixed)).toContain('再接再励');
    expect(f.waived.map((x: Draft) => x.ruleId)).toEqual(['copyright:asset-unlicensed']);
    expect(matched(f.introduced)).toContain('内部资料');
    expect(matched(f.remaining)).not.toContain('再接再励');
    expect(f.waived[0].waived).toMatchObject({ reason: '引用原文，已请示' });
    expect(res.body.checksPending).toBe(false);
  });

  it('diffs in either direction and a revision with itself', async () => {
    const back = await diff('auditor', id, 2, 1);
    expect(back.status).toBe(200);
    expect(back.body.changes[1]).toMatchObject({ removed: '厉', inserted: '励' });
    expect(back.body.findings.introduced.map((x: Draft) => x.matched)).toContain('再接再励');
    const same = await diff('r1', id, 2, 2);
    expect(same.body.changes).toEqual([]);
    expect(same.body.findings.fixed).toEqual([]);
    expect(same.body.findings.introduced).toEqual([]);
  });

  it('answers bad requests and other units with clear errors', async () => {
    const cases: Array<[unknown, unknown, number, string]> = [
      [1, 9, 404, 'not_found'],
      [0, 1, 400, 'validation_failed'],
      ['abc', 1, 400, 'validation_failed'],
      [1, '', 400, 'validation_failed'],
      ['1e400', 1, 400, 'validation_failed'],
    ];
    for (const [from, to, status, code] of cases) {
      const res = await diff('r1', id, from, to);
      expect([from, to, res.status, res.body.error?.code]).toEqual([from, to, status, code]);
    }
    expect((await ctx.api('r1').get(`/api/drafts/${id}/diff?from=1`)).status).toBe(400);
    expect((await ctx.api('r1').get(`/api/drafts/${id}/diff?from=1&to=2&x=1`)).status).toBe(400);
    const foreign = await diff('foreign', id, 1, 2);
    expect([foreign.status, foreign.body.error.code]).toEqual([403, 'forbidden']);
    expect((await diff('r1', '00000000-0000-4000-8000-000000000000', 1, 2)).status).toBe(404);
  });

  it('is described in the OpenAPI document, with the marks endpoints', async () => {
    const paths = Object.keys((await ctx.api('r1').get('/api/openapi.json')).body.paths);
    expect(paths).toEqual(expect.arrayContaining(['/api/drafts/{id}/diff', '/api/drafts/{id}/marks', '/api/drafts/{id}/marks/{mid}/resolve', '/api/drafts/{id}/marks/apply']));
  });

  it('is what the stored revision diff says for consecutive revisions', async () => {
    const detail = await get('r1', id);
    const stored = detail.revisions.find((r: Draft) => r.number === 2).diff.changes;
    const res = await diff('r1', id, 1, 2);
    expect(res.body.changes.map(({ field, start, at, removed, inserted }: Draft) => ({ field, start, at, removed, inserted }))).toEqual(stored);
  });
});
