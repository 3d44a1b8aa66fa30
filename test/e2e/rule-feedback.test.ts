/**
 * 规则反馈 in Chromium (issue 11): a reviewer waives a finding and reports another as a false alarm on the review
 * page → the admin's 规则反馈 page shows the rule's precision drop → the admin whitelists the phrase from the example
 * → the worker reloads the dictionary → the next draft with the phrase passes the checks.
 */
import type { Page } from 'playwright-core';
import { REDIS_URL } from '../helpers/db-urls';
import { sharedEngine, waitForDraft } from '../helpers/test-context';
import { EngineHolder } from '../../src/services/dictionary-reload.service';
import { startCheckWorker } from '../../workers/checks.worker';
import { startHarness, type Harness } from './harness';

let h: Harness;
let holder: EngineHolder;
beforeAll(async () => {
  h = await startHarness();
  // A worker that reloads the dictionary on the admin's change (the harness's default one keeps its engine).
  await h.ctx.worker?.close();
  holder = new EngineHolder(await sharedEngine());
  const running = startCheckWorker(h.ctx.runtime, holder, REDIS_URL, { prefix: h.ctx.prefix, concurrency: 2, sweepIntervalMs: 60_000, sweepIdleMs: 0, dictionaries: { pollMs: 600_000 } });
  h.ctx.worker = running;
  await running.ready();
}, 90_000);
afterAll(async () => {
  await h?.close();
});

const BODY = '本周五晚，学生会举办“赌博游戏的数学原理”科学之夜，欢迎全校同学参加。';
const RULE = 'sensitive:gambling:赌博';
const PHRASE = '赌博游戏的数学原理';

async function submit(): Promise<Record<string, any>> {
  const res = await h.ctx.api('editor').post('/api/drafts', { platformId: h.ctx.people.platformId, title: '科学之夜活动通知', body: BODY, format: 'markdown' });
  expect(res.status).toBe(201);
  return waitForDraft(h.ctx, 'r1', res.body.id, (d) => d.status !== 'checking');
}
async function inReview(): Promise<string> {
  const d = await submit();
  expect(d.status).toBe('returned');
  expect((await h.ctx.api('editor').post(`/api/drafts/${d.id}/resubmit`, { statement: '科普活动，已核实', version: d.version })).status).toBe(200);
  return d.id as string;
}
const precisionOf = (page: Page) => page.textContent(`tr[data-rule="${RULE}"] td[data-col="precision"]`);
const noHorizontalScroll = (page: Page) => page.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1');

describe('规则反馈 page', () => {
  it('waive → precision drops → whitelist from the finding → the next draft passes', async () => {
    const [a, b] = [await inReview(), await inReview()];

    const admin = await h.open('admin', '/admin/rule-feedback');
    await admin.page.waitForSelector(`tr[data-rule="${RULE}"]`);
    expect(await precisionOf(admin.page)).toBe('100%');
    expect(await admin.page.textContent(`tr[data-rule="${RULE}"] td[data-col="hits"]`)).toBe('2');

    // 宣传部 waives on the first draft (an ordinary block is theirs to waive) and reports the other as a false alarm,
    // on the review page.
    const r1 = await h.open('prop', `/drafts/${a}`);
    await r1.page.waitForSelector('[data-finding-item]');
    const item = r1.page.locator('[data-finding-item]', { hasText: '「赌博」' });
    await item.locator('button', { hasText: '豁免…' }).click();
    await item.locator('input[aria-label="豁免理由"]').fill('科普活动标题，非赌博');
    await item.locator('button', { hasText: '确认豁免' }).click();
    await r1.page.locator('[data-finding-item] [data-testid="waived-note"]', { hasText: '科普活动标题，非赌博' }).waitFor();
    await r1.page.goto(`${h.url}/#/drafts/${b}`);
    const other = r1.page.locator('[data-finding-item]', { hasText: '「赌博」' });
    await other.locator('[data-action="report-false-alarm"]').click();
    await other.locator('input[aria-label="误报说明"]').fill('活动标题');
    await other.locator('[data-action="report-confirm"]').click();
    await other.locator('text=已报告误报').waitFor();
    await r1.page.setViewportSize({ width: 390, height: 844 });
    await h.shot(r1.page, 'rule-feedback-report-390');
    expect(r1.problems).toEqual([]);

    // The admin's page: precision 0 % (two false alarms out of two hits), with both as examples.
    await admin.page.reload();
    await admin.page.waitForSelector(`tr[data-rule="${RULE}"]`);
    expect(await precisionOf(admin.page)).toBe('0%');
    expect(await admin.page.textContent(`tr[data-rule="${RULE}"] td[data-col="waived"]`)).toBe('1');
    expect(await admin.page.textContent(`tr[data-rule="${RULE}"] td[data-col="reported"]`)).toBe('1');
    await admin.page.locator(`tr[data-rule="${RULE}"] button`, { hasText: '误报示例' }).click();
    await admin.page.waitForSelector('[data-example]');
    await h.shot(admin.page, 'rule-feedback-1440');

    // One click on the example (plus the phrase and the confirmation): the phrase joins the whitelist.
    admin.page.once('dialog', (dialog) => void dialog.accept());
    const example = admin.page.locator('[data-example]').first();
    await example.locator('[data-action="whitelist"]').click();
    await example.locator('input[aria-label="白名单短语"]').fill(PHRASE);
    await example.locator('[data-action="whitelist-confirm"]').click();
    await admin.page.locator('[role="status"]', { hasText: `已将「${PHRASE}」加入白名单` }).waitFor();
    const overview = await h.ctx.api('admin').get('/api/admin/dictionaries');
    const version = overview.body.version as string;
    const listed = await h.ctx.api('admin').get(`/api/admin/dictionaries/whitelist/terms?q=${encodeURIComponent(PHRASE)}`);
    expect(listed.body.items).toEqual([expect.objectContaining({ term: PHRASE, source: 'admin' })]);

    await admin.page.setViewportSize({ width: 390, height: 844 });
    await admin.page.waitForTimeout(200);
    expect(await noHorizontalScroll(admin.page)).toBe(true);
    await h.shot(admin.page, 'rule-feedback-390');
    expect(admin.problems).toEqual([]);

    // The worker reloads; the next draft with the phrase passes the checks and goes to 初审.
    const deadline = Date.now() + 15_000;
    while (holder.version !== version && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(holder.version).toBe(version);
    const next = await submit();
    expect(next.findings.filter((f: any) => f.ruleId === RULE)).toEqual([]);
    expect(next.status).toBe('in_review');
  });

  it('影子规则: add silently, preview what it would flag, switch it on', async () => {
    const TERM = '青蛇湾夜谈社';
    const res = await h.ctx.api('editor').post('/api/drafts', { platformId: h.ctx.people.platformId, title: '社团活动', body: `本周，${TERM}举办读书会。`, format: 'markdown' });
    const draft = await waitForDraft(h.ctx, 'r1', res.body.id, (d) => d.status !== 'checking');
    expect(draft.status).toBe('in_review');

    const admin = await h.open('admin', '/admin/rule-feedback');
    await admin.page.waitForSelector('[data-testid="shadow-terms"]');
    await admin.page.fill('input[aria-label="影子词条"]', TERM);
    await admin.page.selectOption('select[aria-label="级别"]', 'block');
    await admin.page.locator('button', { hasText: '静默试运行' }).click();
    const row = admin.page.locator(`[data-shadow="${TERM}"]`);
    await row.locator('text=静默运行中').waitFor();
    await row.locator('[data-action="shadow-preview"]').click();
    await row.locator('[data-testid="shadow-preview"]').waitFor();
    expect(await row.locator('[data-col="would-flag"]').textContent()).toBe('1');
    expect(await row.locator('[data-testid="shadow-preview"]').textContent()).toContain(draft.number as string);
    // Silent: the draft's findings are as before.
    expect((await h.ctx.api('r1').get(`/api/drafts/${draft.id}`)).body.findings.filter((f: any) => f.matched === TERM)).toEqual([]);
    await h.shot(admin.page, 'shadow-terms-1440');
    await admin.page.setViewportSize({ width: 390, height: 844 });
    await admin.page.waitForTimeout(200);
    expect(await noHorizontalScroll(admin.page)).toBe(true);
    await h.shot(admin.page, 'shadow-terms-390');

    admin.page.once('dialog', (dialog) => void dialog.accept());
    await row.locator('[data-action="shadow-promote"]').click();
    await row.locator('text=已启用').waitFor();
    const listed = await h.ctx.api('admin').get(`/api/admin/dictionaries/sensitive.rumour-safety/terms?q=${encodeURIComponent(TERM)}`);
    expect(listed.body.items).toEqual([expect.objectContaining({ term: TERM, severity: 'block', source: 'admin' })]);
    expect(admin.problems).toEqual([]);
  });
});
