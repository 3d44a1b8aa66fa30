import { UNREADABLE, inlinePictures, pasteFixture, type PasteSource } from '../fixtures/paste';
import { uploadMedia } from '../helpers/media';
import { completeChecks } from '../helpers/draft-states';
import { createTestContext, type TestContext } from '../helpers/test-context';
import { canonicalise, readDoc } from '../../src/shared/document/canonicalise';

/**
 * Issue 9: the HTML 秀米, 135编辑器 and Word produce, submitted over the API as it is (not through the desk editor).
 * The server canonicaliser keeps the structure, reduces styles to the allow-list and reports what it dropped as an
 * info finding; pictures it cannot take (external, file:///, data:) refuse the submission naming each one and its
 * position — the server never fetches them.
 */
let ctx: TestContext;
let stored: { png: string; jpeg: string };
beforeAll(async () => {
  ctx = await createTestContext({ accounts: ['editor', 'r1'] });
  const { png, jpeg } = await inlinePictures();
  stored = { png: await uploadMedia(ctx.app, ctx.people.tokens.editor!, png, 'a.png'), jpeg: await uploadMedia(ctx.app, ctx.people.tokens.editor!, jpeg, 'b.jpg') };
});
afterAll(async () => {
  await ctx.close();
});

const SOURCES: PasteSource[] = ['xiumi', '135editor', 'word'];

/** 1-based line and column of the first occurrence of `needle` (what parse5 reports as a start tag's position). */
function lineCol(html: string, needle: string): { line: number; col: number } {
  const at = html.indexOf(needle);
  const before = html.slice(0, at);
  return { line: before.split('\n').length, col: at - before.lastIndexOf('\n') };
}

/** The fixture as it would be once every picture was uploaded again and referenced as media:<hash>. */
async function withStoredPictures(source: PasteSource): Promise<string> {
  const fx = await pasteFixture(source);
  return fx.html
    .replace(/data:image\/(png|jpeg);base64,[A-Za-z0-9+/=]+/g, (_, kind: string) => `media:${kind === 'png' ? stored.png : stored.jpeg}`)
    .replace(/data:image\/svg\+xml,[^"]*/g, `media:${stored.png}`)
    .replace(UNREADABLE, `media:${stored.jpeg}`);
}

const STYLE_VALUES = /style="([^"]*)"/g;

describe('pasted-tool HTML submitted over the API', () => {
  it.each(SOURCES)('%s as exported: refused, naming each unreadable picture and where it is; nothing stored', async (source) => {
    const fx = await pasteFixture(source);
    const before = await ctx.superuser<{ n: string }>('SELECT count(*) AS n FROM drafts');
    const res = await ctx.api('editor').post('/api/drafts', { platformId: ctx.people.platformId, title: `粘贴 ${source}`, body: fx.html, format: 'html' });
    expect([res.status, res.body.error?.code]).toEqual([400, 'validation_failed']);
    const refusals = res.body.error.details.refusals as Array<{ code: string; construct: string; line?: number; col?: number; message: string }>;
    expect(refusals.length).toBeGreaterThan(0);
    for (const r of refusals) {
      expect(r.code).toBe('external_media');
      expect(r.message).toContain('服务器不抓取任何外部地址');
      expect(typeof r.line).toBe('number');
    }
    // The first refusal points at the first <img>, by line and column in the submitted text.
    expect({ line: refusals[0]!.line, col: refusals[0]!.col }).toEqual(lineCol(fx.html, '<img'));
    expect(res.body.error.message).toContain(`第 ${refusals[0]!.line} 行`);
    expect(await ctx.superuser('SELECT count(*) AS n FROM drafts')).toEqual(before);
  });

  it.each(SOURCES)('%s with its pictures uploaded: structure kept, styles reduced to the allow-list, what was dropped reported', async (source) => {
    const html = await withStoredPictures(source);
    const res = await ctx.api('editor').post('/api/drafts', {
      platformId: ctx.people.platformId,
      title: `粘贴 ${source}`,
      body: html,
      format: 'html',
      assets: [{ media: stored.png, licence: 'own_work' }, { media: stored.jpeg, licence: 'own_work' }],
    });
    expect(res.status).toBe(201);
    await completeChecks(ctx, res.body.id);
    const d = (await ctx.api('r1').get(`/api/drafts/${res.body.id}`)).body;
    const body = d.currentRevision.body as string;

    // Only allow-listed styles, elements and attributes are left.
    for (const [, style] of body.matchAll(STYLE_VALUES)) for (const decl of style!.split(';')) expect(decl).toMatch(/^(text-align:(left|center|right|justify)|color:#[0-9a-f]{6}|font-size:\d+px)$/);
    expect(body).not.toMatch(/class=|data-|powered-by|mso-|<o:p|<v:|<!--|<section|<svg|<style|<meta|background|file:|https?:\/\/mmbiz/i);
    for (const [, tag] of body.matchAll(/<([a-z0-9]+)/g)) expect(['p', 'h1', 'h2', 'strong', 'em', 'span', 'div', 'ul', 'ol', 'li', 'table', 'tbody', 'tr', 'th', 'td', 'br', 'img']).toContain(tag);
    // The stored form is canonical: reading it again gives exactly it.
    expect(canonicalise(body, 'html').body).toBe(body);
    const text = readDoc(body, 'html').plain.text;

    // What was dropped is one info finding for the reviewer, naming the constructs (the notes are its evidence).
    const removed = (d.findings as Array<{ ruleId: string; severity: string; message: string; evidence: { notes: Array<{ code: string; construct: string }> } }>).filter((f) => f.ruleId === 'document:removed');
    expect(removed).toHaveLength(1);
    expect(removed[0]!.severity).toBe('info');
    expect(removed[0]!.message).toContain('已移除');
    const notes = removed[0]!.evidence.notes;
    const codes = new Set(notes.map((n) => n.code));
    expect(codes.has('attribute-dropped')).toBe(true);
    expect(codes.has('style-dropped')).toBe(true);

    if (source === 'xiumi') {
      expect(body).toContain('<p style="text-align:center"><strong><span style="color:#ab1942;font-size:20px">秋季开学典礼隆重举行</span></strong></p>');
      expect(body).toContain('<strong>立大志、明大德、成大才、担大任</strong>');
      expect(body).toContain('<p style="text-align:right"><span style="color:#888888;font-size:13px">（党委宣传部）</span></p>');
      expect(body).toContain(`<img src="media:${stored.png}" alt="校园一角">`);
      // The background picture and the SVG <image> are not kept as pictures; both are reported.
      expect(codes.has('style-url')).toBe(true);
      expect(notes.some((n) => n.construct === '<image>' || n.construct === '<svg>')).toBe(true);
      // display:none is removed as a hiding style, never kept.
      expect(notes.some((n) => n.code === 'hidden-style' && n.construct.startsWith('display:none'))).toBe(true);
    }
    if (source === '135editor') {
      expect(body).toContain('<h2 style="text-align:center">一、活动安排</h2>');
      expect(body).toMatch(/<ul><li><p>时间：9月20日 19:00<\/p><\/li><li><p>地点：大学生活动中心<span style="color:#d82821"><strong>二楼剧场<\/strong><\/span><\/p><\/li><li><p>入场：凭学生证入场<\/p><\/li><\/ul>/);
      expect(body).toMatch(/<table><tbody><tr><th style="text-align:center">节目<\/th><th style="text-align:center">表演单位<\/th><\/tr><tr><td style="text-align:center">开场舞<\/td><td>艺术学院<\/td><\/tr>/);
      expect(body).toContain(`alt="报名二维码"`);
      expect(codes.has('comment-dropped')).toBe(true);
      expect(notes.some((n) => n.code === 'hidden-style' && n.construct.startsWith('background-color'))).toBe(true);
    }
    if (source === 'word') {
      // Word wraps every run in a <span lang=…>: the attributes go, the (now plain) spans stay; no colour or size
      // survives from Word's fonts, so every span left is plain and can be read past.
      expect(body).not.toMatch(/<span [^>]*>/);
      const flat = body.replace(/<\/?span>/g, '');
      expect(flat).toContain('<h1 style="text-align:center">关于开展2026年秋季学期教学检查的通知</h1>');
      expect(flat).toContain('<h2>一、检查内容</h2>');
      expect(flat).toContain('<strong>秋季学期期初教学检查</strong>');
      expect(flat).toMatch(/<table><tbody><tr><td><p style="text-align:center"><strong>时间<\/strong><\/p><\/td><td><p style="text-align:center"><strong>安排<\/strong><\/p><\/td><\/tr>/);
      expect(flat).toContain('<p style="text-align:right">教务处</p>');
      expect(body).toContain('alt="教学楼外景"');
      // Conditional comments (the VML picture and the document settings inside them) are comments: dropped, reported.
      expect(codes.has('comment-dropped')).toBe(true);
      expect(notes.some((n) => n.construct === '<o:p>')).toBe(true);
      // Word's list paragraphs stay paragraphs over the API (the desk editor turns them back into lists); their
      // typed numbers stay visible text, so nothing a reader sees is lost.
      expect(text).toContain('1.');
      expect(text).toContain('教材发放情况');
      expect(text).not.toContain('WordDocument');
    }
  });
});
