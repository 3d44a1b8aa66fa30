import type { Page } from 'playwright-core';
import { userRoom } from '../../src/realtime/socket-server';
import { SESSION_COOKIE } from '../../src/http/routes/auth.routes';
import { currentRevision, decide, draftIn } from '../helpers/draft-states';
import { PASSWORD } from '../helpers/test-context';
import { join } from 'node:path';
import { SCREENSHOTS, startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  // What main.ts does: "your inbox changed" reaches the person's own sockets.
  await h.ctx.runtime.notificationEvents.attach((ids) => h.sockets.io.local.to(ids.map(userRoom)).emit('notifications.changed'), null);
}, 60_000);
afterAll(async () => {
  await h?.close();
});

const unread = async (page: Page) => Number(await page.getAttribute('[data-testid="bell"]', 'data-unread'));

describe('notifications in Chromium', () => {
  it('the 通知 bell counts up live when a draft enters the reviewer’s stage, and the inbox deep-links to the draft', async () => {
    const r2 = await h.open('r2', '/board');
    await r2.page.waitForSelector('[data-testid="live-state"][data-state="live"]');
    await r2.page.waitForSelector('[data-testid="bell"]');
    await r2.page.evaluate('window.__noReload = true');
    const before = await unread(r2.page);
    const draft = await draftIn(h.ctx, 'first', { title: '铃铛测试：学院举办读书分享会' });
    await decide(h.ctx, 'r1', draft.id, 'first');
    await r2.page.waitForSelector(`[data-testid="bell"]:not([data-unread="${before}"])`, { timeout: 10_000 });
    expect(await unread(r2.page)).toBeGreaterThan(before);
    expect(await r2.page.evaluate('window.__noReload === true')).toBe(true);
    await h.shot(r2.page, 'notifications-bell-1440');

    await r2.page.click('[data-testid="bell"]');
    await r2.page.waitForSelector(`[data-testid="inbox"] [data-event="review.waiting"]`);
    await h.shot(r2.page, 'notifications-inbox-1440');
    const count = await unread(r2.page);
    await r2.page.click(`[data-testid="inbox"] li.unread .inbox-open >> text=铃铛测试`);
    await r2.page.waitForURL(new RegExp(`#/drafts/${draft.id}$`));
    await r2.page.waitForSelector('[data-testid="review-page"]');
    await r2.page.waitForSelector(`[data-testid="bell"]:not([data-unread="${count}"])`, { timeout: 10_000 });
    expect(await unread(r2.page)).toBe(count - 1);

    // Settings: the page a person sets e-mail, digest and quiet hours on.
    await r2.page.goto(`${h.url}/#/settings`);
    await r2.page.waitForSelector('[data-testid="notification-settings"]');
    await r2.page.check('input[name="quiet"]');
    await r2.page.click('[data-action="save-preferences"]');
    await r2.page.waitForSelector('text=已保存');
    expect((await h.ctx.api('r2').get('/api/me/notification-preferences')).body.quietHours).toEqual({ start: '22:00', end: '07:00' });
    await h.shot(r2.page, 'notifications-settings-1440');
    expect(r2.problems).toEqual([]);
  });

  it('on a phone (390×844): a notification link opened signed-out → login → the review page → 通过, then my queue → review → 退回, one-handed', async () => {
    const linked = await draftIn(h.ctx, 'second', { title: '手机审核：学院召开安全工作会议' });
    const queued = await draftIn(h.ctx, 'second', { title: '手机队列：学院开展志愿服务活动' });
    const inbox = await h.ctx.api('r2').get('/api/notifications');
    const link = (inbox.body.items as Array<{ draftId: string; payload: { link: string } }>).find((i) => i.draftId === linked.id)!.payload.link;
    expect(link).toBe(`/#/drafts/${linked.id}`);

    const context = await h.browser.newContext({
      baseURL: h.url,
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    try {
      await page.goto(`${h.url}${link}`);
      await page.waitForSelector('form[aria-label="登录"]');
      await h.shot(page, 'phone-login-390');
      await page.fill('input[name="username"]', 'r2');
      await page.fill('input[name="password"]', PASSWORD);
      await page.tap('button[type="submit"]');
      // Back where the link pointed, signed in.
      await page.waitForSelector(`[data-testid="review-page"]`);
      expect(page.url()).toMatch(new RegExp(`#/drafts/${linked.id}$`));
      expect((await context.cookies()).some((c) => c.name === SESSION_COOKIE)).toBe(true);

      // The document and its findings come first; the decision bar sits fixed at the bottom within thumb reach.
      const body = await page.locator('[data-testid="draft-body"]').boundingBox();
      const findings = await page.locator('[data-testid="findings"]').boundingBox();
      const bar = await page.locator('[data-testid="decide"]').boundingBox();
      const approve = await page.locator('[data-testid="decide"] [data-action="approve"]').boundingBox();
      expect(body && findings && bar && approve).toBeTruthy();
      expect(body!.y).toBeLessThan(findings!.y);
      expect(await page.evaluate(`getComputedStyle(document.querySelector('[data-testid="decide"]')).position`)).toBe('fixed');
      expect(Math.round(bar!.y + bar!.height)).toBe(844);
      expect(approve!.height).toBeGreaterThanOrEqual(44);
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await h.shot(page, 'phone-review-390');
      // What the thumb sees: the viewport, with the decision bar at the bottom.
      await page.screenshot({ path: join(SCREENSHOTS, 'phone-review-390-viewport.png') });

      await page.tap('[data-testid="decide"] [data-action="approve"]');
      await page.waitForSelector('[data-testid="notice"] >> text=已通过');
      expect((await currentRevision(h.ctx, linked.id)).stage).toBe('final');

      // My queue: what waits for me first; the columns are gone.
      await page.goto(`${h.url}/#/board`);
      await page.waitForSelector('[data-testid="my-queue"] [data-testid="queue-item"]');
      expect(await page.locator('[data-testid="board"]').isVisible()).toBe(false);
      const mine = page.locator('[data-testid="my-queue"] section[aria-label="待我审核"] [data-testid="queue-item"]');
      await mine.first().waitFor();
      expect(await mine.evaluateAll((els) => els.map((e) => e.getAttribute('data-queue-draft')))).toContain(queued.id);
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await h.shot(page, 'phone-queue-390');
      await page.tap(`[data-testid="my-queue"] section[aria-label="待我审核"] [data-queue-draft="${queued.id}"]`);
      await page.waitForSelector('[data-testid="review-page"]');
      await page.fill('[data-testid="decide"] textarea', '请补充会议照片');
      await page.tap('[data-testid="decide"] [data-action="return"]');
      await page.waitForSelector('[data-testid="notice"] >> text=已退回');
      expect((await currentRevision(h.ctx, queued.id)).status).toBe('returned');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('admins add a channel, see failed deliveries with their error, and retry them', async () => {
    const admin = await h.open('admin', '/admin/notifications');
    await admin.page.waitForSelector('form[aria-label="新建通知渠道"]');
    await admin.page.selectOption('form[aria-label="新建通知渠道"] select[name="kind"]', 'webhook');
    await admin.page.fill('form[aria-label="新建通知渠道"] input[name="name"]', '校 OA 系统');
    // Nothing listens on port 9 of 127.0.0.1: every attempt fails (connection refused).
    await admin.page.fill('form[aria-label="新建通知渠道"] input[name="url"]', 'http://127.0.0.1:9/hook');
    await admin.page.fill('form[aria-label="新建通知渠道"] input[name="secret"]', 'oa-secret');
    await admin.page.click('form[aria-label="新建通知渠道"] button[type="submit"]');
    await admin.page.waitForSelector('[data-testid="channels-table"] >> text=校 OA 系统');
    // A failed delivery as the worker leaves it after its last attempt (no worker runs in this harness).
    const draft = await draftIn(h.ctx, 'first');
    await h.ctx.superuser(
      `UPDATE notification_deliveries d SET status = 'failed', attempts = 6, last_error = 'fetch failed: connect ECONNREFUSED 127.0.0.1:9'
      FROM notifications n WHERE n.id = d.notification_id AND n.draft_id = $1 AND d.kind = 'webhook'`,
      [draft.id],
    );
    await admin.page.selectOption('[data-testid="delivery-status"]', 'failed');
    const row = admin.page.locator('[data-testid="deliveries-table"] tr[data-status="failed"]').first();
    await row.waitFor();
    expect(await row.textContent()).toContain('ECONNREFUSED');
    await h.shot(admin.page, 'notifications-admin-1440');
    await row.locator('[data-action="retry-delivery"]').click();
    await admin.page.selectOption('[data-testid="delivery-status"]', 'pending');
    await admin.page.waitForSelector('[data-testid="deliveries-table"] tr[data-status="pending"]');
    expect(admin.problems).toEqual([]);
  });

  it('the desktop board at 1440 keeps its columns and hides the phone queue', async () => {
    const r2 = await h.open('r2', '/board');
    await r2.page.waitForSelector('[data-testid="board"] [data-column="second"]');
    expect(await r2.page.locator('[data-testid="my-queue"]').count()).toBe(0);
    await h.shot(r2.page, 'board-1440');
  });
});
