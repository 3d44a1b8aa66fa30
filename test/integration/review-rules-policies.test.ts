import { createTestContext, draftBody, waitForDraft, type TestContext } from '../helpers/test-context';

/**
 * Issue 10, review rules through the API with the real checks: waiver policies (1), routing by platform level (2),
 * the proofreading bound (3), reposts against their original text (5) and what the reviewer and editor are shown (6).
 */
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
const settled = (id: string) => waitForDraft(ctx, 'auditor', id, (d) => d.status !== 'checking');
const decide = async (user: string, id: string, stage: string, action = 'approve', comment = '同意') => {
  const d = await get('auditor', id);
  return ctx.api(user).post(`/api/drafts/${id}/decisions`, { stage, action, comment, version: d.version });
};
const contentOf = (d: Draft) => ({
  title: d.currentRevision.title,
  body: d.currentRevision.body,
  format: d.currentRevision.format,
  origin: d.currentRevision.origin,
  assets: d.currentRevision.assets,
});
async function submit(over: Record<string, unknown> = {}, user = 'editor'): Promise<string> {
  const res = await ctx.api(user).post('/api/drafts', draftBody(ctx, over));
  expect(res.status).toBe(201);
  await settled(res.body.id);
  return res.body.id as string;
}
async function trail(id: string) {
  return (await ctx.api('auditor').get(`/api/drafts/${id}/trail`)).body.events as Array<{ type: string; data: Record<string, any> }>;
}
async function proofread(user: string, id: string, stage: string, change: (c: ReturnType<typeof contentOf>) => ReturnType<typeof contentOf>) {
  const d = await get('auditor', id);
  const res = await ctx.api(user).post(`/api/drafts/${id}/revisions`, { ...change(contentOf(d)), version: d.version, stage, note: '校对' });
  return res;
}

describe('1 · waiver policies', () => {
  it('a 密级 marking can never be waived: no statement, no waiver by anyone, no release; only a revision that removes it', async () => {
    const id = await submit({ body: '机密★1年\n关于召开年度工作会议的通知，请各单位做好准备。' });
    const returned = await get('editor', id);
    expect(returned.status).toBe('returned');
    const marking = returned.findings.find((f: Draft) => f.category === 'secrecy.marking');
    expect(marking).toMatchObject({ severity: 'block', waiverPolicy: 'never', waiverPolicyLabel: '不可豁免', waivable: false });
    // The editor sees why it came back, on the draft.
    expect(returned.autoReturn.findings.map((f: Draft) => f.id)).toContain(marking.id);
    expect(returned.allowedActions).not.toContain('resubmit');

    // 说明理由后重新送审 is refused: it would ask someone to waive what nobody may waive.
    const resubmit = await ctx.api('editor').post(`/api/drafts/${id}/resubmit`, { statement: '历史展品说明', version: returned.version });
    expect(resubmit.status).toBe(403);
    expect(resubmit.body.error).toMatchObject({ code: 'waiver_not_allowed', details: { policy: 'never' } });
    // Nobody may waive it: not the 初审, not 宣传部.
    for (const who of ['r1', 'prop']) {
      const waive = await ctx.api(who).post(`/api/drafts/${id}/findings/${marking.id}/waive`, { reason: '已核实' });
      expect(waive.status).toBe(403);
      expect(waive.body.error).toMatchObject({ code: 'waiver_not_allowed', details: { policy: 'never' } });
    }
    expect((await get('auditor', id)).findings.find((f: Draft) => f.id === marking.id).waived).toBeNull();

    // A revision that removes the marking goes on.
    const d = await get('editor', id);
    const revised = await ctx.api('editor').post(`/api/drafts/${id}/revisions`, { ...contentOf(d), body: '关于召开年度工作会议的通知，请各单位做好准备。', version: d.version });
    expect(revised.status).toBe(201);
    expect((await settled(id)).status).toBe('in_review');
  });

  it('a legacy waiver on a never finding does not open the gate', async () => {
    const id = await submit({ body: '绝密★\n年度工作安排如下。' });
    const d = await get('auditor', id);
    const marking = d.findings.find((f: Draft) => f.category === 'secrecy.marking');
    // As if waived before policies existed (superuser, outside the app).
    await ctx.superuser(`UPDATE findings SET waived_at = now(), waived_by = $2, waive_reason = '旧豁免' WHERE id = $1`, [marking.id, ctx.people.ids.r1]);
    const after = await get('auditor', id);
    expect(after.releaseGate.map((u: Draft) => u.code)).toContain('unwaivable_findings');
    expect(after.releaseGate.map((u: Draft) => u.code)).toContain('blocking_findings');
  });

  it.each([
    ['a valid ID number of a third party', '请联系张三，身份证号110101199003074514，办理手续。', 'personal.id-card'],
    ['a politics term', '有人在网上鼓吹颠覆国家政权。', 'politics'],
  ])('%s is never waivable', async (_name, body, category) => {
    const id = await submit({ body });
    const d = await get('editor', id);
    const f = d.findings.find((x: Draft) => x.category === category && x.severity === 'block');
    expect(f).toMatchObject({ waiverPolicy: 'never' });
    const waive = await ctx.api('prop').post(`/api/drafts/${id}/findings/${f.id}/waive`, { reason: '已核实' });
    expect(waive.status).toBe(403);
    expect(waive.body.error.code).toBe('waiver_not_allowed');
  });

  it('another block (an unlicensed image) only 宣传部 may waive, with a reason; the trail, the waiver list and the 审稿单 name it', async () => {
    const id = await submit({ assets: [{ kind: 'image', name: '运动会现场.jpg' }] });
    const returned = await get('editor', id);
    const f = returned.findings.find((x: Draft) => x.ruleId === 'copyright:asset-unlicensed');
    expect(f).toMatchObject({ waiverPolicy: 'propaganda', waiverPolicyLabel: '仅宣传部可豁免' });
    const resubmit = await ctx.api('editor').post(`/api/drafts/${id}/resubmit`, { statement: '图片为学院自摄，已取得授权', version: returned.version });
    expect(resubmit.status).toBe(200);

    // The 初审 sees the statement next to the findings, and may not waive this one.
    const atFirst = await get('r1', id);
    expect(atFirst.resubmission).toMatchObject({ statement: '图片为学院自摄，已取得授权' });
    expect(atFirst.findings.find((x: Draft) => x.id === f.id).waivable).toBe(false);
    expect(atFirst.allowedActions).not.toContain('waive');
    const byStage = await ctx.api('r1').post(`/api/drafts/${id}/findings/${f.id}/waive`, { reason: '已核实' });
    expect(byStage.status).toBe(403);
    expect(byStage.body.error).toMatchObject({ code: 'waiver_not_allowed', details: { policy: 'propaganda' } });

    // 宣传部 may, with a reason.
    expect((await get('prop', id)).findings.find((x: Draft) => x.id === f.id).waivable).toBe(true);
    expect((await ctx.api('prop').post(`/api/drafts/${id}/findings/${f.id}/waive`, { reason: ' ' })).status).toBe(400);
    const waived = await ctx.api('prop').post(`/api/drafts/${id}/findings/${f.id}/waive`, { reason: '宣传部核实：学院自摄图片' });
    expect(waived.status).toBe(200);
    const event = (await trail(id)).at(-1)!;
    expect(event).toMatchObject({ type: 'finding.waived', data: { findingId: f.id, matched: f.matched, message: f.message, policy: 'propaganda', reason: '宣传部核实：学院自摄图片' } });

    const list = await ctx.api('auditor').get(`/api/drafts/${id}/waivers`);
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({
        findingId: f.id,
        ruleId: 'copyright:asset-unlicensed',
        message: f.message,
        reason: '宣传部核实：学院自摄图片',
        policy: 'propaganda',
        by: expect.objectContaining({ displayName: '测试prop', staffId: 'S-prop' }),
      }),
    ]);
    const sheet = await ctx.api('auditor').get(`/api/drafts/${id}/review-sheet`);
    expect(sheet.text).toContain('宣传部核实：学院自摄图片');
    expect(sheet.text).toContain('copyright:asset-unlicensed');
    expect(sheet.text).toContain('测试prop');
    expect(sheet.text).toContain('仅宣传部可豁免');
    expect(sheet.text).toContain('流程：初审 → 复审 → 终审');
    // Another unit cannot read the waivers.
    expect((await ctx.api('foreign').get(`/api/drafts/${id}/waivers`)).status).toBe(403);
  });
});

describe('2 · routing from the platform', () => {
  it('a school-level platform ends with 宣传部 as its 终审, whoever submits', async () => {
    const id = await submit({ platformId: ctx.people.schoolPlatformId, title: '学院供稿：秋季运动会', body: '11月20日，学校秋季田径运动会在东区体育场开幕，学院师生参加。' });
    const d = await get('editor', id);
    expect(d.platformLevel).toBe('school');
    expect(d.route).toEqual({ stages: ['first', 'second', 'final', 'propaganda'], label: '流程：初审 → 复审 → 终审 → 宣传部' });
    for (const [who, stage] of [
      ['r1', 'first'],
      ['r2', 'second'],
      ['r3', 'final'],
    ] as const)
      expect((await decide(who, id, stage)).status).toBe(200);
    const afterFinal = await get('editor', id);
    expect(afterFinal).toMatchObject({ status: 'in_review', stage: 'propaganda' });
    const early = await ctx.api('editor').post(`/api/drafts/${id}/release`, {});
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('release_blocked');
    expect((await decide('prop', id, 'propaganda')).status).toBe(200);
    expect((await ctx.api('editor').post(`/api/drafts/${id}/release`, {})).status).toBe(200);
  });

  it("a unit platform passes the unit's three stages; another unit's platform is refused with a clear code", async () => {
    const id = await submit();
    expect((await get('editor', id)).route.label).toBe('流程：初审 → 复审 → 终审');
    const refused = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { platformId: ctx.people.otherPlatformId }));
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('platform_not_allowed');
  });
});

describe('3 · the proofreading bound', () => {
  const longBody = `${'我校第五十届秋季田径运动会在东区体育场隆重开幕，来自各学院的两千余名运动员参加比赛。'.repeat(4)}`;
  async function atFinal(body = longBody) {
    const id = await submit({ body });
    expect((await decide('r1', id, 'first')).status).toBe(200);
    expect((await decide('r2', id, 'second')).status).toBe(200);
    return id;
  }

  it('a small correction keeps the earlier approvals', async () => {
    const id = await atFinal();
    const res = await proofread('r3', id, 'final', (c) => ({ ...c, body: c.body.replace('隆重开幕', '正式开幕') }));
    expect(res.status).toBe(201);
    const d = await settled(id);
    expect(d).toMatchObject({ status: 'in_review', stage: 'final', round: 1 });
    const diff = await ctx.api('r3').get(`/api/drafts/${id}/diff?from=1&to=2`);
    expect(diff.body.to.proofreadBound).toMatchObject({ exceeded: false });
  });

  it.each<[string, (c: Draft) => Draft, string]>([
    ['replacing the body', (c) => ({ ...c, body: '全新的正文内容，与此前审核的文字完全不同。'.repeat(6) }), 'chars'],
    // Issue 9: the stored body is canonical HTML (the submitted markdown parsed once), so the edit is HTML too.
    ['a new link', (c) => ({ ...c, body: `${c.body}<p><a href="https://example.edu.cn/signup">报名</a></p>` }), 'links'],
    ['the title', (c) => ({ ...c, title: `${c.title}（更新）` }), 'title'],
    ['the origin', (c) => ({ ...c, origin: { kind: 'adapted', sourceName: '新华社', originalAuthor: '记者' } }), 'origin'],
  ])('%s by 终审 restarts review at 初审, and the diff says so', async (_name, change, reason) => {
    const id = await atFinal();
    const res = await proofread('r3', id, 'final', change as never);
    expect(res.status).toBe(201);
    const d = await settled(id);
    expect(d.round).toBe(2);
    if (d.status === 'in_review') expect(d.stage).toBe('first');
    else expect(d.status).toBe('returned');
    // The release gate sees no approvals of the new round.
    expect(d.releaseGate.filter((u: Draft) => u.code === 'stage_not_approved').length).toBe(3);
    const diff = await ctx.api('r1').get(`/api/drafts/${id}/diff?from=1&to=2`);
    expect(diff.status).toBe(200);
    expect(diff.body.to.proofreadBound).toMatchObject({ exceeded: true });
    expect(diff.body.to.proofreadBound.reasons).toContain(reason);
    expect(diff.body.to.proofreadBound.message).toContain('重新从初审开始');
    expect((await trail(id)).find((e) => e.type === 'revision.proofread')!.data.proofreadBound).toMatchObject({ exceeded: true });
  });
});

describe('5 · reposts', () => {
  const original = '新华社北京11月20日电 教育部近日印发通知，要求各地做好2027届高校毕业生就业工作。';
  const repost = (over: Record<string, unknown> = {}) => ({
    title: '教育部部署2027届高校毕业生就业工作',
    body: original,
    origin: {
      kind: 'repost',
      sourceName: '新华社',
      sourceUrl: 'https://www.news.cn/2026-11/20/c_1.htm',
      originalAuthor: '新华社记者',
      originalTitle: '教育部部署2027届高校毕业生就业工作',
      rightsHolder: '新华通讯社',
      originalText: original,
    },
    ...over,
  });
  const altered = (d: Draft) => d.findings.filter((f: Draft) => f.ruleId === 'copyright:repost-body-altered');

  it('stores 原标题, 权利人, 原文链接 and the original text; punctuation and format changes are no alteration', async () => {
    const id = await submit(repost({ body: '新华社北京11月20日电：教育部近日印发通知,要求各地做好 2027 届高校毕业生就业工作！' }));
    const d = await get('editor', id);
    expect(d.currentRevision.origin).toMatchObject({
      originalTitle: '教育部部署2027届高校毕业生就业工作',
      rightsHolder: '新华通讯社',
      sourceUrl: 'https://www.news.cn/2026-11/20/c_1.htm',
      originalText: original,
    });
    expect(altered(d)).toEqual([]);
  });

  it('a body that changes the words gets a review finding, also after a proofreading edit, and the original text is locked', async () => {
    const id = await submit(repost({ body: original.replace('就业工作', '招生工作') }));
    const d = await get('editor', id);
    expect(altered(d)).toEqual([expect.objectContaining({ severity: 'review', message: expect.stringContaining('转载稿件正文与原文不一致') })]);

    const clean = await submit(repost());
    expect(altered(await get('r1', clean))).toEqual([]);
    const res = await proofread('r1', clean, 'first', (c) => ({ ...c, body: c.body.replace('做好', '认真做好') }));
    expect(res.status).toBe(201);
    expect(altered(await settled(clean))).toHaveLength(1);

    const now = await get('editor', clean);
    const changeOriginal = await ctx
      .api('editor')
      .post(`/api/drafts/${clean}/revisions`, { ...contentOf(now), origin: { ...now.currentRevision.origin, originalText: '另一段原文' }, version: now.version });
    expect(changeOriginal.status).toBe(400);
    expect(changeOriginal.body.error).toMatchObject({ code: 'validation_failed', details: { field: 'origin.originalText' } });
  });
});
