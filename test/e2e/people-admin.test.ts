/**
 * issue 10 item 8 in the browser: an admin resets a password, disables an account and renames a unit from the
 * admin pages (each irreversible action behind a confirmation dialog), at 1440 px and 390 px; the person whose
 * password was reset gets the change-password page and nothing else until they change it.
 */
import { startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 90_000);
afterAll(async () => {
  await h?.close();
});

describe('people management in the admin pages', () => {
  it('reset password (confirmed) → one-time password → the person must change it first', async () => {
    const opened = await h.open('admin', '/admin/users');
    const { page } = opened;
    const row = page.locator('tr[data-user="temp"]');
    await row.locator('[data-action="reset-password"]').click();
    const dialog = page.locator('[role="alertdialog"]');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('重置');
    await h.shot(page, 'admin-users-reset-confirm-1440');
    await dialog.locator('[data-action="confirm"]').click();
    const once = page.locator('[data-testid="one-time-password"] .once-password');
    await once.waitFor();
    const password = (await once.textContent())!.trim();
    expect(password.length).toBeGreaterThanOrEqual(8);
    await h.shot(page, 'admin-users-1440');

    // The person signs in with it (a browser of their own, at phone width) and sees only the change-password form.
    const phone = await h.browser.newContext({ baseURL: h.url, viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
    const p = await phone.newPage();
    await p.goto(`${h.url}/#/board`);
    await p.fill('input[name="username"]', 'temp');
    await p.fill('input[name="password"]', password);
    await p.click('button[type="submit"]');
    await p.waitForSelector('form[aria-label="修改密码"]');
    await h.shot(p, 'change-password-390');
    await p.fill('input[name="currentPassword"]', password);
    await p.fill('input[name="newPassword"]', 'Brand-New-2026!');
    await p.fill('input[name="newPasswordAgain"]', 'Brand-New-2026!');
    await p.click('form[aria-label="修改密码"] button[type="submit"]');
    await p.waitForSelector('[data-testid="whoami"]');
    await phone.close();
    expect(opened.problems).toEqual([]);
  });

  it('disable asks for a reason in a dialog; units are renamed in place; the page works at 390 px', async () => {
    const opened = await h.open('admin', '/admin/users');
    const { page } = opened;
    const row = page.locator('tr[data-user="editor2"]');
    await row.locator('[data-action="disable"]').click();
    const dialog = page.locator('[role="alertdialog"]');
    await dialog.waitFor();
    expect(await dialog.locator('[data-action="confirm"]').isDisabled()).toBe(true);
    await dialog.locator('input[name="reason"]').fill('调离本单位');
    await dialog.locator('[data-action="confirm"]').click();
    await page.waitForSelector('tr[data-user="editor2"] [data-status="已停用"]');
    expect((await h.ctx.api('editor2').get('/api/auth/me')).status).toBe(401);

    await page.setViewportSize({ width: 390, height: 844 });
    await h.shot(page, 'admin-users-390');

    await page.goto(`${h.url}/#/admin/units`);
    await page.locator('[data-testid="units-table"] [data-action="rename"]').first().click();
    await page.fill('[data-testid="units-table"] input[aria-label="单位名称"]', '新名称学院');
    await page.click('[data-testid="units-table"] [data-action="save-rename"]');
    await page.waitForSelector('[data-testid="units-table"] >> text=新名称学院');
    await h.shot(page, 'admin-units-390');
    await page.setViewportSize({ width: 1440, height: 900 });
    await h.shot(page, 'admin-units-1440');
    expect(opened.problems).toEqual([]);
  });
});
