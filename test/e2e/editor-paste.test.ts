import sharp from 'sharp';
import request from 'supertest';
import type { Page } from 'playwright-core';
import { pasteFixture, inlinePictures } from '../fixtures/paste';
import { waitForDraft } from '../helpers/test-context';
import { startHarness, type Harness, type OpenedPage } from './harness';

/**
 * Issue 9, the 图文编辑器 in real Chromium: drag-and-drop and paste reach ProseMirror as DataTransfer events (how a
 * browser delivers them), picture files and data: pictures become uploads (media:<hash>), and content pasted from
 * 秀米, 135编辑器 and Word keeps its structure while pictures the system cannot read (mmbiz.qpic.cn, file:///) are
 * listed for re-upload: never silently dropped, never submitted as external addresses.
 */
// Page-side code in page.evaluate below runs in Chromium; the test project's lib has no DOM.
declare const document: any;
declare const window: any;
declare const DataTransfer: any, ClipboardEvent: any, DragEvent: any;

let h: Harness;
let png: Buffer;
let jpeg: Buffer;
beforeAll(async () => {
  h = await startHarness();
  ({ png, jpeg } = await inlinePictures());
}, 90_000);
afterAll(async () => {
  await h?.close();
});

const EDITOR = '[data-testid="rich-editor"]';

async function openDesk(title: string): Promise<OpenedPage & { requests: string[] }> {
  const opened = await h.open('editor', '/desk');
  const requests: string[] = [];
  opened.context.on('request', (r) => requests.push(r.url()));
  await opened.page.waitForSelector('form[aria-label="投稿"]');
  await opened.page.waitForSelector('select[name="platform"] option', { state: 'attached' });
  await opened.page.fill('input[name="title"]', title);
  await opened.page.selectOption('select[name="format"]', 'rich');
  await opened.page.locator(EDITOR).click();
  return { ...opened, requests };
}

interface Transfer {
  html?: string;
  text?: string;
  files?: Array<{ name: string; type: string; base64: string }>;
}

/** Dispatches a paste (ClipboardEvent) or a drop (DragEvent at a point in the editor) carrying a DataTransfer. */
async function dispatch(page: Page, kind: 'paste' | 'drop', t: Transfer, at?: { x: number; y: number }): Promise<void> {
  // A function, not a string: the page's CSP forbids string evaluation.
  await page.evaluate(
    ([kind, t, at]) => {
      const dt = new DataTransfer();
      if (t.html !== undefined) dt.setData('text/html', t.html);
      if (t.text !== undefined) dt.setData('text/plain', t.text);
      for (const f of t.files ?? []) {
        const bytes = Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0));
        dt.items.add(new File([bytes], f.name, { type: f.type }));
      }
      const target = document.querySelector('[data-testid="rich-editor"]')!;
      if (kind === 'paste') target.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
      else {
        const box = target.getBoundingClientRect();
        const point = at ?? { x: box.left + 20, y: box.top + 20 };
        const init = { dataTransfer: dt, bubbles: true, cancelable: true, clientX: point.x, clientY: point.y };
        target.dispatchEvent(new DragEvent('dragenter', init));
        target.dispatchEvent(new DragEvent('dragover', init));
        target.dispatchEvent(new DragEvent('drop', init));
      }
    },
    [kind, t, at ?? null] as const,
  );
}

const file = (name: string, type: string, bytes: Buffer) => ({ name, type, base64: bytes.toString('base64') });

/** Waits until the editor holds `n` uploaded pictures and no upload is running. */
async function uploaded(page: Page, n: number): Promise<string[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const state = await page.evaluate(() => ({
      srcs: [...document.querySelectorAll('[data-testid="rich-editor"] img')].map((i) => i.getAttribute('src') ?? ''),
      busy: document.body.innerText.includes('上传中…'),
    }));
    const stored = state.srcs.filter((s) => /^\/api\/media\/[0-9a-f]{64}$/.test(s));
    if (stored.length >= n && !state.busy && state.srcs.every((s) => !s.startsWith('data:'))) return stored.map((s) => s.slice('/api/media/'.length));
    if (Date.now() > deadline) throw new Error(`expected ${n} uploaded pictures, editor has ${JSON.stringify(state)}`);
    await page.waitForTimeout(100);
  }
}

const pendingItems = async (page: Page) => page.locator('[data-testid="pending-image-item"]').allInnerTexts();

/** Declares every uploaded file, submits, and answers the draft once its checks ran. */
async function submit(page: Page): Promise<Record<string, any>> {
  for (const sel of await page.locator('select[aria-label="授权"]').all()) await sel.selectOption('own_work');
  await page.click('form[aria-label="投稿"] button[type="submit"]');
  await page.waitForURL(/#\/drafts\/[0-9a-f-]{36}$/);
  const id = page.url().split('/').pop()!;
  return waitForDraft(h.ctx, 'editor', id, (x) => x.status !== 'checking', 60_000);
}

/** No picture in a submitted body points anywhere but at a stored file. */
function expectOnlyStoredMedia(body: string): string[] {
  const srcs = [...body.matchAll(/\ssrc="([^"]*)"/g)].map((m) => m[1]!);
  for (const s of srcs) expect(s).toMatch(/^media:[0-9a-f]{64}$/);
  expect(body).not.toMatch(/data:|file:|mmbiz|https?:\/\/[^"]*\.(?:jpe?g|png|gif)/i);
  return srcs.map((s) => s.slice('media:'.length));
}

/** Resolves the pending pictures: the first is uploaded again through 上传替换, the rest deleted. */
async function resolvePending(page: Page, replacement: Buffer): Promise<void> {
  const first = page.locator('[data-testid="pending-image-item"]').first();
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), first.getByRole('button', { name: '上传替换' }).click()]);
  await chooser.setFiles({ name: '重新上传.png', mimeType: 'image/png', buffer: replacement });
  const before = (await pendingItems(page)).length;
  const deadline = Date.now() + 30_000;
  while ((await pendingItems(page)).length !== before - 1) {
    if (Date.now() > deadline) throw new Error('replacement did not land');
    await page.waitForTimeout(100);
  }
  while ((await pendingItems(page)).length > 0) await page.locator('[data-testid="pending-image-item"]').first().getByRole('button', { name: '删除' }).click();
  await page.locator('[data-testid="pending-images"]').waitFor({ state: 'detached' });
}

const external = (requests: string[]) => requests.filter((u) => !u.startsWith(h.url) && !u.startsWith('data:') && !u.startsWith('blob:'));

describe('the 图文编辑器: drag-and-drop and paste of pictures', () => {
  it('uploads picture files dropped onto the editor (PNG and JPEG) at the drop point', async () => {
    const { page, context, problems, requests } = await openDesk('拖放图片');
    await page.keyboard.type('第一段');
    await page.keyboard.press('Enter');
    await page.keyboard.type('第二段');
    const firstPara = await page.locator(`${EDITOR} p`).first().boundingBox();
    await dispatch(page, 'drop', { files: [file('操场.png', 'image/png', png), file('礼堂.jpg', 'image/jpeg', jpeg)] }, { x: firstPara!.x + firstPara!.width - 2, y: firstPara!.y + firstPara!.height / 2 });
    const hashes = await uploaded(page, 2);
    expect(new Set(hashes).size).toBe(2);
    // Dropped on the first paragraph: the pictures come before the second one.
    const order = await page.evaluate(() => [...document.querySelectorAll('[data-testid="rich-editor"] > *')].map((e) => (e.tagName === 'IMG' ? 'img' : (e.textContent ?? ''))));
    expect(order.indexOf('第一段')).toBeLessThan(order.indexOf('img'));
    expect(order.lastIndexOf('img')).toBeLessThan(order.indexOf('第二段'));
    // The drop landed in the editor; the browser did not navigate to the file.
    expect(page.url()).toContain('#/desk');
    const d = await submit(page);
    expect(expectOnlyStoredMedia(d.currentRevision.body).sort()).toEqual([...hashes].sort());
    expect(d.currentRevision.body).toMatch(/<p>第一段<\/p>[\s\S]*<img src="media:[0-9a-f]{64}" alt="操场">[\s\S]*<img src="media:[0-9a-f]{64}" alt="礼堂">[\s\S]*<p>第二段<\/p>/);
    expect((d.currentRevision.media as Array<{ hash: string; mime: string }>).map((m) => m.mime).sort()).toEqual(['image/jpeg', 'image/png']);
    expect((d.findings as Array<{ ruleId: string }>).filter((f) => f.ruleId === 'copyright:media-undeclared')).toEqual([]);
    expect(external(requests)).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('uploads a picture pasted from the clipboard as a file; the HTML a browser puts beside it does not win', async () => {
    const { page, context, problems, requests } = await openDesk('粘贴图片文件');
    await page.keyboard.type('截图如下');
    // What "copy image" in a browser gives: the file, plus an <img> pointing at the page it came from.
    await dispatch(page, 'paste', { html: '<meta charset="utf-8"><img src="https://mmbiz.qpic.cn/mmbiz_png/abc/640?wx_fmt=png">', files: [file('image.png', 'image/png', png)] });
    const [hash] = await uploaded(page, 1);
    expect(await pendingItems(page)).toEqual([]);
    const d = await submit(page);
    expect(expectOnlyStoredMedia(d.currentRevision.body)).toEqual([hash]);
    expect(external(requests)).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('turns data: pictures in pasted (and dropped) HTML into uploads, never inline data', async () => {
    const { page, context, problems, requests } = await openDesk('粘贴内嵌图片');
    const html = `<p>活动<b>照片</b>：</p><p><img src="data:image/png;base64,${png.toString('base64')}" alt="合影"></p><p><img src="data:image/jpeg;base64,${jpeg.toString('base64')}" alt="会场"></p>`;
    await dispatch(page, 'paste', { html, text: '活动照片：' });
    const hashes = await uploaded(page, 2);
    // The same picture dropped as HTML (dragged from another page) is the same stored file.
    await page.keyboard.press('Control+End');
    await dispatch(page, 'drop', { html: `<p>再放一张</p><img src="data:image/png;base64,${png.toString('base64')}" alt="合影二">` });
    const after = await uploaded(page, 3);
    expect(after.filter((x) => x === hashes[0]).length).toBe(2);
    const d = await submit(page);
    const refs = expectOnlyStoredMedia(d.currentRevision.body);
    expect(refs).toHaveLength(3);
    expect(d.currentRevision.body).toContain('<strong>照片</strong>');
    expect(d.currentRevision.body).toContain('alt="合影"');
    expect(d.currentRevision.body).not.toContain('base64');
    expect((d.currentRevision.media as unknown[]).length).toBe(2);
    expect(external(requests)).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('lists a data: picture the server refuses (SVG) for re-upload instead of submitting it', async () => {
    const { page, context, problems } = await openDesk('粘贴 SVG');
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');
    await dispatch(page, 'paste', { html: `<p>图标</p><img src="data:image/png;base64,${png.toString('base64')}"><img src="data:image/svg+xml;base64,${svg.toString('base64')}" alt="图标">` });
    await uploaded(page, 1);
    await page.locator('[data-testid="pending-image-item"]').first().waitFor();
    const items = await pendingItems(page);
    expect(items).toHaveLength(1);
    expect(items[0]).toContain('内嵌图片');
    expect(await page.locator(`${EDITOR} .pending-image`).innerText()).toContain('待重新上传');
    // Submitting is refused in the desk, with the list of what is missing.
    await page.click('form[aria-label="投稿"] button[type="submit"]');
    await expect(page.locator('form[aria-label="投稿"] > .error').innerText()).resolves.toContain('须重新上传或删除');
    expect(page.url()).toContain('#/desk');
    // A refused upload (415) is reported by the browser as a failed request; nothing else went wrong.
    expect(problems.filter((p) => !/status of 415/.test(p))).toEqual([]);
    await context.close();
  });

  it('refuses a dropped file that is not a picture, and a fake picture, with a message (nothing inserted)', async () => {
    const { page, context, problems } = await openDesk('拖放非图片');
    await dispatch(page, 'drop', { files: [file('通知.pdf', 'application/pdf', Buffer.from('%PDF-1.4\n%%EOF\n'))] });
    await expect(page.locator('.rich-editor .error').innerText()).resolves.toContain('不是图片');
    // Says PNG, is text: the server sniffs the bytes and refuses it.
    await dispatch(page, 'drop', { files: [file('假图.png', 'image/png', Buffer.from('this is not a png at all'))] });
    const deadline = Date.now() + 15_000;
    while (!(await page.locator('.rich-editor .error').innerText()).includes('假图.png')) {
      if (Date.now() > deadline) throw new Error('no error for the fake picture');
      await page.waitForTimeout(100);
    }
    expect(await page.locator(`${EDITOR} img`).count()).toBe(0);
    expect(problems.filter((p) => !/status of 4\d\d/.test(p))).toEqual([]);
    await context.close();
  });
});

describe('the 图文编辑器: what is submitted is what is shown', () => {
  it('switching the format away and back starts an empty editor: neither old text nor old pending pictures linger', async () => {
    const { page, context, problems } = await openDesk('切换格式');
    await dispatch(page, 'paste', { html: '<p>旧内容</p><img src="https://mmbiz.qpic.cn/a/640?wx_fmt=png">' });
    await page.locator('[data-testid="pending-image-item"]').first().waitFor();
    await page.selectOption('select[name="format"]', 'markdown');
    await page.selectOption('select[name="format"]', 'rich');
    await page.locator(EDITOR).click();
    expect(await page.locator('[data-testid="pending-images"]').count()).toBe(0);
    await page.keyboard.type('新内容');
    const d = await submit(page);
    expect(d.currentRevision.body).toBe('<p>新内容</p>\n');
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe('the 图文编辑器: every kind of pasted picture address', () => {
  type Case = { name: string; html: () => string; uploads: number; pending: string[] };
  let stored = '';
  beforeAll(async () => {
    const up = await request(h.url).post('/api/media').set('Authorization', `Bearer ${h.ctx.people.tokens.editor}`).attach('file', png, 'stored.png');
    stored = up.body.hash;
  });
  const b64 = () => png.toString('base64');
  const CASES: Case[] = [
    { name: 'protocol-relative address', html: () => '<p>图</p><img src="//mmbiz.qpic.cn/mmbiz_png/x/640?wx_fmt=png">', uploads: 0, pending: ['外部网络地址'] },
    { name: 'plain http address', html: () => '<p>图</p><img src="http://example.com/a.jpg" alt="外图">', uploads: 0, pending: ['example.com/…/a.jpg'] },
    { name: 'blob: address (expired)', html: () => '<p>图</p><img src="blob:https://mp.weixin.qq.com/1b2c">', uploads: 0, pending: ['临时地址'] },
    { name: 'a picture already stored here (copied from another draft)', html: () => `<p>图</p><img src="/api/media/${stored}" alt="旧图">`, uploads: 1, pending: [] },
    { name: 'media: reference', html: () => `<p>图</p><img src="media:${stored}">`, uploads: 1, pending: [] },
    { name: 'lazy data-src holding a data: picture', html: () => `<p>图</p><img data-src="data:image/png;base64,${b64()}" src="https://x.invalid/placeholder.gif">`, uploads: 1, pending: [] },
    { name: 'data: background picture behind text', html: () => `<section style="background-image:url('data:image/png;base64,${b64()}');padding:10px"><p>标题</p></section>`, uploads: 1, pending: [] },
    { name: 'external background picture', html: () => '<section style="background:#fff url(https://mmbiz.qpic.cn/bg/640?wx_fmt=jpeg) no-repeat"><p>标题</p></section>', uploads: 0, pending: ['背景图'] },
  ];
  it.each(CASES)('$name', async (c) => {
    const { page, context, problems, requests } = await openDesk(`粘贴：${c.name}`);
    await dispatch(page, 'paste', { html: c.html() });
    await uploaded(page, c.uploads);
    if (c.pending.length) await page.locator('[data-testid="pending-image-item"]').first().waitFor();
    const items = await pendingItems(page);
    expect(items).toHaveLength(c.pending.length);
    c.pending.forEach((p, k) => expect(items[k]).toContain(p));
    // Nothing was fetched from the pasted addresses.
    expect(external(requests)).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe('the 图文编辑器: paste from 秀米, 135编辑器 and Word', () => {
  const shoot = async (page: Page, name: string) => {
    await h.shot(page, `issue9-paste-${name}-1440`);
    await page.setViewportSize({ width: 390, height: 844 });
    await h.shot(page, `issue9-paste-${name}-390`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1440, height: 900 });
  };
  const replacement = () => sharp({ create: { width: 320, height: 180, channels: 3, background: { r: 180, g: 30, b: 60 } } }).png().toBuffer();

  it('秀米: keeps alignment and bold, uploads the inline picture, lists the mmbiz.qpic.cn, background and SVG pictures', async () => {
    const fx = await pasteFixture('xiumi');
    const { page, context, problems, requests } = await openDesk('秀米排版');
    await dispatch(page, 'paste', { html: fx.html, text: '秋季开学典礼隆重举行' });
    await uploaded(page, 1);
    const items = await pendingItems(page);
    // The lazy-loaded photo (data-src, not its 1-px SVG placeholder), the title's background picture, the SVG <image>.
    expect(items).toHaveLength(3);
    expect(items[0]).toContain('mmbiz.qpic.cn/…/640.jpeg');
    expect(items[0]).toContain('开学典礼主会场');
    expect(items[0]).toContain('外部网络地址');
    expect(items[1]).toContain('背景图');
    expect(items[1]).toContain('640.png');
    expect(items[2]).toContain('640.gif');
    expect(await page.locator('[data-testid="pending-images"]').innerText()).toContain('有 3 张图片未能随粘贴内容带入，须重新上传');
    expect(await page.locator(`${EDITOR} p[style*="text-align: center"] strong`).innerText()).toBe('秋季开学典礼隆重举行');
    await shoot(page, 'xiumi');
    await resolvePending(page, await replacement());
    const d = await submit(page);
    const body = d.currentRevision.body as string;
    expect(expectOnlyStoredMedia(body)).toHaveLength(2);
    expect(body).toContain('<p style="text-align:center"><strong>秋季开学典礼隆重举行</strong></p>');
    expect(body).toContain('<strong>立大志、明大德、成大才、担大任</strong>');
    expect(body).toContain('<p style="text-align:right">（党委宣传部）</p>');
    expect(body).toContain('alt="开学典礼主会场"');
    expect(body).not.toMatch(/powered-by|data-|class=|box-sizing|section/);
    expect(external(requests)).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('135编辑器: keeps the heading, list, table and alignment; _src wins over the placeholder src; uploads the data: QR code', async () => {
    const fx = await pasteFixture('135editor');
    const { page, context, problems, requests } = await openDesk('135 排版');
    await dispatch(page, 'paste', { html: fx.html, text: '一、活动安排' });
    await uploaded(page, 1);
    const items = await pendingItems(page);
    expect(items).toHaveLength(1);
    expect(items[0]).toContain('mmbiz.qpic.cn');
    expect(items[0]).not.toContain('96weixin');
    expect(items[0]).toContain('晚会海报');
    expect(await page.locator(`${EDITOR} h2[style*="text-align: center"]`).innerText()).toBe('一、活动安排');
    expect(await page.locator(`${EDITOR} ul li`).count()).toBe(3);
    expect(await page.locator(`${EDITOR} table tr`).count()).toBe(3);
    await shoot(page, '135editor');
    // Deleting is a decision too: the poster is left out knowingly.
    await page.locator('[data-testid="pending-image-item"]').first().getByRole('button', { name: '删除' }).click();
    await page.locator('[data-testid="pending-images"]').waitFor({ state: 'detached' });
    const d = await submit(page);
    const body = d.currentRevision.body as string;
    expect(expectOnlyStoredMedia(body)).toHaveLength(1);
    expect(body).toContain('<h2 style="text-align:center">一、活动安排</h2>');
    expect(body).toContain('<strong>迎新晚会</strong>');
    expect(body).toMatch(/<ul><li><p>时间：9月20日 19:00<\/p><\/li><li><p>地点：大学生活动中心<strong>二楼剧场<\/strong><\/p><\/li><li><p>入场：凭学生证入场<\/p><\/li><\/ul>/);
    expect(body).toMatch(/<table><tbody><tr><th style="text-align:center"><p>节目<\/p><\/th><th style="text-align:center"><p>表演单位<\/p><\/th><\/tr><tr><td style="text-align:center"><p>开场舞<\/p><\/td><td><p>艺术学院<\/p><\/td><\/tr>/);
    expect(body).toContain('alt="报名二维码"');
    expect(external(requests)).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('Word: keeps headings, numbered and bulleted lists, the table and alignment; the file:/// picture is listed', async () => {
    const fx = await pasteFixture('word');
    const { page, context, problems, requests } = await openDesk('Word 通知');
    // Word also puts a picture of the whole selection on the clipboard; with text in the HTML, the HTML is pasted.
    await dispatch(page, 'paste', { html: fx.html, text: '关于开展2026年秋季学期教学检查的通知', files: [file('image.png', 'image/png', png)] });
    await page.locator('[data-testid="pending-image-item"]').first().waitFor();
    const items = await pendingItems(page);
    expect(items).toHaveLength(1);
    expect(items[0]).toContain('clip_image002.jpg');
    expect(items[0]).toContain('教学楼外景');
    expect(items[0]).toContain('本机文件');
    expect(await page.locator(`${EDITOR} img`).count()).toBe(0);
    expect(await page.locator(`${EDITOR} h1[style*="text-align: center"]`).innerText()).toBe('关于开展2026年秋季学期教学检查的通知');
    expect(await page.locator(`${EDITOR} ol > li`).allInnerTexts()).toEqual(['教师到岗及课堂教学秩序', '教学场地与设备准备情况', '教材发放情况']);
    expect(await page.locator(`${EDITOR} ul > li`).allInnerTexts()).toEqual(['各学院于9月15日前报送自查报告', '教务处将组织抽查']);
    await shoot(page, 'word');
    await page.click('form[aria-label="投稿"] button[type="submit"]');
    await expect(page.locator('form[aria-label="投稿"] > .error').innerText()).resolves.toContain('clip_image002.jpg');
    await resolvePending(page, await replacement());
    const d = await submit(page);
    const body = d.currentRevision.body as string;
    expect(expectOnlyStoredMedia(body)).toHaveLength(1);
    expect(body).toContain('<h1 style="text-align:center">关于开展2026年秋季学期教学检查的通知</h1>');
    expect(body).toContain('<h2>一、检查内容</h2>');
    expect(body).toContain('<strong>秋季学期期初教学检查</strong>');
    expect(body).toContain('<ol><li><p>教师到岗及课堂教学秩序</p></li><li><p>教学场地与设备准备情况</p></li><li><p>教材发放情况</p></li></ol>');
    expect(body).toContain('<ul><li><p>各学院于9月15日前报送自查报告</p></li><li><p>教务处将组织抽查</p></li></ul>');
    expect(body).toMatch(/<table><tbody><tr><td><p style="text-align:center"><strong>时间<\/strong><\/p><\/td>/);
    expect(body).toContain('<p style="text-align:right">教务处</p>');
    expect(body).toContain('alt="教学楼外景"');
    expect(body).not.toMatch(/mso-|Mso|o:p|v:shape|\[if|1\.\s/);
    // The editor writes the canonical shape: the server had nothing to remove.
    expect((d.findings as Array<{ ruleId: string }>).filter((f) => f.ruleId === 'document:removed')).toEqual([]);
    expect(external(requests)).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('Word: a single copied picture comes with its file, which is uploaded', async () => {
    const { page, context, problems } = await openDesk('Word 单张图片');
    const html = '<html xmlns:v="urn:schemas-microsoft-com:vml"><body><!--StartFragment--><p class=MsoNormal><span lang=EN-US><!--[if gte vml 1]><v:shape><v:imagedata src="file:///C:/Users/a/AppData/Local/Temp/msohtmlclip1/01/clip_image001.png"/></v:shape><![endif]--><![if !vml]><img width=160 height=120 src="file:///C:/Users/a/AppData/Local/Temp/msohtmlclip1/01/clip_image001.png" v:shapes="_x0000_i1025"><![endif]></span></p><!--EndFragment--></body></html>';
    await dispatch(page, 'paste', { html, files: [file('image.png', 'image/png', png)] });
    await uploaded(page, 1);
    expect(await pendingItems(page)).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });
});
