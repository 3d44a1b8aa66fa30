import type { Page } from 'playwright-core';
import { waitForDraft } from '../helpers/test-context';
import { startHarness, type Harness, type OpenedPage } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 60_000);
afterAll(async () => {
  await h?.close();
});

/**
 * Every payload tries to set window.__pwned (or call alert). The page-side hook records any such attempt, and
 * CSP violation reports are recorded too: a payload that even reached the DOM as markup would produce one.
 */
const HOOK = `
  window.__xss = [];
  Object.defineProperty(window, '__pwned', { configurable: false, get() { return undefined; }, set(v) { window.__xss.push('pwned:' + String(v)); } });
  window.alert = (m) => window.__xss.push('alert:' + String(m));
  document.addEventListener('securitypolicyviolation', (e) => window.__xss.push('csp:' + e.violatedDirective + ':' + e.blockedURI));
`;

const HTML_PAYLOAD = [
  '<p>正文开始<script>window.__pwned="script"</script>正文继续</p>',
  '<img src="x" onerror="window.__pwned=\'img\'" alt="配图说明">',
  '<p><a href="javascript:window.__pwned=\'js-link\'">点击查看详情</a></p>',
  '<p><a href="JaVaScRiPt&colon;window.__pwned=1">大小写变体</a> <a href="java&#x0A;script:window.__pwned=2">换行变体</a></p>',
  '<svg onload="window.__pwned=\'svg\'"><script>window.__pwned="svg-script"</script><a xlink:href="javascript:window.__pwned=4">svg链接</a></svg>',
  '<iframe src="javascript:parent.__pwned=\'iframe\'"></iframe><iframe srcdoc="<script>parent.__pwned=5</script>"></iframe>',
  '<math><mtext><table><mglyph><style><img src=x onerror="window.__pwned=\'mxss\'"></style></mglyph></table></mtext></math>',
  '<p onclick="window.__pwned=\'onclick\'" onmouseover="window.__pwned=\'hover\'" style="background:url(javascript:window.__pwned=6)">鼠标经过此段</p>',
  '<object data="javascript:window.__pwned=\'object\'"></object><embed src="javascript:window.__pwned=7">',
  '<form action="javascript:window.__pwned=8"><button>提交</button></form>',
  '<details open ontoggle="window.__pwned=\'toggle\'"><summary>展开</summary>内容</details>',
  '<p><a href="https://www.example.edu.cn/news">学校新闻网</a></p>',
].join('\n');

const MARKDOWN_PAYLOAD = [
  '# 标题<img src=x onerror="window.__pwned=\'md-img\'">',
  '',
  '正文 <script>window.__pwned="md-script"</script> 与 [恶意链接](javascript:window.__pwned=9) 和 [合法链接](https://www.example.edu.cn)。',
  '',
  '![图片](javascript:window.__pwned=10) <svg onload="window.__pwned=11">',
].join('\n');

async function submit(title: string, body: string, format: 'html' | 'markdown'): Promise<string> {
  const res = await h.ctx.api('editor').post('/api/drafts', { platformId: h.ctx.people.platformId, title, body, format });
  expect(res.status).toBe(201);
  await waitForDraft(h.ctx, 'r1', res.body.id, (d) => d.status !== 'checking');
  return res.body.id as string;
}

async function hostile(page: Page): Promise<void> {
  // Interact the way a reviewer would: hover and click everything inside the draft.
  for (const el of await page.$$('[data-testid="draft-body"] *')) {
    await el.hover({ timeout: 500, force: true }).catch(() => undefined);
  }
  for (const text of ['点击查看详情', '大小写变体', '换行变体', '鼠标经过此段', '恶意链接']) {
    const el = await page.$(`text=${text}`);
    await el?.click({ timeout: 1_000, force: true }).catch(() => undefined);
  }
  await page.waitForTimeout(300);
}

async function assertInert(opened: OpenedPage, page: Page): Promise<void> {
  expect(await page.evaluate('window.__xss')).toEqual([]);
  const forbidden = await page.evaluate(`(() => {
    const body = document.querySelector('[data-testid="draft-body"]');
    const bad = [];
    for (const el of body.querySelectorAll('*')) {
      const tag = el.tagName.toLowerCase();
      if (['script', 'svg', 'math', 'iframe', 'object', 'embed', 'img', 'form', 'style', 'details', 'button', 'input'].includes(tag)) bad.push(tag);
      for (const a of el.attributes) {
        if (a.name.startsWith('on') || a.name === 'style' || a.name === 'srcdoc' || a.name.includes('href') && !/^(https?:|mailto:)/.test(a.value)) bad.push(tag + '[' + a.name + ']');
      }
    }
    return bad;
  })()`);
  expect(forbidden).toEqual([]);
  expect(opened.problems).toEqual([]);
}

describe('stored XSS in drafts never executes in a reviewer browser', () => {
  it('an HTML draft full of payloads renders as inert text, safe links only', async () => {
    const id = await submit('<img src=x onerror="window.__pwned=\'title\'">通知<script>window.__pwned="t"</script>', HTML_PAYLOAD, 'html');
    // A reviewer's opinion is free text too.
    const detail = (await h.ctx.api('r1').get(`/api/drafts/${id}`)).body as { version: number; status: string };
    if (detail.status === 'in_review') {
      const ret = await h.ctx.api('r1').post(`/api/drafts/${id}/decisions`, { stage: 'first', action: 'return', comment: '<img src=x onerror="window.__pwned=\'comment\'">请修改', version: detail.version });
      expect(ret.status).toBe(200);
    }

    const opened = await h.open('r1', `/drafts/${id}`);
    await opened.context.addInitScript(HOOK);
    const page = await h.tab(opened, `/drafts/${id}`);
    await page.waitForSelector('[data-testid="draft-body"]');
    expect(await page.evaluate('Array.isArray(window.__xss)')).toBe(true);
    await hostile(page);
    await assertInert(opened, page);

    const text = await page.textContent('[data-testid="draft-body"]');
    expect(text).toContain('正文开始正文继续');
    expect(text).toContain('点击查看详情');
    expect(text).not.toContain('window.__pwned="script"');
    expect(await page.textContent('h1.draft-title')).toContain('<img src=x onerror=');
    const links = await page.evaluate(`[...document.querySelectorAll('[data-testid="draft-body"] a')].map((a) => [a.getAttribute('href'), a.getAttribute('rel')])`);
    expect(links).toEqual([['https://www.example.edu.cn/news', 'noopener noreferrer nofollow']]);
    if (detail.status === 'in_review') expect(await page.textContent('[data-testid="decision"]')).toContain('<img src=x onerror=');
    await h.shot(page, 'xss-html-inert');
  });

  it('a markdown draft with raw HTML and javascript: links renders inert too', async () => {
    const id = await submit('校园新闻', MARKDOWN_PAYLOAD, 'markdown');
    const opened = await h.open('r1', `/drafts/${id}`);
    await opened.context.addInitScript(HOOK);
    const page = await h.tab(opened, `/drafts/${id}`);
    await page.waitForSelector('[data-testid="draft-body"] h1');
    await hostile(page);
    await assertInert(opened, page);
    expect(await page.textContent('[data-testid="draft-body"]')).toContain('<script>window.__pwned="md-script"</script>');
    const links = await page.evaluate(`[...document.querySelectorAll('[data-testid="draft-body"] a')].map((a) => a.getAttribute('href'))`);
    expect(links).toEqual(['https://www.example.edu.cn/']);
  });

  it('controls: the hook does record script that runs, and the CSP blocks inline script', async () => {
    const opened = await h.open('r1', '/board');
    await opened.context.addInitScript(HOOK);
    const page = await h.tab(opened, '/board');
    await page.waitForSelector('[data-testid="board"]');
    await page.evaluate(`window.__pwned = 'control'`);
    await page.evaluate(`(() => { const s = document.createElement('script'); s.textContent = 'window.__pwned = "inline"'; document.body.appendChild(s); })()`);
    await page.waitForTimeout(200);
    const hits = (await page.evaluate('window.__xss')) as string[];
    expect(hits).toContain('pwned:control');
    expect(hits).not.toContain('pwned:inline');
    expect(hits.some((x) => x.startsWith('csp:script-src'))).toBe(true);
  });

  it('the board card shows a hostile title as text', async () => {
    const opened = await h.open('r1', '/board');
    await opened.context.addInitScript(HOOK);
    const page = await h.tab(opened, '/board');
    await page.waitForSelector('[data-testid="draft-card"]');
    await page.waitForTimeout(200);
    expect(await page.evaluate('window.__xss')).toEqual([]);
    expect(await page.evaluate(`document.querySelectorAll('[data-testid="board"] img, [data-testid="board"] script').length`)).toBe(0);
    expect(opened.problems).toEqual([]);
  });
});
