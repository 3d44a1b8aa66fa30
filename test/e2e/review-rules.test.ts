import type { Page } from 'playwright-core';
import { draftBody, waitForDraft } from '../helpers/test-context';
import { startHarness, type Harness } from './harness';

/**
 * Issue 10 in Chromium: what the editor and the reviewers are shown about the review rules — waiver policies,
 * waived text as waived, the 送审说明 next to the findings, an automatic return listed in the desk and on the draft,
 * the route of a school-level draft, the submission form's defaults and repost fields, and 撤回 asking first.
 * Screenshots at 1440 and 390 px in test-artifacts/screenshots/.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 60_000);
afterAll(async () => {
  await h?.close();
});

async function submit(over: Record<string, unknown>): Promise<string> {
  const res = await h.ctx.api('editor').post('/api/drafts', draftBody(h.ctx, over));
  expect(res.status).toBe(201);
  await waitForDraft(h.ctx, 'editor', res.body.id, (d) => d.status !== 'checking');
  return res.body.id as string;
}

async function phone(page: Page, name: string): Promise<void> {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(150);
  expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth + 1')).toBe(true);
  await h.shot(page, `${name}-390`);
  await page.setViewportSize({ width: 1440, height: 900 });
}

describe('review rules in the browser', () => {
  it('an automatic return lists the blocking findings to the editor, in the desk and on the draft, with their waiver policy', async () => {
    const id = await submit({ title: '关于召开年度工作会议的通知', body: '机密★1年\n\n关于召开年度工作会议的通知，请各单位做好准备。' });
    const desk = await h.open('editor', '/desk');
    const row = desk.page.locator(`[data-testid="my-draft"][data-status="returned"]`).filter({ hasText: '年度工作会议' });
    await row.locator('[data-testid="auto-return"]').waitFor();
    const text = await row.locator('[data-testid="auto-return"]').textContent();
    expect(text).toContain('机密★');
    expect(text).toContain('不可豁免');
    expect(text).toContain('修改稿件删除后重新提交');
    await h.shot(desk.page, 'rules-desk-auto-return-1440');
    await phone(desk.page, 'rules-desk-auto-return');

    await desk.page.goto(`${h.url}/#/drafts/${id}`);
    await desk.page.waitForSelector('[data-testid="review-page"] [data-testid="auto-return"]');
    expect(await desk.page.textContent('[data-testid="auto-return"]')).toContain('机密★');
    expect(await desk.page.textContent('[data-testid="findings"]')).toContain('不可豁免');
    // Nobody can waive it, so the editor is not offered a statement, only a revision.
    expect(await desk.page.$('[data-testid="author-actions"] textarea[aria-label="送审说明"]')).toBeNull();
    await h.shot(desk.page, 'rules-draft-auto-return-1440');
    await phone(desk.page, 'rules-draft-auto-return');
    expect(desk.problems).toEqual([]);
    await desk.context.close();
  });

  it('the 送审说明 sits next to the findings; only 宣传部 may waive a propaganda finding; waived text is marked waived, not struck through; the trail names it', async () => {
    const id = await submit({ title: '关于校园安全的提醒', body: '有人在校内组织赌博活动，请同学们注意。' });
    const returned = await waitForDraft(h.ctx, 'editor', id, (d) => d.status === 'returned');
    const statement = '本文为保卫处警示通报，提及「赌博」是为提醒同学远离，非宣传。';
    expect((await h.ctx.api('editor').post(`/api/drafts/${id}/resubmit`, { statement, version: returned.version })).status).toBe(200);

    // 初审 sees the statement and the policy, and no waive button.
    const r1 = await h.open('r1', `/drafts/${id}`);
    await r1.page.waitForSelector('[data-testid="resubmission-note"]');
    expect(await r1.page.textContent('[data-testid="resubmission-note"]')).toContain(statement);
    expect(await r1.page.textContent('[data-testid="waiver-policy"]')).toBe('仅宣传部可豁免');
    expect(await r1.page.locator('[data-testid="findings"] button', { hasText: '豁免…' }).count()).toBe(0);
    // The note comes before the findings it answers.
    const order = await r1.page.evaluate(
      `document.querySelector('[data-testid="resubmission-note"]').compareDocumentPosition(document.querySelector('[data-testid="findings"]')) & Node.DOCUMENT_POSITION_FOLLOWING`,
    );
    expect(order).toBeTruthy();
    await h.shot(r1.page, 'rules-review-statement-1440');
    await phone(r1.page, 'rules-review-statement');

    // 宣传部 waives it with a reason.
    const prop = await h.open('prop', `/drafts/${id}`);
    await prop.page.waitForSelector('[data-testid="findings"]');
    await prop.page.locator('[data-testid="findings"] button', { hasText: '豁免…' }).first().click();
    await prop.page.fill('input[aria-label="豁免理由"]', '宣传部核实：警示通报');
    await prop.page.locator('[data-testid="findings"] button', { hasText: '确认豁免' }).click();
    await prop.page.waitForSelector('[data-testid="waived-badge"]');
    expect(await prop.page.textContent('[data-testid="waived-note"]')).toContain('宣传部核实：警示通报');
    // In the text: a distinct highlight, never a strike-through.
    const mark = prop.page.locator('[data-testid="draft-body"] mark.finding.sev-waived').first();
    await mark.waitFor();
    const style = (await prop.page.evaluate(
      `(() => { const s = getComputedStyle(document.querySelector('[data-testid="draft-body"] mark.finding.sev-waived')); return { line: s.textDecorationLine, background: s.backgroundColor }; })()`,
    )) as { line: string; background: string };
    expect(style.line).not.toContain('line-through');
    expect(style.background).toBe('rgb(221, 214, 254)');
    await h.shot(prop.page, 'rules-review-waived-1440');
    await phone(prop.page, 'rules-review-waived');

    // The auditor's trail names the waived finding.
    const auditor = await h.open('auditor', `/audit/${id}`);
    await auditor.page.waitForSelector('[data-testid="trail-waiver"]');
    const waiver = await auditor.page.textContent('[data-testid="trail-waiver"]');
    expect(waiver).toContain('「赌博」');
    expect(waiver).toContain('仅宣传部可豁免');
    await h.shot(auditor.page, 'rules-trail-waiver-1440');
    for (const o of [r1, prop, auditor]) {
      expect(o.problems).toEqual([]);
      await o.context.close();
    }
  });

  it('the form defaults to the unit platform, shows the route, has the repost fields; a school-level draft shows 宣传部 last', async () => {
    const desk = await h.open('editor', '/desk');
    await desk.page.waitForSelector('select[name="platform"] option', { state: 'attached' });
    const selected = await desk.page.evaluate(`document.querySelector('select[name="platform"]').selectedOptions[0].textContent`);
    expect(selected).toBe('学院公众号');
    expect(await desk.page.textContent('[data-testid="submit-route"]')).toBe('流程：初审 → 复审 → 终审');
    await desk.page.selectOption('select[name="platform"]', h.ctx.people.schoolPlatformId);
    expect(await desk.page.textContent('[data-testid="submit-route"]')).toContain('→ 宣传部');
    await desk.page.selectOption('select[name="originKind"]', 'repost');
    for (const name of ['sourceName', 'sourceUrl', 'originalAuthor', 'originalTitle', 'rightsHolder']) await desk.page.waitForSelector(`input[name="${name}"]`);
    await desk.page.waitForSelector('textarea[name="originalText"]');
    await h.shot(desk.page, 'rules-desk-form-1440');
    await phone(desk.page, 'rules-desk-form');

    const id = await submit({ platformId: h.ctx.people.schoolPlatformId, title: '学院供稿：秋季运动会开幕', body: '11月20日，学校秋季田径运动会开幕，学院师生参加。' });
    await desk.page.goto(`${h.url}/#/drafts/${id}`);
    await desk.page.waitForSelector('[data-testid="route"]');
    expect(await desk.page.textContent('[data-testid="route"]')).toBe('流程：初审 → 复审 → 终审 → 宣传部');
    expect(desk.problems).toEqual([]);
    await desk.context.close();
  });

  it('撤回 asks for confirmation: cancelling keeps the draft, confirming withdraws it', async () => {
    const id = await submit({ title: '待撤回的稿件', body: '11月21日，学院举办读书分享会。' });
    const editor = await h.open('editor', `/drafts/${id}`);
    await editor.page.waitForSelector('[data-testid="author-actions"] [data-action="withdraw"]');
    await editor.page.click('[data-action="withdraw"]');
    await editor.page.waitForSelector('[data-testid="confirm-dialog"]');
    expect(await editor.page.textContent('[data-testid="confirm-dialog"]')).toContain('不能恢复');
    await editor.page.setViewportSize({ width: 390, height: 844 });
    await h.shot(editor.page, 'rules-withdraw-confirm-390');
    await editor.page.setViewportSize({ width: 1440, height: 900 });
    await h.shot(editor.page, 'rules-withdraw-confirm-1440');
    await editor.page.click('[data-testid="confirm-dialog"] [data-action="cancel"]');
    await editor.page.waitForSelector('[data-testid="confirm-dialog"]', { state: 'detached' });
    expect((await h.ctx.api('editor').get(`/api/drafts/${id}`)).body.status).toBe('in_review');

    await editor.page.click('[data-action="withdraw"]');
    await editor.page.click('[data-testid="confirm-dialog"] [data-action="confirm"]');
    await editor.page.waitForSelector('[data-testid="review-page"][data-status="withdrawn"]');
    expect((await h.ctx.api('editor').get(`/api/drafts/${id}`)).body.status).toBe('withdrawn');
    expect(editor.problems).toEqual([]);
    await editor.context.close();
  });
});
