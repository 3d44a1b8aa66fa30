import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { SESSION_COOKIE } from '../../src/http/routes/auth.routes';
import { startApiProcess, type ApiProcess } from '../helpers/api-process';
import { createTestContext, waitForDraft, type TestContext } from '../helpers/test-context';
import { card, CHROMIUM_ARGS, SCREENSHOTS } from './harness';

/**
 * Claims and viewers in real Chromium, across two real API processes: the claimant works on process A, another
 * reviewer watches the board on process B; closing the claimant's tab clears the claim on that board.
 */
let ctx: TestContext;
let a: ApiProcess;
let b: ApiProcess;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  ctx = await createTestContext({ accounts: ['editor', 'r1', 'r2'] });
  [a, b, browser] = await Promise.all([
    startApiProcess({ name: 'api-a', databaseUrl: ctx.databaseUrl, prefix: ctx.prefix }),
    startApiProcess({ name: 'api-b', databaseUrl: ctx.databaseUrl, prefix: ctx.prefix }),
    chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS }),
    ctx.startWorker(),
  ]);
}, 90_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await Promise.all([a?.stop(), b?.stop()]);
  await ctx?.close();
});

async function open(proc: ApiProcess, user: string, path: string): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ baseURL: proc.url, viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  contexts.push(context);
  await context.addCookies([{ name: SESSION_COOKIE, value: ctx.people.tokens[user]!, url: proc.url, httpOnly: true, sameSite: 'Lax' }]);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  await page.goto(`${proc.url}/#${path}`);
  await page.waitForSelector('[data-testid="live-state"][data-state="live"]');
  return { page, problems };
}

describe('认领 and 正在查看 on the board', () => {
  it('a claim made in one browser shows on another reviewer’s board and clears when the claimant’s tab closes', async () => {
    const submitted = await ctx.api('editor').post('/api/drafts', { platformId: ctx.people.platformId, title: '认领演示稿件', body: '认领演示稿件正文，供初审。', format: 'markdown' });
    expect(submitted.status).toBe(201);
    const id = submitted.body.id as string;
    await waitForDraft(ctx, 'r1', id, (d) => d.status === 'in_review' && d.stage === 'first');

    const board = await open(b, 'r2', '/board');
    await board.page.waitForSelector(card(id, 'first'));
    expect(await board.page.locator(`${card(id)} [data-testid="claim"]`).count()).toBe(0);

    const review = await open(a, 'r1', `/drafts/${id}`);
    await review.page.waitForSelector('[data-testid="presence-box"] [data-action="claim"]');
    // Opening the page alone shows the claimant as a viewer on the other board.
    await board.page.waitForSelector(`${card(id)} [data-testid="viewers"]:has-text("测试r1")`, { timeout: 5_000 });

    await review.page.click('[data-testid="presence-box"] [data-action="claim"]');
    await review.page.waitForSelector('[data-testid="claim-state"]:has-text("我 已认领")');
    await review.page.waitForSelector('[data-testid="presence-box"] [data-action="unclaim"]');
    const claim = board.page.locator(`${card(id)} [data-testid="claim"]`);
    await claim.waitFor({ timeout: 5_000 });
    expect(await claim.textContent()).toBe('测试r1 已认领');
    await board.page.screenshot({ path: join(SCREENSHOTS, 'board-claim.png'), fullPage: true });
    await review.page.screenshot({ path: join(SCREENSHOTS, 'review-claim.png'), fullPage: true });

    // The other reviewer opens the draft too: the claimant sees who else is looking.
    const peek = await board.page.context().newPage();
    await peek.goto(`${b.url}/#/drafts/${id}`);
    await review.page.waitForSelector('[data-testid="viewing"]:has-text("测试r2")', { timeout: 5_000 });
    await peek.close();
    await review.page.waitForSelector('[data-testid="viewing"]:has-text("仅我")', { timeout: 5_000 });

    // Closing the claimant's tab drops the socket: the claim (after its grace period) and the viewer go.
    await review.page.close();
    await board.page.waitForSelector(`${card(id)} [data-testid="card-presence"]`, { state: 'detached', timeout: 15_000 });
    const left = await ctx.api('r2').get(`/api/presence?draft=${id}`);
    expect(left.status).toBe(200);
    expect(left.body.items[0]).toMatchObject({ draftId: id, claim: null, viewerCount: 0 });
    expect([...board.problems, ...review.problems]).toEqual([]);
  });
});
