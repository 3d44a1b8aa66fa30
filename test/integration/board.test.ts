import { createTestContext, draftBody, waitForDraft, type TestContext } from '../helpers/test-context';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ accounts: ['editor', 'foreign', 'r1', 'prop', 'auditor'] });
});
afterAll(async () => {
  await ctx?.close();
});

const titles = async (user: string, query = '') => ((await ctx.api(user).get(`/api/board${query}`)).body.items as Array<{ title: string }>).map((d) => d.title).sort();

describe('the board query', () => {
  it('is scoped to the viewer, searches title, number and author, and takes LIKE wildcards literally', async () => {
    const mine = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { title: '运动会_100%报道' }));
    await ctx.api('editor').post('/api/drafts', draftBody(ctx, { title: '图书馆开放时间调整' }));
    const other = await ctx.api('foreign').post('/api/drafts', draftBody(ctx, { title: '外单位稿件', platformId: ctx.people.otherPlatformId }));
    expect([mine.status, other.status]).toEqual([201, 201]);

    expect(await titles('r1')).toEqual(['图书馆开放时间调整', '运动会_100%报道']);
    expect(await titles('prop')).toEqual(['图书馆开放时间调整', '外单位稿件', '运动会_100%报道']);
    expect(await titles('r1', `?text=${encodeURIComponent('_100%')}`)).toEqual(['运动会_100%报道']);
    expect(await titles('r1', `?text=${encodeURIComponent('%')}`)).toEqual(['运动会_100%报道']);
    expect(await titles('r1', `?text=${encodeURIComponent(mine.body.number)}`)).toEqual(['运动会_100%报道']);
    expect(await titles('prop', `?text=${encodeURIComponent('测试foreign')}`)).toEqual(['外单位稿件']);
    expect(await titles('prop', `?unit=${ctx.people.otherUnitId}`)).toEqual(['外单位稿件']);
    expect(await titles('prop', `?platform=${ctx.people.platformId}`)).toEqual(['图书馆开放时间调整', '运动会_100%报道']);
  });
});

describe("the auditor's draft search", () => {
  it('finds drafts by the reviewer who decided on them: display name, username or staff id', async () => {
    await ctx.startWorker();
    const decided = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { title: '初审退回的稿件' }));
    const untouched = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { title: '无人审过的稿件' }));
    const ready = await waitForDraft(ctx, 'editor', decided.body.id, (d) => d.status === 'in_review');
    await waitForDraft(ctx, 'editor', untouched.body.id, (d) => d.status === 'in_review');
    const back = await ctx.api('r1').post(`/api/drafts/${decided.body.id}/decisions`, { stage: 'first', action: 'return', comment: '请补充来源', version: ready.version });
    expect(back.status).toBe(200);

    const search = async (user: string, reviewer: string) => ((await ctx.api(user).get(`/api/drafts?reviewer=${encodeURIComponent(reviewer)}`)).body.items as Array<{ id: string }>).map((d) => d.id);
    for (const name of ['测试r1', 'r1', 'S-r1']) expect(await search('auditor', name)).toEqual([decided.body.id]);
    expect(await search('auditor', '测试prop')).toEqual([]);
    // The reviewer filter narrows what the viewer may read; it never widens it.
    expect(await search('foreign', 'r1')).toEqual([]);
  });
});
