import { Client } from 'pg';
import { seedArchive } from '../../bench/lib/archive';
import { startHarness, type Harness } from './harness';

/**
 * Issue 16 in the browser: the board shows each column's true total and pages it ("加载更多"), the audit desk pages by
 * cursor and shows its capped count. A small synthetic archive gives columns longer than one page.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  const client = new Client({ connectionString: h.ctx.databaseUrl });
  await client.connect();
  try {
    await seedArchive(client, { drafts: 3_000, key: 'e2e' });
  } finally {
    await client.end();
  }
}, 180_000);
afterAll(async () => {
  await h?.close();
});

const count = (page: import('playwright-core').Page, selector: string) => page.$$eval(selector, (els) => els.length);

/** Polls until exactly `n` elements match (the page's CSP forbids string predicates). */
async function waitForCount(page: import('playwright-core').Page, selector: string, n: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await count(page, selector)) === n) return;
    await page.waitForTimeout(100);
  }
  throw new Error(`${selector}: expected ${n}, have ${await count(page, selector)}`);
}

describe('pages that grow with the archive', () => {
  it('the whole-school board shows true column totals and loads more cards of one column', async () => {
    const api = await h.ctx.api('prop').get('/api/board');
    const first = api.body.columns.find((c: { key: string }) => c.key === 'first') as { total: number };
    expect(first.total).toBeGreaterThan(50);
    const opened = await h.open('prop', '/board');
    const column = '[data-column="first"]';
    await opened.page.waitForSelector(`${column} [data-testid="draft-card"]`);
    expect(await opened.page.textContent(`${column} [data-testid="column-total"]`)).toBe(String(first.total));
    expect(await count(opened.page, `${column} [data-testid="draft-card"]`)).toBe(50);
    expect(await opened.page.textContent(`${column} [data-testid="column-more"]`)).toContain(`已显示 50 / ${first.total}`);
    await h.shot(opened.page, 'board-columns-1440');
    await opened.page.click(`${column} [data-testid="column-more"]`);
    await waitForCount(opened.page, `${column} [data-testid="draft-card"]`, Math.min(100, first.total));
    await opened.page.setViewportSize({ width: 390, height: 844 });
    await h.shot(opened.page, 'board-columns-390');
    expect(opened.problems).toEqual([]);
  });

  it('the audit desk pages by cursor and shows its count', async () => {
    const opened = await h.open('auditor', '/audit');
    await opened.page.waitForSelector('[data-testid="audit-results"] tbody tr');
    expect(await count(opened.page, '[data-testid="audit-results"] tbody tr')).toBe(100);
    const total = (await h.ctx.api('auditor').get('/api/drafts?pageSize=1')).body.total as number;
    expect(await opened.page.textContent('[data-testid="audit-total"]')).toBe(`共 ${total.toLocaleString('en-US')} 条`);
    await opened.page.click('[data-testid="audit-more"]');
    await waitForCount(opened.page, '[data-testid="audit-results"] tbody tr', 200);
    await h.shot(opened.page, 'audit-desk-paged-1440');
    await opened.page.setViewportSize({ width: 390, height: 844 });
    await h.shot(opened.page, 'audit-desk-paged-390');
    expect(opened.problems).toEqual([]);
  });
});
