/**
 * The review page of a draft with thousands of hits stays small (issue 9 item 5): at most N + 1 findings per
 * check are listed and highlighted, the summary finding says how many there were; and a word disguised with
 * invisible and compatibility characters (item 4) is highlighted where the reviewer reads it. Desktop and 390 px.
 */
import { CHECKS_CONFIG } from '../../config/checks';
import { waitForDraft } from '../helpers/test-context';
import { SCREENSHOTS, startHarness, type Harness } from './harness';
import { join } from 'node:path';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 60_000);
afterAll(async () => {
  await h?.close();
});

const LIMIT = CHECKS_CONFIG.limits.findingsPerCheck;

async function submitChecked(title: string, body: string, format: string): Promise<string> {
  const res = await h.ctx.api('editor').post('/api/drafts', { platformId: h.ctx.people.platformId, title, body, format });
  expect(res.status).toBe(201);
  await waitForDraft(h.ctx, 'r1', res.body.id, (d) => d.status !== 'checking', 120_000);
  return res.body.id as string;
}

describe('review page with bounded findings', () => {
  it('3,000 hits per check: at most N + 1 findings listed and highlighted per check, the summary shows the total', async () => {
    const REPEATS = 3_000;
    const id = await submitChecked('测试：大量重复问题', '赌博 13800138000 '.repeat(REPEATS), 'text');
    const { page, problems } = await h.open('r1', `/drafts/${id}`);
    await page.waitForSelector('[data-testid="findings"] [data-finding-item]');
    await page.waitForSelector('[data-testid="draft-body"] mark.finding');
    const items = await page.locator('[data-testid="findings"] [data-finding-item]').count();
    expect(items).toBeGreaterThan(LIMIT);
    expect(items).toBeLessThanOrEqual(6 * (LIMIT + 1));
    expect(await page.locator('[data-testid="draft-body"] mark.finding').count()).toBeLessThanOrEqual(6 * (LIMIT + 1));
    const listed = await page.textContent('[data-testid="findings"]');
    expect(listed).toContain(`本项检查共发现 ${REPEATS} 处问题`);
    // The summaries come first in the list, where the reviewer starts reading.
    expect(await page.locator('[data-testid="findings"] [data-finding-item]').first().textContent()).toContain(`本项检查共发现 ${REPEATS} 处问题`);
    await page.screenshot({ path: join(SCREENSHOTS, 'bounded-findings-1440.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator('[data-testid="findings"]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SCREENSHOTS, 'bounded-findings-390.png') });
    expect(problems).toEqual([]);
  }, 180_000);

  it('a word disguised with &ensp;, a tag character and a Kangxi radical is highlighted where the reviewer reads it', async () => {
    const id = await submitChecked('测试：伪装的敏感词', '<p>近日有人散发法&ensp;轮&#xE0020;功的宣传品，并传播黄⽚链接。</p>', 'html');
    const { page, problems } = await h.open('r1', `/drafts/${id}`);
    await page.waitForSelector('[data-testid="draft-body"] mark.finding');
    // The highlight may be split where the rendering splits the text (an entity, an invisible character).
    const marked = (await page.locator('[data-testid="draft-body"] mark.finding').allTextContents()).join('|');
    expect(marked).toMatch(/法[^|]*轮\|?[^|]*\|?功/u);
    expect(marked).toContain('黄⽚');
    await page.screenshot({ path: join(SCREENSHOTS, 'disguised-word-1440.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(SCREENSHOTS, 'disguised-word-390.png') });
    expect(problems).toEqual([]);
  }, 120_000);
});
