import type { Page } from 'playwright-core';
import { PASSWORD } from '../helpers/test-context';
import { card, startHarness, type Harness, type OpenedPage } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 60_000);
afterAll(async () => {
  await h?.close();
});

/**
 * Waits for the card to sit in `column`. How fast it gets there is measured by `npm run bench:board`, not here: a
 * timed assertion fails on a loaded machine and proves nothing on an idle one.
 */
async function arrival(page: Page, id: string, column: string): Promise<void> {
  await page.waitForSelector(card(id, column), { timeout: 15_000 });
}

async function markPage(page: Page): Promise<void> {
  await page.evaluate('window.__noReload = true');
}
const notReloaded = (page: Page) => page.evaluate('window.__noReload === true');

describe('live review board in Chromium', () => {
  let editor: OpenedPage;
  let boards: Record<'r1' | 'r2' | 'r3', OpenedPage>;
  let draftId = '';

  it('an editor signs in and submits a draft through the UI; every reviewer board shows it without reload', async () => {
    boards = {
      r1: await h.open('r1', '/board'),
      r2: await h.open('r2', '/board'),
      r3: await h.open('r3', '/board'),
    };
    for (const b of Object.values(boards)) {
      await b.page.waitForSelector('[data-testid="live-state"][data-state="live"]');
      await markPage(b.page);
    }

    editor = await h.open(null, '/desk');
    await editor.page.fill('input[name="username"]', 'editor');
    await editor.page.fill('input[name="password"]', PASSWORD);
    await editor.page.click('button[type="submit"]');
    await editor.page.waitForSelector('form[aria-label="投稿"]');
    await editor.page.waitForSelector('select[name="platform"] option', { state: 'attached' });
    await editor.page.fill('input[name="title"]', '我校举办第五十届秋季田径运动会');
    await editor.page.fill(
      'textarea[name="body"]',
      '## 开幕式\n\n11月20日，我校第五十届秋季田径运动会在东区体育场开幕。运动员们**再接再励**，打造世界级的校园体育文化。\n\n- 参赛学院：18 个\n- 参赛运动员：2300 余人\n\n本文部分内容来自内部资料，请核实。',
    );
    await h.shot(editor.page, 'desk-submit');
    await editor.page.click('form[aria-label="投稿"] button[type="submit"]');
    await editor.page.waitForURL(/#\/drafts\/[0-9a-f-]{36}$/);
    draftId = editor.page.url().split('/').pop()!;

    // Checks run in the worker; the card reaches 初审 on all three boards by pushes alone.
    for (const b of Object.values(boards)) await b.page.waitForSelector(card(draftId, 'first'), { timeout: 15_000 });
    const text = await boards.r1.page.textContent(card(draftId));
    expect(text).toContain('我校举办第五十届秋季田径运动会');
    expect(text).toMatch(/\d{4}-\d{6}/);
    await h.shot(boards.r1.page, 'board-first');
  });

  it('the review page highlights findings in place and offers exactly the allowed actions', async () => {
    const review = await h.tab(boards.r1, `/drafts/${draftId}`);
    await review.waitForSelector('[data-testid="draft-body"] mark.finding');
    const marks = await review.$$eval('[data-testid="draft-body"] mark.finding', (els) => els.map((e) => e.textContent));
    expect(marks).toEqual(expect.arrayContaining(['再接再励', '内部资料']));
    const detail = (await h.ctx.api('r1').get(`/api/drafts/${draftId}`)).body as { allowedActions: string[] };
    const offered = await review.$$eval('[data-testid="decide"] button[data-action]', (els) => els.map((e) => e.getAttribute('data-action')));
    expect(offered).toEqual(detail.allowedActions.filter((a) => ['approve', 'return', 'reject'].includes(a)));
    await h.shot(review, 'review-highlights');
    await review.close();
  });

  it('each approval moves the card on every board by push, without reload', async () => {
    const stages: Array<['r1' | 'r2' | 'r3', string, string]> = [
      ['r1', 'first', 'second'],
      ['r2', 'second', 'final'],
      ['r3', 'final', 'approved'],
    ];
    for (const [who, , next] of stages) {
      const review = await h.tab(boards[who], `/drafts/${draftId}`);
      await review.waitForSelector('[data-testid="decide"] button[data-action="approve"]');
      await review.fill('textarea[aria-label="审核意见"]', '同意');
      const [response] = await Promise.all([
        review.waitForResponse((r) => r.url().endsWith(`/api/drafts/${draftId}/decisions`) && r.request().method() === 'POST'),
        review.click('[data-testid="decide"] button[data-action="approve"]'),
      ]);
      expect(response.status()).toBe(200);
      await Promise.all(Object.values(boards).map((b) => arrival(b.page, draftId, next)));
      await review.close();
    }
    for (const b of Object.values(boards)) expect(await notReloaded(b.page)).toBe(true);
    await h.shot(boards.r3.page, 'board-approved');
  });

  it('the editor releases and sees the released hash; it equals the approved revision hash', async () => {
    await editor.page.goto(`${h.url}/#/drafts/${draftId}`);
    await editor.page.reload();
    await editor.page.click('[data-testid="author-actions"] button[data-action="release"]');
    const hash = (await editor.page.textContent('[data-testid="released-hash"] code', { timeout: 5_000 }))!.trim();
    const detail = (await h.ctx.api('editor').get(`/api/drafts/${draftId}`)).body as { status: string; currentRevision: { hash: string } };
    expect(detail.status).toBe('released');
    expect(hash).toBe(detail.currentRevision.hash);
    // Released drafts leave the board everywhere.
    for (const b of Object.values(boards)) await b.page.waitForSelector(card(draftId), { state: 'detached', timeout: 2_000 });
    await h.shot(editor.page, 'released');
  });

  it('two reviewers approving the same stage at the same moment: one decision, the other is told who decided', async () => {
    const submitted = await h.ctx.api('editor').post('/api/drafts', { platformId: h.ctx.people.platformId, title: '图书馆延长开放时间的通知', body: '自12月1日起，图书馆开放时间延长至晚上十一点。', format: 'markdown' });
    expect(submitted.status).toBe(201);
    const id = submitted.body.id as string;
    const other = await h.open('multi', `/board`);
    await other.page.waitForSelector(card(id, 'first'), { timeout: 15_000 });
    const a = await h.tab(boards.r1, `/drafts/${id}`);
    const b = await h.tab(other, `/drafts/${id}`);
    for (const p of [a, b]) await p.waitForSelector('[data-testid="decide"] button[data-action="approve"]');

    // Both clicks leave in the same tick: no page can see the other's result before sending its own.
    const responses = Promise.all([a, b].map((p) => p.waitForResponse((r) => r.url().endsWith(`/api/drafts/${id}/decisions`))));
    await Promise.all([a, b].map((p) => p.evaluate(`document.querySelector('[data-testid="decide"] button[data-action="approve"]').click()`)));
    const [ra, rb] = await responses;
    expect([ra!.status(), rb!.status()].sort()).toEqual([200, 409]);
    const loserPage = ra!.status() === 409 ? a : b;
    const winnerUser = loserPage === a ? 'multi' : 'r1';
    await loserPage.waitForSelector('[data-testid="notice"].notice-conflict');
    const text = await loserPage.textContent('[data-testid="notice"]');
    expect(text).toContain(`测试${winnerUser}`);
    expect(text).toContain('通过');
    // The loser's page shows the fresh state: the draft moved on to 复审.
    await loserPage.waitForSelector('[data-testid="review-page"][data-version]');
    expect(await loserPage.textContent('[data-testid="draft-status"]')).toContain('复审');
    const decisions = await h.ctx.superuser<{ n: number }>(`SELECT count(*)::int AS n FROM decisions WHERE draft_id = $1 AND stage = 'first'`, [id]);
    expect(decisions[0]!.n).toBe(1);
    await h.shot(loserPage, 'conflict-notice');
  });

  it('the auditor opens the trail, sees the chain verified, exports CSV and opens the 审稿单', async () => {
    const auditor = await h.open('auditor', '/audit');
    const number = (await h.ctx.api('auditor').get(`/api/drafts/${draftId}`)).body.number as string;
    await auditor.page.fill('input[aria-label="搜索稿件"]', number);
    // Narrowed further by the 初审 reviewer who decided on it.
    await auditor.page.fill('input[aria-label="审核人"]', 'r1');
    await auditor.page.click(`[data-testid="audit-results"] a[href="#/audit/${draftId}"]`);
    const badge = await auditor.page.waitForSelector('[data-testid="verify-badge"]');
    expect(await badge.getAttribute('data-ok')).toBe('true');
    expect(await auditor.page.$$eval('[data-testid="trail-event"]', (els) => els.length)).toBeGreaterThanOrEqual(6);
    await h.shot(auditor.page, 'audit-trail');

    const [download] = await Promise.all([auditor.page.waitForEvent('download'), auditor.page.click('[data-testid="export-csv"]')]);
    const csv = await new Promise<string>((resolve, reject) => {
      void download.createReadStream().then((stream) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        stream.on('error', reject);
      });
    });
    expect(download.suggestedFilename()).toBe(`trail-${number}.csv`);
    expect(csv.split('\n')[0]).toContain('seq');
    expect(csv).toContain('draft.released');

    const [sheet] = await Promise.all([auditor.context.waitForEvent('page'), auditor.page.click('[data-testid="review-sheet-link"]')]);
    await sheet.waitForLoadState();
    expect(await sheet.textContent('body')).toContain('S-r3');
    await h.shot(sheet, 'review-sheet');
    expect(auditor.problems).toEqual([]);
  });

  it('no page logged an error or a CSP violation', () => {
    for (const opened of [editor, ...Object.values(boards)]) expect(opened.problems).toEqual([]);
  });
});
