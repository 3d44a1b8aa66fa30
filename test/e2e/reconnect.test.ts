import { waitForDraft } from '../helpers/test-context';
import { boardColumns, card, expectedColumns, startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 60_000);
afterAll(async () => {
  await h?.close();
});

async function submitted(title: string): Promise<string> {
  const res = await h.ctx.api('editor').post('/api/drafts', { platformId: h.ctx.people.platformId, title, body: `${title}。正文内容，供审核。`, format: 'markdown' });
  expect(res.status).toBe(201);
  await waitForDraft(h.ctx, 'r1', res.body.id, (d) => d.status === 'in_review');
  return res.body.id as string;
}

async function approve(user: string, id: string, stage: string): Promise<void> {
  const d = await h.ctx.api(user).get(`/api/drafts/${id}`);
  const res = await h.ctx.api(user).post(`/api/drafts/${id}/decisions`, { stage, action: 'approve', comment: '同意', version: d.body.version });
  expect(res.status).toBe(200);
}

describe('a board whose connection drops converges on the database', () => {
  it('changes made while the socket is cut all show once it is restored, without reload', async () => {
    const a = await submitted('断线期间将通过初审的稿件');
    const b = await submitted('断线期间将被撤回的稿件');
    const c = await submitted('断线期间将被退回的稿件');

    const board = await h.open('r1', '/board', { viaProxy: true });
    await board.page.waitForSelector('[data-testid="live-state"][data-state="live"]');
    for (const id of [a, b, c]) await board.page.waitForSelector(card(id, 'first'));
    await board.page.evaluate('window.__noReload = true');

    h.proxy.cut();
    await board.page.waitForSelector('[data-testid="live-state"][data-state="offline"]', { timeout: 5_000 });

    await approve('r1', a, 'first');
    const bv = (await h.ctx.api('editor').get(`/api/drafts/${b}`)).body.version as number;
    expect((await h.ctx.api('editor').post(`/api/drafts/${b}/withdraw`, { version: bv })).status).toBe(200);
    const cv = (await h.ctx.api('r1').get(`/api/drafts/${c}`)).body.version as number;
    expect((await h.ctx.api('r1').post(`/api/drafts/${c}/decisions`, { stage: 'first', action: 'return', comment: '请补充来源', version: cv })).status).toBe(200);
    const d = await submitted('断线期间新投的稿件');

    // Nothing can reach the page while cut: it still shows the old state.
    expect(await boardColumns(board.page)).toEqual({ [a]: 'first', [b]: 'first', [c]: 'first' });
    await h.shot(board.page, 'board-offline');

    h.proxy.restore();
    await board.page.waitForSelector('[data-testid="live-state"][data-state="live"]', { timeout: 10_000 });
    const expected = await expectedColumns(h, 'r1');
    expect(expected).toEqual({ [a]: 'second', [c]: 'returned', [d]: 'first' });
    await board.page.waitForFunction(
      `(() => { const want = ${JSON.stringify(expected)}; const got = {};
        for (const col of document.querySelectorAll('[data-testid="board"] [data-column]'))
          for (const el of col.querySelectorAll('[data-draft-id]')) got[el.getAttribute('data-draft-id')] = col.getAttribute('data-column');
        return JSON.stringify(Object.entries(got).sort()) === JSON.stringify(Object.entries(want).sort()); })()`,
      undefined,
      { timeout: 5_000 },
    );
    expect(await boardColumns(board.page)).toEqual(expected);
    expect(await board.page.evaluate('window.__noReload === true')).toBe(true);
    await h.shot(board.page, 'board-reconnected');

    // And it is live again: the next change arrives by push.
    await approve('r2', a, 'second');
    await board.page.waitForSelector(card(a, 'final'), { timeout: 2_000 });
  });
});
