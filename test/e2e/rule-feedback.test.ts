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
    // A draft arriving while the term is in shadow: the worker records the would-be hit, the draft passes as before.
    const arrived = await h.ctx.api('editor').post('/api/drafts', { platformId: h.ctx.people.platformId, title: '社团活动', body: `${TERM}招募新成员。`, format: 'markdown' });
    const arrivedDraft = await waitForDraft(h.ctx, 'r1', arrived.body.id, (d) => d.status !== 'checking');
    expect(arrivedDraft.status).toBe('in_review');
    expect(arrivedDraft.findings.filter((f: any) => f.matched === TERM)).toEqual([]);
    await row.locator('[data-action="shadow-preview"]').click();
    await row.locator('[data-testid="shadow-preview"]').waitFor();
    expect(await row.locator('[data-col="recorded-drafts"]').textContent()).toBe('1');
    expect(await row.locator(`[data-recorded-draft="${arrivedDraft.id}"]`).count()).toBe(1);
    expect(await row.locator('[data-col="would-flag"]').textContent()).toBe('2');
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

  it('体裁 scope: waive → whitelist for this genre → the next draft of that genre passes, a draft of another genre is still flagged', async () => {
    const GENRE_BODY = '社团举办“赌博机制与概率”趣味数学讲堂，欢迎同学们报名参加。';
    const GENRE_PHRASE = '赌博机制与概率';
    // The editor picks the genre on the desk.
    const desk = await h.open('editor', '/desk');
    await desk.page.fill('input[name="title"]', '数学社趣味讲堂');
    await desk.page.selectOption('select[name="format"]', 'markdown');
    await desk.page.fill('textarea[name="body"]', GENRE_BODY);
    await desk.page.selectOption('[data-testid="submit-genre"]', '社团招新');
    await h.shot(desk.page, 'genre-desk-1440');
    await desk.page.setViewportSize({ width: 390, height: 844 });
    await desk.page.waitForTimeout(200);
    expect(await noHorizontalScroll(desk.page)).toBe(true);
    await h.shot(desk.page, 'genre-desk-390');
    await desk.page.setViewportSize({ width: 1440, height: 900 });
    await desk.page.locator('form[aria-label="投稿"] button[type="submit"]').click();
    await desk.page.waitForSelector('[data-testid="review-page"]');
    const id = new URL(desk.page.url()).hash.split('/').pop()!;
    const returned = await waitForDraft(h.ctx, 'editor', id, (d) => d.status === 'returned');
    expect(returned.genre).toBe('社团招新');
    await desk.page.reload();
    await desk.page.waitForSelector('[data-testid="draft-genre"]');
    expect(await desk.page.textContent('[data-testid="draft-genre"]')).toBe('社团招新');
    expect(desk.problems).toEqual([]);

    // Sent on with a statement; the board card carries the genre; 宣传部 waives on the review page.
    expect((await h.ctx.api('editor').post(`/api/drafts/${id}/resubmit`, { statement: '数学科普活动', version: returned.version })).status).toBe(200);
    const board = await h.open('r1', '/board');
    const card = board.page.locator(`[data-testid="draft-card"][data-draft-id="${id}"]`);
    await card.waitFor();
    expect(await card.locator('[data-testid="card-genre"]').textContent()).toBe('社团招新');
    await h.shot(board.page, 'genre-board-1440');
    await board.page.setViewportSize({ width: 390, height: 844 });
    await board.page.waitForTimeout(200);
    const queued = board.page.locator(`[data-testid="queue-item"][data-queue-draft="${id}"]`);
    await queued.waitFor();
    expect(await queued.textContent()).toContain('社团招新');
    await h.shot(board.page, 'genre-board-390');
    const prop = await h.open('prop', `/drafts/${id}`);
    const item = prop.page.locator('[data-finding-item]', { hasText: '「赌博」' });
    await item.locator('button', { hasText: '豁免…' }).click();
    await item.locator('input[aria-label="豁免理由"]').fill('数学科普，非赌博');
    await item.locator('button', { hasText: '确认豁免' }).click();
    await prop.page.locator('[data-finding-item] [data-testid="waived-note"]', { hasText: '数学科普，非赌博' }).waitFor();
    await h.shot(prop.page, 'genre-review-1440');
    await prop.page.setViewportSize({ width: 390, height: 844 });
    await prop.page.waitForTimeout(200);
    expect(await noHorizontalScroll(prop.page)).toBe(true);
    await h.shot(prop.page, 'genre-review-390');
    expect(prop.problems).toEqual([]);

    // The admin whitelists the phrase for this genre, from the example.
    const admin = await h.open('admin', '/admin/rule-feedback');
    await admin.page.waitForSelector(`tr[data-rule="${RULE}"]`);
    await admin.page.locator(`tr[data-rule="${RULE}"] button`, { hasText: '误报示例' }).click();
    const example = admin.page.locator('[data-example]', { hasText: '数学科普，非赌博' });
    await example.waitFor();
    admin.page.once('dialog', (dialog) => void dialog.accept());
    await example.locator('[data-action="whitelist"]').click();
    await example.locator('input[aria-label="白名单短语"]').fill(GENRE_PHRASE);
    await example.locator('select[aria-label="适用范围"]').selectOption('genre');
    await h.shot(admin.page, 'genre-whitelist-1440');
    await example.locator('[data-action="whitelist-confirm"]').click();
    await admin.page.locator('[role="status"]', { hasText: `已将「${GENRE_PHRASE}」加入体裁「社团招新」白名单` }).waitFor();
    await admin.page.setViewportSize({ width: 390, height: 844 });
    await admin.page.waitForTimeout(200);
    expect(await noHorizontalScroll(admin.page)).toBe(true);
    await h.shot(admin.page, 'genre-whitelist-390');
    expect(admin.problems).toEqual([]);

    const post = async (genre: string) => {
      const res = await h.ctx.api('editor').post('/api/drafts', { platformId: h.ctx.people.platformId, title: '数学社趣味讲堂', body: GENRE_BODY, format: 'markdown', genre });
      expect(res.status).toBe(201);
      return waitForDraft(h.ctx, 'r1', res.body.id, (d) => d.status !== 'checking');
    };
    const same = await post('社团招新');
    expect(same.findings.filter((f: any) => f.ruleId === RULE)).toEqual([]);
    expect(same.status).toBe('in_review');
    const other = await post('活动报道');
    expect(other.findings.map((f: any) => f.ruleId)).toContain(RULE);
    expect(other.status).toBe('returned');
  });
});
