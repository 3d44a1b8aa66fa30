import request from 'supertest';
import { waitForDraft } from '../helpers/test-context';
import { startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  // One draft carried to release and one left waiting, so every chart has something to show.
  for (const title of ['学校召开2026年宣传工作会议', '图书馆新馆开馆']) {
    const res = await h.ctx.api('editor').post('/api/drafts', { platformId: h.ctx.people.platformId, title, body: `${title}。本次活动为内部资料整理，请核实。`, format: 'markdown' });
    await waitForDraft(h.ctx, 'r1', res.body.id, (d) => d.status === 'in_review');
    if (title.startsWith('图书馆')) continue;
    for (const [user, stage] of [
      ['r1', 'first'],
      ['r2', 'second'],
      ['r3', 'final'],
    ] as const) {
      const d = await h.ctx.api(user).get(`/api/drafts/${res.body.id}`);
      await h.ctx.api(user).post(`/api/drafts/${res.body.id}/decisions`, { stage, action: 'approve', comment: '同意', version: d.body.version });
    }
    const d = await h.ctx.api('editor').get(`/api/drafts/${res.body.id}`);
    expect((await h.ctx.api('editor').post(`/api/drafts/${res.body.id}/release`, { version: d.body.version })).status).toBe(200);
  }
}, 90_000);
afterAll(async () => {
  await h?.close();
});

describe('dashboards and the queue board', () => {
  it('serves dashboard aggregates to school-wide roles only', async () => {
    // Through the harness server: its app was given the queues (the context's own app was not).
    const as = (user: string) => request(h.server).get('/api/dashboards').set('Authorization', `Bearer ${h.ctx.people.tokens[user]}`);
    const res = await as('prop');
    expect(res.status).toBe(200);
    expect(res.body.perStage).toEqual(expect.arrayContaining([expect.objectContaining({ status: 'released', n: 1 }), expect.objectContaining({ status: 'in_review', stage: 'first', n: 1 })]));
    expect(res.body.stageTimes.some((t: { stage: string; period: string }) => t.stage === 'final' && t.period === 'today')).toBe(true);
    expect(res.body.releases).toEqual([expect.objectContaining({ platform: '学院公众号', n: 1 })]);
    expect(res.body.queues[0].counts).toEqual(expect.objectContaining({ waiting: expect.any(Number), failed: expect.any(Number) }));
    expect((await as('r1')).status).toBe(403);
    expect((await as('editor')).status).toBe(403);
  });

  it('renders the 数据看板 with ECharts in Chromium', async () => {
    const opened = await h.open('prop', '/dashboard');
    await opened.page.waitForSelector('[data-testid="chart-releases"] canvas');
    await opened.page.waitForSelector('[data-testid="chart-stage-times"] canvas');
    expect(await opened.page.textContent('[data-testid="quiet-platforms"]')).toContain('学校微博');
    await opened.page.waitForTimeout(500); // chart entry animation
    await h.shot(opened.page, 'dashboards');
    expect(opened.problems).toEqual([]);
  });

  it('mounts @bull-board at /admin/queues for admins only', async () => {
    expect((await request(h.server).get('/admin/queues')).status).toBe(401);
    expect((await request(h.server).get('/admin/queues').set('Authorization', `Bearer ${h.ctx.people.tokens.r1}`)).status).toBe(403);
    const api = await request(h.server).get('/admin/queues/api/queues').set('Authorization', `Bearer ${h.ctx.people.tokens.admin}`);
    expect(api.status).toBe(200);
    expect(JSON.stringify(api.body)).toContain('checks');

    const opened = await h.open('admin', '/board');
    await opened.page.goto(`${h.url}/admin/queues`);
    await opened.page.waitForSelector('text=checks', { timeout: 10_000 });
    await h.shot(opened.page, 'admin-queues');
  });
});
