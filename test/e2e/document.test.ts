import sharp from 'sharp';
import request from 'supertest';
import type { Page } from 'playwright-core';
import { PAYLOADS } from './fixtures/xss-payloads';
import { canonicalise } from '../../src/shared/document/canonicalise';
import { waitForDraft } from '../helpers/test-context';
import { startHarness, type Harness } from './harness';

/**
 * Issue 9, "done when": every evasion from the issue (and more) goes submission → review page → GET /preview in
 * real Chromium. Each is either refused at submission, or the checks flag it AND the reviewer sees it; and the
 * preview (the bytes release hands out) shows nothing the reviewer did not see.
 */
let h: Harness;
let image = '';
beforeAll(async () => {
  h = await startHarness();
  const data = await sharp({ create: { width: 600, height: 400, channels: 3, background: { r: 30, g: 120, b: 200 } } })
    .png()
    .toBuffer();
  const up = await request(h.url).post('/api/media').set('Authorization', `Bearer ${h.ctx.people.tokens.editor}`).attach('file', data, 'poster.png');
  expect(up.status).toBe(201);
  image = up.body.hash;
}, 90_000);
afterAll(async () => {
  await h?.close();
});

type Case = { name: string; body: string | (() => string); format: 'html' | 'markdown' | 'text'; term?: string; refused?: boolean; link?: string; alt?: string };
const T = '法轮功';
const SHOP = 'item.taobao.com';
const CASES: Case[] = [
  { name: 'comment that ends early', body: `<!-->${T}<!-- -->`, format: 'html', term: T },
  { name: '--!> comment end', body: `<!-- x --!>${T}`, format: 'html', term: T },
  { name: 'textarea', body: `<p>通知</p><textarea>${T}</textarea>`, format: 'html' },
  { name: 'svg text', body: `<p>通知</p><svg><text>${T}</text></svg>`, format: 'html', term: T },
  { name: 'xmp', body: `<p>通知</p><xmp>${T}</xmp>`, format: 'html' },
  { name: 'plaintext', body: `<p>通知</p><plaintext>${T}`, format: 'html' },
  { name: 'input value', body: `<p>通知</p><input value="${T}">`, format: 'html' },
  { name: 'iframe srcdoc', body: `<p>通知</p><iframe srcdoc="${T}"></iframe>`, format: 'html' },
  { name: 'css generated content', body: `<style>p::after{content:"${T}"}</style><p>通知</p>`, format: 'html' },
  { name: 'bdo rtl', body: '<p><bdo dir=rtl>功轮法</bdo></p>', format: 'html' },
  { name: 'rtl override char', body: '<p>\u202e功轮法</p>', format: 'html' },
  { name: 'title tooltip', body: `<p title="${T}">通知</p>`, format: 'html' },
  { name: 'markdown link title', body: `[通知](https://www.example.edu.cn "${T}")`, format: 'markdown' },
  { name: 'markdown reference title', body: `[通知][a]\n\n[a]: https://www.example.edu.cn "${T}"`, format: 'markdown' },
  { name: 'script', body: `<p>通知</p><script>document.body.append("${T}")</script>`, format: 'html' },
  { name: 'img onerror', body: `<p>通知</p><img src=x onerror="document.body.append('${T}')">`, format: 'html' },
  { name: 'display:none filler', body: `<p>法<span style=display:none>哈</span>轮功</p>`, format: 'html' },
  { name: 'white text', body: `<p>通知<span style="color:#ffffff">${T}</span></p>`, format: 'html', term: T },
  { name: 'zero font size', body: `<p>通知<span style="font-size:0">${T}</span></p>`, format: 'html', term: T },
  { name: 'ruby', body: '<p><ruby>法<rt>fa</rt>轮功</ruby></p>', format: 'html', term: T },
  { name: 'details collapsed', body: `<details><summary>更多</summary>${T}</details>`, format: 'html', term: T },
  { name: 'phone in ol start', body: '<ol start=13800138000><li>联系我们</li></ol>', format: 'html' },
  { name: 'entity colon link', link: SHOP, body: `<p><a href="https&colon;//${SHOP}/x">好物</a></p>`, format: 'html' },
  { name: 'no-slash link', link: SHOP, body: `<p><a href="https:${SHOP}">好物</a></p>`, format: 'html' },
  { name: 'backslash link', body: `<p><a href="\\\\${SHOP}">好物</a></p>`, format: 'html' },
  { name: 'tab in scheme', link: SHOP, body: `<p><a href="ht&#9;tps://${SHOP}">好物</a></p>`, format: 'html' },
  { name: 'upper-case scheme', link: SHOP, body: `<p><a href="HTTPS://${SHOP.toUpperCase()}">好物</a></p>`, format: 'html' },
  { name: 'backslash host confusion', link: SHOP, body: `<p><a href="https://${SHOP}\\.edu.cn/">好物</a></p>`, format: 'html' },
  { name: 'srcset', body: () => `<p><img src="media:${image}" srcset="https://${SHOP}/a.png 2x" alt="海报"></p>`, format: 'html' },
  { name: 'video poster', body: `<video poster="https://${SHOP}/p.png"></video><p>通知</p>`, format: 'html' },
  { name: 'background attribute', body: `<table background="https://${SHOP}/b.png"><tr><td>通知</td></tr></table>`, format: 'html' },
  { name: 'style url()', body: `<p style="background:url(https://${SHOP}/b.png)">通知</p>`, format: 'html' },
  { name: 'form action', body: `<form action="https://${SHOP}/"><p>通知</p></form>`, format: 'html' },
  { name: 'meta refresh', body: `<meta http-equiv="refresh" content="0;url=https://${SHOP}/"><p>通知</p>`, format: 'html' },
  { name: 'external image', body: `<p><img src="https://${SHOP}/a.png"></p>`, format: 'html', refused: true },
  { name: 'data: image', body: '<p><img src="data:image/png;base64,iVBORw0KGgo="></p>', format: 'html', refused: true },
  { name: 'markdown external image', body: `![海报](https://${SHOP}/a.png)`, format: 'markdown', refused: true },
  // Our own beyond the list.
  { name: 'template content', body: `<template>${T}</template><p>通知</p>`, format: 'html' },
  { name: 'noscript', body: `<noscript>${T}</noscript><p>通知</p>`, format: 'html' },
  { name: 'hidden attribute', body: `<p hidden>${T}</p>`, format: 'html', term: T },
  { name: 'opacity 0', body: `<p><span style="opacity:0">${T}</span>通知</p>`, format: 'html', term: T },
  { name: 'image alt text', body: () => `<p><img src="media:${image}" alt="${T}宣传画"></p>`, format: 'html', alt: T },
  { name: 'markdown image alt', body: () => `![${T}](media:${image})`, format: 'markdown', alt: T },
  { name: 'word inside table cell', body: `<table><tr><td>${T}</td></tr></table>`, format: 'html', term: T },
  { name: 'plain text', body: `通知：${T}相关`, format: 'text', term: T },
  { name: 'entities', body: '<p>&#27861;&#x8f6e;&#21151;</p>', format: 'html', term: T },
  { name: 'javascript link', body: '<p><a href="javascript:alert(1)">点击</a></p>', format: 'html' },
  { name: 'select option', body: `<select><option>${T}</option></select><p>通知</p>`, format: 'html' },
  { name: 'object data', body: `<object data="https://${SHOP}/x.swf"></object><p>通知</p>`, format: 'html' },
  { name: 'math', body: `<math><mi>${T}</mi></math><p>通知</p>`, format: 'html', term: T },
  { name: 'document tail inside an unclosed math', body: `<form><math><mtext></form><form><mglyph><p>通知${T}</p>`, format: 'html', term: T },
  {
    name: 'xss payloads (html)',
    body: () =>
      PAYLOADS.map((p) => p.text)
        .filter((t) => canonicalise(t, 'html').refusals.length === 0)
        .join('\n'),
    format: 'html',
  },
  {
    name: 'xss payloads (markdown)',
    body: () =>
      PAYLOADS.map((p) => p.text)
        .filter((t) => canonicalise(t, 'markdown').refusals.length === 0)
        .join('\n\n'),
    format: 'markdown',
  },
];

/** What a reader sees: rendered text, with the review page's own image captions taken out. */
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
/** Natural width of an image once it has loaded (0 if it failed). */
const loaded = (e: any): Promise<number> =>
  new Promise((r) => {
    if (e.complete && e.naturalWidth > 0) return r(e.naturalWidth);
    e.addEventListener('load', () => r(e.naturalWidth));
    e.addEventListener('error', () => r(0));
  });

describe('one document: checked = seen by the reviewer = released', () => {
  it.each(CASES)('$name', async (c) => {
    const body = typeof c.body === 'function' ? c.body() : c.body;
    const res = await h.ctx.api('editor').post('/api/drafts', { platformId: h.ctx.people.platformId, title: `用例：${c.name}`, body, format: c.format });
    if (c.refused) {
      expect([res.status, res.body.error.code]).toEqual([400, 'validation_failed']);
      expect(res.body.error.details.refusals.length).toBeGreaterThan(0);
      return;
    }
    expect(res.status).toBe(201);
    const id = res.body.id as string;
    const d = await waitForDraft(h.ctx, 'r1', id, (x) => x.status !== 'checking', 60_000);
    const findings = d.findings as Array<{ ruleId: string; severity: string; message: string; matched: string }>;

    const { page, context, problems } = await h.open('r1', `/drafts/${id}`);
    const requests: string[] = [];
    context.on('request', (r) => requests.push(r.url()));
    await page.locator('[data-testid="draft-body"]').waitFor();
    await page.locator('[data-testid="findings"]').waitFor();
    const reviewText = await visibleText(page, '[data-testid="draft-body"]');
    const findingsText = await page.locator('[data-testid="findings"]').innerText();

    const preview = await context.newPage();
    await preview.goto(`${h.url}/api/drafts/${id}/preview`);
    const previewText = await visibleText(preview, 'article');
    // The preview shows nothing the reviewer did not see.
    expect(squash(previewText)).toBe(squash(reviewText));
    // Nothing in either page reached outside our own origin, and no script ran in the preview.
    expect(requests.filter((u) => !u.startsWith(h.url))).toEqual([]);
    expect(await preview.evaluate('document.scripts.length')).toBe(0);

    if (c.link) {
      // A link target is read as a browser reads it: a check names the host, and the reviewer sees the host.
      expect(findings.some((f) => f.message.includes(c.link!))).toBe(true);
      expect(await page.locator('[data-testid="draft-body"] .link-host').innerText()).toContain(c.link);
      expect(findingsText).toContain(c.link);
    } else if (c.alt) {
      // Alt text is not on the released page's surface, but it is checked and shown to the reviewer as a caption.
      expect(findings.some((f) => f.severity === 'block' && f.matched.includes(c.alt!))).toBe(true);
      expect(await page.locator('[data-testid="draft-body"] .media-alt').innerText()).toContain(c.alt);
      expect(await page.locator('[data-testid="draft-body"] .media-alt mark.finding').count()).toBeGreaterThan(0);
    } else if (c.term && squash(previewText).includes(c.term.replace(/\s/g, ''))) {
      // Readers would see it: a check flagged it, and the reviewer sees the flagged text and the finding.
      const flagged = findings.filter((f) => f.severity !== 'info' && (f.message.includes(c.term!) || f.matched.includes(c.term!)));
      expect(flagged.length).toBeGreaterThan(0);
      expect(reviewText).toContain(c.term);
      if (c.term === T) expect(await page.locator('[data-testid="draft-body"] mark.finding').count()).toBeGreaterThan(0);
      expect(findingsText).toContain(c.term);
    } else if (c.format !== 'text') {
      // Something was removed or neutralised: the reviewer is told what, in the findings list.
      expect(findings.some((f) => f.ruleId === 'document:removed')).toBe(true);
      expect(findingsText).toContain('已移除');
    }
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows every image inline on the review page (click to enlarge) at 1440 px and 390 px, like the preview', async () => {
    const body = `<h2>开学典礼</h2><p style="text-align:center"><span style="color:#c00000;font-size:20px">欢迎新同学</span></p><p><img src="media:${image}" alt="典礼现场"></p><blockquote><p>引用一段话。</p></blockquote><ul><li>第一项</li><li>第二项</li></ul>`;
    const res = await h.ctx.api('editor').post('/api/drafts', { platformId: h.ctx.people.platformId, title: '开学典礼图文', body, format: 'html', assets: [{ media: image, licence: 'own_work' }] });
    expect(res.status).toBe(201);
    await waitForDraft(h.ctx, 'r1', res.body.id, (x) => x.status !== 'checking', 60_000);
    const { page, context } = await h.open('r1', `/drafts/${res.body.id}`);
    const img = page.locator('[data-testid="draft-body"] img.media-image');
    await img.waitFor();
    expect(await img.evaluate(loaded)).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="draft-body"] .media-alt').innerText()).toContain('典礼现场');
    await h.shot(page, 'issue9-review-image-1440');
    await img.click();
    const viewer = page.locator('[data-testid="media-viewer"] img');
    await viewer.waitFor();
    expect(await viewer.evaluate(loaded)).toBe(600);
    await h.shot(page, 'issue9-review-image-viewer');
    await page.locator('[data-testid="media-viewer"]').click();
    await page.setViewportSize({ width: 390, height: 844 });
    await h.shot(page, 'issue9-review-image-390');
    const box = await img.boundingBox();
    expect(box!.width).toBeLessThanOrEqual(390);
    const preview = await context.newPage();
    await preview.setViewportSize({ width: 390, height: 844 });
    await preview.goto(`${h.url}/api/drafts/${res.body.id}/preview`);
    expect(await preview.locator('article img').evaluate(loaded)).toBe(600);
    await h.shot(preview, 'issue9-preview-390');
    await context.close();
  });
});

describe('the desk editor (图文编辑器)', () => {
  it('writes headings, bold and lists, uploads an image by button and by paste, previews at phone width, and submits the canonical form', async () => {
    const { page, context, problems } = await h.open('editor', '/desk');
    await page.waitForSelector('form[aria-label="投稿"]');
    await page.waitForSelector('select[name="platform"] option', { state: 'attached' });
    await page.fill('input[name="title"]', '迎新图文');
    await page.selectOption('select[name="format"]', 'rich');
    const editor = page.locator('[data-testid="rich-editor"]');
    await editor.click();
    await page.locator('[data-tool="h2"]').click();
    await page.keyboard.type('迎新活动');
    await page.keyboard.press('Enter');
    await page.keyboard.type('欢迎');
    await page.locator('[data-tool="bold"]').click();
    await page.keyboard.type('新同学');
    await page.locator('[data-tool="bold"]').click();
    await page.keyboard.press('Enter');
    await page.locator('[data-tool="ul"]').click();
    await page.keyboard.type('报到');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    const poster = await sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 200, g: 40, b: 40 } } })
      .png()
      .toBuffer();
    await page.locator('[data-testid="image-file"]').setInputFiles({ name: '海报.png', mimeType: 'image/png', buffer: poster });
    await editor.locator('img[src^="/api/media/"]').waitFor();
    // Paste a picture as a file (what a screenshot or a copied image gives).
    const pasted = await sharp({ create: { width: 120, height: 80, channels: 3, background: { r: 20, g: 160, b: 60 } } })
      .png()
      .toBuffer();
    await editor.click();
    await page.keyboard.press('End');
    await page.evaluate(`(() => {
      const bytes = Uint8Array.from(atob(${JSON.stringify(pasted.toString('base64'))}), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'paste.png', { type: 'image/png' }));
      document.querySelector('[data-testid="rich-editor"]').dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    })()`);
    await editor.locator('img[src^="/api/media/"]').nth(1).waitFor();
    const frame = page.frameLocator('[data-testid="desk-preview"]');
    await frame.locator('article img').nth(1).waitFor();
    expect(await frame.locator('article h2').innerText()).toBe('迎新活动');
    expect(await frame.locator('article strong').innerText()).toBe('新同学');
    await h.shot(page, 'issue9-desk-editor-1440');
    await page.setViewportSize({ width: 390, height: 844 });
    await h.shot(page, 'issue9-desk-editor-390');
    // Uploaded files were added to the declarations; declare them and submit.
    for (const sel of await page.locator('select[aria-label="授权"]').all()) await sel.selectOption('own_work');
    await page.click('form[aria-label="投稿"] button[type="submit"]');
    await page.waitForURL(/#\/drafts\/[0-9a-f-]{36}$/);
    const id = page.url().split('/').pop()!;
    const d = await waitForDraft(h.ctx, 'editor', id, (x) => x.status !== 'checking', 60_000);
    expect(d.currentRevision.format).toBe('html');
    expect(d.currentRevision.body).toMatch(/^<h2>迎新活动<\/h2>\n<p>欢迎<strong>新同学<\/strong><\/p>\n<ul><li><p>报到<\/p><\/li><\/ul>\n/);
    expect((d.currentRevision.body.match(/src="media:[0-9a-f]{64}"/g) ?? []).length).toBe(2);
    expect((d.findings as Array<{ ruleId: string }>).filter((f) => f.ruleId === 'copyright:media-undeclared')).toEqual([]);
    // The editor's preview pane shows what GET /preview serves for the submitted draft.
    const preview = await context.newPage();
    await preview.goto(`${h.url}/api/drafts/${id}/preview`);
    expect(squash(await visibleText(preview, 'article'))).toBe(squash('迎新活动欢迎新同学报到'));
    expect(problems).toEqual([]);
    await context.close();
  });
});
