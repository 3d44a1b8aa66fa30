import { execFileSync } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { backdateRelease } from '../helpers/backdate';
import { waitForDraft } from '../helpers/test-context';
import { SCREENSHOTS, startHarness, type Harness } from './harness';

let h: Harness;
let work: string;
const released: string[] = [];
let pendingId: string;

const binary = (res: any, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

/** Renders page 1 of a PDF to a PNG among the screenshots (what a printer would get). */
function renderFirstPage(pdf: Buffer, name: string): string {
  const file = join(work, `${name}.pdf`);
  writeFileSync(file, pdf);
  execFileSync('pdftoppm', ['-r', '110', '-png', '-f', '1', '-l', '1', '-singlefile', file, join(work, name)]);
  const target = join(SCREENSHOTS, `${name}.png`);
  renameSync(join(work, `${name}.png`), target);
  return target;
}

beforeAll(async () => {
  h = await startHarness();
  work = mkdtempSync(join(tmpdir(), 'sanshen-e2e-records-'));
  const months = ['2026-01-12T02:00:00Z', '2026-03-09T02:00:00Z', '2026-05-11T02:00:00Z'];
  for (const [i, at] of months.entries()) {
    const title = `计算机学院第${i + 1}期新闻：学术报告会顺利举办`;
    const res = await h.ctx
      .api('editor')
      .post('/api/drafts', { platformId: h.ctx.people.platformId, title, body: `${title}。11月20日下午，学院在学术报告厅举办秋季学术报告会，师生百余人参加。`, format: 'markdown' });
    await waitForDraft(h.ctx, 'r1', res.body.id, (d) => d.status === 'in_review');
    for (const [user, stage] of [
      ['r1', 'first'],
      ['r2', 'second'],
      ['r3', 'final'],
    ] as const) {
      const d = await h.ctx.api(user).get(`/api/drafts/${res.body.id}`);
      await h.ctx.api(user).post(`/api/drafts/${res.body.id}/decisions`, { stage, action: 'approve', comment: '同意发布', version: d.body.version });
    }
    const d = await h.ctx.api('editor').get(`/api/drafts/${res.body.id}`);
    expect((await h.ctx.api('editor').post(`/api/drafts/${res.body.id}/release`, { version: d.body.version })).status).toBe(200);
    await backdateRelease(h.ctx, res.body.id, new Date(at));
    released.push(res.body.id);
  }
  await h.ctx.superuser(`UPDATE platforms SET registered_at = '2025-09-01T00:00:00+08'`);
  const pending = await h.ctx.api('editor').post('/api/registry/applications', {
    name: '计算机学院青年志愿者协会',
    kind: 'douyin',
    level: 'student_org',
    unitId: h.ctx.people.unitId,
    accountName: '计院青协',
    accountId: 'dy_cs_volunteer',
    responsibleId: h.ctx.people.ids.r3,
    admins: [{ userId: h.ctx.people.ids.r1, phone: '13800138000' }],
    correspondents: [{ name: '学生记者甲' }],
    positioning: '志愿服务活动报道',
    openedOn: '2025-10-01',
  });
  expect(pending.status).toBe(201);
  pendingId = pending.body.id;
}, 180_000);
afterAll(async () => {
  await h?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('备案, 年检 and the printable 审稿单 in Chromium', () => {
  it('宣传部 approves an application and deregisters an account with a confirmation', async () => {
    const { page, problems } = await h.open('prop', '/registry');
    await page.waitForSelector(`[data-platform="${pendingId}"]`);
    await h.shot(page, 'registry-1440');
    await page.click(`[data-platform="${pendingId}"] [data-testid="open-entry"]`);
    await page.waitForSelector('[data-testid="filing"][data-status="pending"]');
    await h.shot(page, 'registry-drawer-1440');
    await page.click('[data-testid="approve-filing"]');
    await page.waitForSelector('[data-testid="filing"][data-status="approved"]');
    expect(await page.textContent('[data-testid="entry"]')).toContain('已备案');

    await page.click('[data-testid="deregister"]');
    await page.waitForSelector('[data-testid="confirm-deregister"]');
    expect(await page.isDisabled('[data-testid="confirm-deregister-button"]')).toBe(true);
    await page.fill('textarea[name="deregisterReason"]', '学生组织换届，账号停止运营');
    await h.shot(page, 'registry-deregister-confirm-1440');
    await page.click('[data-testid="confirm-deregister-button"]');
    await page.waitForSelector('[data-testid="entry"] .status-deregistered');
    const refused = await h.ctx.api('editor').post('/api/drafts', { platformId: pendingId, title: '测试', body: '测试正文', format: 'markdown' });
    expect(refused.body.error.code).toBe('platform_not_registered');
    expect(problems).toEqual([]);
  });

  it('an editor applies on a phone (390 px) with the full 备案表', async () => {
    const { page, problems } = await h.open('editor', '/registry');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForSelector('[data-testid="registry-table"]');
    await h.shot(page, 'registry-390');
    await page.click('[data-testid="apply-button"]');
    await page.waitForSelector('form[aria-label="备案申请表"] select[name="responsibleId"] option:nth-child(2)', { state: 'attached' });
    await page.fill('form[aria-label="备案申请表"] input[name="name"]', '计算机学院研究生会公众号');
    await page.fill('form[aria-label="备案申请表"] input[name="accountId"]', 'gh_cs_gsu');
    await page.fill('form[aria-label="备案申请表"] input[name="accountName"]', '计算机学院研究生会');
    await page.selectOption('form[aria-label="备案申请表"] select[name="level"]', 'student_org');
    await page.selectOption('form[aria-label="备案申请表"] select[name="responsibleId"]', h.ctx.people.ids.r3!);
    await page.fill('form[aria-label="备案申请表"] input[name="openedOn"]', '2024-09-01');
    await page.selectOption('form[aria-label="备案申请表"] select[name="admin-0"]', h.ctx.people.ids.r2!);
    await page.fill('form[aria-label="备案申请表"] input[name="admin-phone-0"]', '13900139000');
    await page.fill('form[aria-label="备案申请表"] textarea[name="positioning"]', '研究生学术与生活资讯');
    await h.shot(page, 'registry-apply-390');
    await page.click('[data-testid="submit-application"]');
    await page.waitForSelector('[data-testid="filing"][data-kind="application"][data-status="pending"]');
    expect(await page.textContent('[data-testid="entry"]')).toContain('学生组织');
    await h.shot(page, 'registry-applied-390');
    expect(problems).toEqual([]);
  });

  it('the 年检 dashboard draws update frequency against the minimum (1440 and 390 px)', async () => {
    const { page, problems } = await h.open('prop', '/annual');
    await page.waitForSelector('[data-testid="chart-frequency"] canvas');
    await page.waitForSelector('[data-testid="annual-table"] tbody tr');
    expect(await page.textContent('[data-testid="annual-table"]')).toContain('学院公众号');
    await page.waitForTimeout(600);
    await h.shot(page, 'annual-1440');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(600);
    await h.shot(page, 'annual-390');
    expect(problems).toEqual([]);
  });

  it('renders page 1 of the 审稿单 PDF and of the 年检 PDF; the QR page verifies', async () => {
    const id = released[1]!;
    const sheet = await request(h.server).get(`/api/drafts/${id}/review-sheet.pdf`).set('Authorization', `Bearer ${h.ctx.people.tokens.auditor}`).buffer(true).parse(binary);
    expect(sheet.status).toBe(200);
    renderFirstPage(sheet.body as Buffer, 'review-sheet-pdf-page1');
    const annual = await request(h.server).get('/api/reports/annual?year=2026&format=pdf').set('Authorization', `Bearer ${h.ctx.people.tokens.prop}`).buffer(true).parse(binary);
    expect(annual.status).toBe(200);
    renderFirstPage(annual.body as Buffer, 'annual-report-pdf-page1');

    const detail = await h.ctx.api('auditor').get(`/api/drafts/${id}`);
    const { page, problems } = await h.open('auditor', `/verify/${id}/${detail.body.released.hash}`);
    await page.waitForSelector('[data-testid="verification"][data-ok="yes"]');
    await h.shot(page, 'verify-1440');
    await page.setViewportSize({ width: 390, height: 844 });
    await h.shot(page, 'verify-390');
    expect(problems).toEqual([]);
  });
});
