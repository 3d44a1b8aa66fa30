import type { Page } from 'playwright-core';
import { completeChecks } from '../helpers/draft-states';
import { seedLegacyDraft } from '../helpers/legacy';
import { startHarness, type Harness } from './harness';

/**
 * Issue 9, migration, in Chromium: a revision stored before the canonical document model (SQL-seeded) is shown on
 * the review page as its read-time canonical form — the same form GET /preview renders and the checks read — with
 * what reading it dropped listed among the findings, on desktop and at 390 px.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 90_000);
afterAll(async () => {
  await h?.close();
});

const visibleText = (page: Page, selector: string) =>
  page.evaluate(`(() => {
    const root = document.querySelector(${JSON.stringify(selector)}).cloneNode(true);
    for (const e of root.querySelectorAll('.media-alt, .link-host')) e.remove();
    document.body.append(root);
    const t = root.innerText;
    root.remove();
    return t;
  })()`) as Promise<string>;
const squash = (s: string) => s.replace(/\s+/g, '');

const LEGACY =
  '<h2>迎新通知</h2><p>欢迎<b>新同学</b>来校报到。<span style="display:none">隐藏的说明</span></p>' +
  '<img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script><!-- 编辑备注 -->' +
  '<p>购书请到 <a href="https&colon;//item.taobao.com/item.htm?id=1">网店</a></p>';

it('shows a legacy revision as its canonical form, like the preview, and lists what reading it dropped', async () => {
  const legacy = await seedLegacyDraft(h.ctx, { title: '迎新通知（旧版本）', body: LEGACY, format: 'html' });
  await completeChecks(h.ctx, legacy.draftId);
  const { page, context, problems } = await h.open('r1', `/drafts/${legacy.draftId}`);
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.locator('[data-testid="draft-body"]').waitFor();
  await page.locator('[data-testid="findings"]').waitFor();
  const reviewText = await visibleText(page, '[data-testid="draft-body"]');
  expect(squash(reviewText)).toBe(squash('迎新通知欢迎新同学来校报到。隐藏的说明购书请到网店'));
  expect(await page.locator('[data-testid="draft-body"] strong').innerText()).toBe('新同学');
  expect(await page.locator('[data-testid="draft-body"] .link-host').innerText()).toContain('item.taobao.com');
  const findingsText = await page.locator('[data-testid="findings"]').innerText();
  expect(findingsText).toContain('此版本提交于文档规范化之前');
  expect(findingsText).toContain('item.taobao.com');
  await h.shot(page, 'issue9-legacy-review-1440');
  await page.setViewportSize({ width: 390, height: 844 });
  await h.shot(page, 'issue9-legacy-review-390');

  const preview = await context.newPage();
  await preview.goto(`${h.url}/api/drafts/${legacy.draftId}/preview`);
  expect(squash(await visibleText(preview, 'article'))).toBe(squash(reviewText));
  expect(await preview.evaluate('document.scripts.length')).toBe(0);
  // Nothing from the stored markup ran, on the review page or in the preview.
  for (const p of [page, preview]) expect(await p.title()).not.toBe('pwned');
  expect(dialogs).toEqual([]);
  expect(problems).toEqual([]);
  await context.close();
});
