import type { Page } from 'playwright-core';
import { waitForDraft } from '../helpers/test-context';
import { card, SCREENSHOTS, startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 60_000);
afterAll(async () => {
  await h?.close();
});

const BODY = '## 开幕式\n\n11月20日，我校第五十届秋季田径运动会在东区体育场开幕。运动员们**再接再励**，勇创佳绩。\n\n校领导出席开幕式并致辞。本文部分内容来自内部资料，请核实。';
const NOTE = '<img src=x onerror="window.__pwned=1">口号化，建议删去';

async function submitInReview(title: string, body = BODY): Promise<string> {
  const res = await h.ctx.api('editor').post('/api/drafts', { platformId: h.ctx.people.platformId, title, body, format: 'markdown' });
  expect(res.status).toBe(201);
  await waitForDraft(h.ctx, 'r1', res.body.id, (d) => d.status === 'in_review');
  return res.body.id as string;
}

/** Selects `text` inside `container` as a reader would with the mouse (the page's selection listener fires). */
async function selectText(page: Page, container: string, text: string): Promise<void> {
  // A string expression: this file compiles without the DOM lib.
  const found = await page.evaluate(`(() => {
    const root = document.querySelector(${JSON.stringify(container)});
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const nodes = [];
    let all = '';
    for (let n = walker.nextNode(); n; n = walker.nextNode()) { nodes.push([n, all.length]); all += n.textContent; }
    const at = all.indexOf(${JSON.stringify(text)});
    if (at < 0) return false;
    const end = at + ${text.length};
    const locate = (offset, isEnd) => {
      for (let i = nodes.length - 1; i >= 0; i--) {
        const [n, base] = nodes[i];
        if (isEnd ? base < offset : base <= offset) return [n, offset - base];
      }
      return [nodes[0][0], 0];
    };
    const [sn, so] = locate(at, false);
    const [en, eo] = locate(end, true);
    const range = document.createRange();
    range.setStart(sn, so);
    range.setEnd(en, eo);
    const sel = document.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    return true;
  })()`);
  expect(found).toBe(true);
}

/** Waits until exactly `n` elements match (the page has a CSP without 'unsafe-eval': no string predicates). */
async function waitForCount(page: Page, selector: string, n: number): Promise<void> {
  await page
    .locator(selector)
    .nth(n - 1)
    .waitFor({ state: 'attached' });
  await page.locator(selector).nth(n).waitFor({ state: 'detached' });
}

const noHorizontalScroll = (page: Page) => page.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1');

describe('校对标记 and 版本对比 on the review page', () => {
  let id = '';
  let page: Page;
  let problems: string[];

  it('a reviewer selects text and adds a correction and a comment; notes render as text; a check suggestion becomes a mark', async () => {
    id = await submitInReview('我校举办第五十届秋季田径运动会');
    const opened = await h.open('r1', `/drafts/${id}`);
    page = opened.page;
    problems = opened.problems;
    await page.waitForSelector('[data-testid="proof-marks"]');
    await page.waitForSelector('[data-testid="draft-body"] mark.finding');

    await selectText(page, '[data-testid="draft-body"]', '校领导');
    await page.waitForSelector('[data-testid="mark-form"]');
    expect(await page.textContent('[data-testid="mark-selection"]')).toBe('校领导');
    await page.fill('input[aria-label="改为"]', '学校领导');
    await page.fill('textarea[aria-label="标记说明"]', '规范称谓');
    await page.click('[data-action="add-mark"]');
    await page.waitForSelector('[data-testid="draft-body"] .proof-mark.mark-correction');
    expect(await page.textContent('[data-testid="draft-body"] .proof-mark.mark-correction')).toBe('校领导');

    await selectText(page, '[data-testid="draft-body"]', '勇创佳绩');
    await page.waitForSelector('[data-testid="mark-form"]');
    await page.check('input[name="mark-kind"] >> nth=1');
    await page.fill('textarea[aria-label="标记说明"]', NOTE);
    await page.click('[data-action="add-mark"]');
    await page.waitForSelector('[data-testid="draft-body"] .proof-mark.mark-comment');
    const note = await page.textContent('[data-mark-item].mark-comment .note');
    expect(note).toBe(NOTE);
    expect(await page.evaluate(`document.querySelectorAll('[data-testid="proof-marks"] img').length`)).toBe(0);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();

    await page.click('[data-finding-item] [data-action="adopt-suggestion"]');
    await waitForCount(page, '[data-mark-item]', 3);
    const marks = (await h.ctx.api('r1').get(`/api/drafts/${id}/marks`)).body.items as Array<{ kind: string; original: string; replacement: string | null; findingId: string | null }>;
    expect(marks.map((m) => [m.kind, m.original, m.replacement])).toEqual([
      ['correction', '校领导', '学校领导'],
      ['comment', '勇创佳绩', null],
      ['correction', '再接再励', '再接再厉'],
    ]);
    // The selection reached the same span the checks use: the suggestion's mark sits where its finding is.
    expect(await page.textContent('[data-testid="draft-body"] mark.finding .proof-mark')).toBe('再接再励');
    await h.shot(page, 'review-marks');
  });

  it('the author sees the marks but cannot mark', async () => {
    const author = await h.open('editor', `/drafts/${id}`);
    await author.page.waitForSelector('[data-mark-item]');
    expect(await author.page.$('[data-action="accept-mark"]')).toBeNull();
    expect(await author.page.$('[data-action="adopt-suggestion"]')).toBeNull();
    await selectText(author.page, '[data-testid="draft-body"]', '开幕式');
    await author.page.waitForTimeout(200);
    expect(await author.page.$('[data-testid="mark-form"]')).toBeNull();
    await author.context.close();
  });

  it('accepting the corrections and applying them creates a proofreading revision that keeps the stage', async () => {
    for (let i = 0; i < 2; i++) {
      await page.click('[data-mark-item].mark-correction[data-status="open"] [data-action="accept-mark"]');
      await waitForCount(page, '[data-mark-item].mark-correction[data-status="accepted"]', i + 1);
    }
    await page.click('[data-mark-item].mark-comment [data-action="reject-mark"]');
    await page.waitForSelector('[data-mark-item].mark-comment[data-status="rejected"]');
    await page.click('[data-action="apply-marks"]');
    await page.waitForSelector('[data-testid="notice"] >> text=已应用 2 处修改');

    const next = await waitForDraft(h.ctx, 'r1', id, (d) => d.status === 'in_review' && (d.currentRevision as { number: number }).number === 2);
    expect(next.stage).toBe('first');
    // Issue 9: the stored body is the canonical form of the submitted markdown.
    expect(next.currentRevision.body).toContain('运动员们<strong>再接再厉</strong>');
    expect(next.currentRevision.body).toContain('学校领导出席');
    // The page follows the push to the new revision; the applied marks are history now.
    await page.waitForSelector(`[data-testid="review-page"][data-version="${next.version}"]`, { timeout: 5_000 });
    await page.waitForSelector('[data-testid="revision-diff"]');
    expect(await page.textContent('[data-testid="proof-marks"]')).toContain('以往版本的标记（3）');
  });

  it('compares two revisions: text changes in place and the findings fixed, waived and introduced', async () => {
    await page.click('[data-testid="revision-diff"] [data-action="compare"]');
    await page.waitForSelector('[data-testid="diff-result"]');
    const changes = await page.$$eval('[data-testid="diff-change"]', (els) => els.map((e) => [e.querySelector('del')?.textContent ?? '', e.querySelector('ins')?.textContent ?? '']));
    expect(changes).toEqual([
      ['励', '厉'],
      ['', '学'],
    ]);
    expect(await page.textContent('[data-testid="diff-fixed"]')).toContain('再接再励');
    expect(await page.textContent('[data-testid="diff-summary"]')).toContain('已修正 1');
    await page.locator('[data-testid="revision-diff"]').scrollIntoViewIfNeeded();
    await h.shot(page, 'revision-diff');
    expect(problems).toEqual([]);
  });

  it('the audit trail links each revision to its diff', async () => {
    const auditor = await h.open('auditor', `/audit/${id}`);
    await auditor.page.waitForSelector('[data-testid="trail-event"]');
    const text = await auditor.page.textContent('[data-testid="trail"]');
    expect(text).toContain('校对标记');
    expect(text).toContain('采纳校对标记');
    expect(text).toContain('校对修改');
    await auditor.page.click('[data-testid="trail-diff-link"]');
    await auditor.page.waitForSelector('[data-testid="diff-result"]');
    expect(await auditor.page.textContent('[data-testid="diff-result"]')).toContain('第 1 稿');
    // Read-only: the auditor is offered no marking.
    expect(await auditor.page.$('[data-action="accept-mark"]')).toBeNull();
    await auditor.context.close();
  });

  it('works at tablet width: the review page reflows without horizontal scrolling', async () => {
    await page.setViewportSize({ width: 820, height: 1180 });
    await page.waitForTimeout(200);
    expect(await noHorizontalScroll(page)).toBe(true);
    await h.shot(page, 'review-tablet');
    // The side panel sits below the draft here, so the mark form floats within reach while a span is selected.
    await selectText(page, '[data-testid="draft-body"]', '勇创佳绩');
    const form = await page.waitForSelector('[data-testid="mark-form"]');
    const box = await form.boundingBox();
    expect(box && box.y >= 0 && box.y + box.height <= 1180).toBe(true);
    await page.screenshot({ path: `${SCREENSHOTS}/review-tablet-mark.png` });
    await page.click('[data-testid="mark-form"] button:has-text("取消")');
    await page.setViewportSize({ width: 1440, height: 900 });
  });
});

describe('看板 SLA colouring', () => {
  it('colours cards by time in stage from the configured thresholds', async () => {
    const ages: Array<[string, number, string]> = [
      ['新进稿件：图书馆延长开放时间', 1, 'sla-ok'],
      ['待审超过一天：校运会志愿者招募', 30, 'sla-warn'],
      ['超时两天：学术报告会预告', 50, 'sla-overdue'],
    ];
    const ids: string[] = [];
    for (const [title, hours] of ages) {
      const id = await submitInReview(title, `${title}。欢迎师生参加。`);
      await h.ctx.superuser(`UPDATE drafts SET stage_entered_at = now() - make_interval(hours => $2::int) WHERE id = $1`, [id, hours]);
      ids.push(id);
    }
    const board = await h.open('r1', '/board');
    for (const [i, [, , cls]] of ages.entries()) {
      const el = await board.page.waitForSelector(card(ids[i]!, 'first'));
      expect(await el.getAttribute('class')).toContain(cls);
      expect(await board.page.getAttribute(`${card(ids[i]!)} .sla`, 'class')).toContain(cls);
    }
    expect(await board.page.textContent(`${card(ids[2]!)} .sla`)).toContain('2 天 2 小时');
    await h.shot(board.page, 'board-sla');
    await board.page.setViewportSize({ width: 820, height: 1180 });
    await board.page.waitForTimeout(200);
    await h.shot(board.page, 'board-tablet');
    expect(board.problems).toEqual([]);
  });
});

describe('系统管理 (admin pages)', () => {
  it('is for admins only', async () => {
    const r1 = await h.open('r1', '/admin/users');
    await r1.page.waitForSelector('text=只有系统管理员可以访问此页面');
    expect(await r1.page.$('a[href="#/admin"]')).toBeNull();
    await r1.context.close();
  });

  it('creates a unit and a platform, creates a user and changes roles', async () => {
    const { page, problems } = await h.open('admin', '/admin/units');
    await page.waitForSelector('[data-testid="units-table"]');
    await page.fill('input[name="unitName"]', '外国语学院');
    await page.fill('input[name="unitCode"]', 'FL');
    await page.click('form[aria-label="新建单位"] button[type="submit"]');
    await page.waitForSelector('[data-testid="units-table"] >> text=外国语学院');
    await page.fill('input[name="unitName"]', '外国语学院');
    await page.fill('input[name="unitCode"]', 'FL');
    await page.click('form[aria-label="新建单位"] button[type="submit"]');
    await page.waitForSelector('form[aria-label="新建单位"] .error');
    expect(await page.textContent('form[aria-label="新建单位"] .error')).toContain('已存在');

    await page.click('[data-tab="platforms"]');
    await page.waitForSelector('[data-testid="platforms-table"]');
    await page.fill('input[name="platformName"]', '外国语学院微信公众号');
    await page.selectOption('select[name="platformUnit"]', { label: '外国语学院' });
    await page.click('form[aria-label="新建发布平台"] button[type="submit"]');
    await page.waitForSelector('[data-testid="platforms-table"] >> text=外国语学院微信公众号');
    const platforms = (await h.ctx.api('admin').get('/api/admin/platforms')).body.items as Array<{ name: string; kind: string; level: string }>;
    expect(platforms).toEqual(expect.arrayContaining([expect.objectContaining({ name: '外国语学院微信公众号', kind: 'wechat', level: 'unit' })]));

    await page.click('[data-tab="users"]');
    await page.waitForSelector('[data-testid="users-table"] tr[data-user="temp"]');
    await page.check('input[aria-label="temp 复审"]');
    await page.click('tr[data-user="temp"] [data-action="save-roles"]');
    await page.waitForSelector('.notice >> text=已修改');
    const temp = ((await h.ctx.api('admin').get('/api/admin/users')).body.items as Array<{ username: string; roles: string[] }>).find((u) => u.username === 'temp');
    expect(temp?.roles).toEqual(['reviewer1', 'reviewer2']);

    await page.fill('input[name="username"]', 'fl-reviewer');
    await page.fill('input[name="displayName"]', '外语初审');
    await page.fill('input[name="staffId"]', 'T2026FL01');
    await page.selectOption('select[name="unitId"]', { label: '外国语学院' });
    await page.uncheck('form[aria-label="新建用户"] fieldset label:has-text("编辑") input');
    await page.check('form[aria-label="新建用户"] fieldset label:has-text("初审") input');
    await page.fill('input[name="password"]', 'short');
    await page.click('form[aria-label="新建用户"] button[type="submit"]');
    await page.waitForSelector('form[aria-label="新建用户"] .error');
    await page.fill('input[name="password"]', 'Fl-Review-2026!');
    await page.click('form[aria-label="新建用户"] button[type="submit"]');
    await page.waitForSelector('[data-testid="users-table"] tr[data-user="fl-reviewer"]');
    const created = ((await h.ctx.api('admin').get('/api/admin/users')).body.items as Array<{ username: string; roles: string[]; staffId: string; isStaff: boolean }>).find(
      (u) => u.username === 'fl-reviewer',
    );
    expect(created).toMatchObject({ roles: ['reviewer1'], staffId: 'T2026FL01', isStaff: true });
    await h.shot(page, 'admin-users');
    // The refused duplicate unit (409) and weak password (400) are expected console errors.
    expect(problems.filter((p) => !/status of (400|409)/.test(p))).toEqual([]);
    await page.context().close();
  });

  it('browses, searches, adds, removes and imports dictionary terms, with line-numbered import errors', async () => {
    const { page } = await h.open('admin', '/admin/dictionaries');
    await page.waitForSelector('[data-testid="dictionary-version"]');
    await page.click('button[data-list="whitelist"]');
    await page.waitForSelector('[data-testid="list-editor"][data-list="whitelist"] [data-testid="terms-table"] tr[data-term]');

    await page.fill('input[name="term"]', '校园大麻烦事');
    await page.fill('input[name="note"]', '测试用白名单');
    await page.click('form[aria-label="添加词条"] button[type="submit"]');
    await page.waitForSelector('[data-testid="dictionary-result"] >> text=新增 1 条');
    await page.fill('input[aria-label="搜索词条"]', '大麻烦事');
    await page.waitForSelector('tr[data-term="校园大麻烦事"] >> text=管理员新增');

    await page.click('tr[data-term="校园大麻烦事"] [data-action="remove"]');
    await page.click('tr[data-term="校园大麻烦事"] [data-action="confirm-remove"]');
    await page.waitForSelector('[data-testid="dictionary-result"] >> text=删除 1 条');
    await page.waitForSelector('tr[data-term="校园大麻烦事"]', { state: 'detached' });

    await page.setInputFiles('input[name="file"]', { name: '白名单.txt', mimeType: 'text/plain', buffer: Buffer.from('导入词甲\n导入词乙\t带了一个制表符\n导入词丙\n坏行\t又一个\n', 'utf8') });
    await page.click('form[aria-label="导入词库文件"] button[type="submit"]');
    await page.waitForSelector('[data-testid="import-issues"]');
    const issues = await page.$$eval('[data-testid="import-issues"] li', (els) => els.map((e) => e.textContent ?? ''));
    expect(issues).toHaveLength(2);
    expect(issues[0]).toMatch(/^第 2 行/);
    expect(issues[1]).toMatch(/^第 4 行/);
    expect((await h.ctx.api('admin').get('/api/admin/dictionaries/whitelist/terms?q=导入词')).body.total).toBe(0);
    await h.shot(page, 'admin-dictionaries');

    await page.setInputFiles('input[name="file"]', { name: '白名单.txt', mimeType: 'text/plain', buffer: Buffer.from('导入词甲\n导入词丙\n', 'utf8') });
    await page.click('form[aria-label="导入词库文件"] button[type="submit"]');
    await page.waitForSelector('[data-testid="dictionary-result"] >> text=新增 2 条');
    await page.fill('input[aria-label="搜索词条"]', '导入词');
    await page.waitForSelector('tr[data-term="导入词丙"]');
    const terms = (await h.ctx.api('admin').get('/api/admin/dictionaries/whitelist/terms?q=导入词')).body.items as Array<{ term: string }>;
    expect(terms.map((t) => t.term).sort()).toEqual(['导入词丙', '导入词甲']);
    await page.context().close();
  });
});
