import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import request from 'supertest';
import { completeChecks, currentRevision, decide } from '../helpers/draft-states';
import { createTestContext, draftBody, type TestContext } from '../helpers/test-context';

/**
 * Issue 9: media as content and the canonical form as the one truth — upload limits, who may read a file,
 * references bound into the content hash, preview = release bytes, and an image swapped after 终审.
 */
let ctx: TestContext;
let mediaRoot: string;

const png = (w: number, h: number, rgb = { r: 200, g: 30, b: 30 }) =>
  sharp({ create: { width: w, height: h, channels: 3, background: rgb } })
    .png()
    .toBuffer();
const upload = (user: string, data: Buffer, filename: string, field = 'file') =>
  request(ctx.app).post('/api/media').set('Authorization', `Bearer ${ctx.people.tokens[user]}`).attach(field, data, filename);
const get = (user: string, path: string) => request(ctx.app).get(path).set('Authorization', `Bearer ${ctx.people.tokens[user]}`).buffer(true);
const mediaCount = async () => Number((await ctx.superuser<{ n: string }>('SELECT count(*) AS n FROM media'))[0]!.n);
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  // The deployment default: media on disk under DATA_DIR/media (a scratch DATA_DIR for this file).
  const dataDir = mkdtempSync(join(tmpdir(), 'sanshen-data-'));
  process.env.DATA_DIR = dataDir;
  mediaRoot = join(dataDir, 'media');
  ctx = await createTestContext({ accounts: ['editor', 'editor2', 'r1', 'r2', 'r3', 'foreign', 'auditor'] });
});
afterAll(async () => {
  await ctx.close();
  rmSync(join(mediaRoot, '..'), { recursive: true, force: true });
});

describe('POST /api/media', () => {
  it('stores an image content-addressed and answers with its sniffed type and size; the same bytes again are one file', async () => {
    const data = await png(320, 200);
    const res = await upload('editor', data, 'poster.png');
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ hash: sha(data), kind: 'image', mime: 'image/png', bytes: data.length, width: 320, height: 200 });
    const again = await upload('editor2', data, 'copy.png');
    expect([again.status, again.body.hash]).toEqual([200, sha(data)]);
  });

  it('refuses bad files with a clear status and code, and stores nothing', async () => {
    const good = await png(64, 64);
    const jpeg = await sharp(good).jpeg().toBuffer();
    const bomb = await sharp({ create: { width: 9000, height: 9000, channels: 3, background: '#fff' } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    const cases: Array<[string, Buffer, string, number, string]> = [
      ['svg', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 'a.svg', 415, 'svg_refused'],
      ['svg named png', Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'), 'a.png', 415, 'svg_refused'],
      ['wrong extension', jpeg, 'photo.png', 415, 'media_extension_mismatch'],
      ['truncated', good.subarray(0, Math.floor(good.length / 2)), 'half.png', 415, 'media_polyglot'],
      ['polyglot html', Buffer.concat([good, Buffer.from('<html><script>alert(1)</script></html>')]), 'p.png', 415, 'media_polyglot'],
      ['polyglot zip', Buffer.concat([jpeg.subarray(0, jpeg.length - 2), Buffer.from('PK\x03\x04<script>'), jpeg.subarray(jpeg.length - 2)]), 'p.jpg', 415, 'media_polyglot'],
      ['html as image', Buffer.from('<html><body>hi</body></html>'), 'x.jpg', 415, 'media_unsupported'],
      ['executable', Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff'), 'x.exe', 415, 'media_unsupported'],
      ['pixel bomb', bomb, 'bomb.png', 413, 'media_too_many_pixels'],
      ['empty', Buffer.alloc(0), 'e.png', 400, 'media_empty'],
    ];
    const before = await mediaCount();
    for (const [name, data, filename, status, code] of cases) {
      const res = await upload('editor', data, filename);
      expect([name, res.status, res.body.error?.code]).toEqual([name, status, code]);
    }
    const wrongField = await upload('editor', good, 'a.png', 'image');
    expect([wrongField.status, wrongField.body.error.code]).toEqual([400, 'media_missing']);
    const notMultipart = await ctx.api('editor').post('/api/media', { file: 'x' });
    expect([notMultipart.status, notMultipart.body.error.code]).toEqual([415, 'media_unsupported']);
    expect(await mediaCount()).toBe(before);
    expect(
      readdirSync(mediaRoot)
        .filter((d) => d !== 'thumbnails')
        .flatMap((d) => readdirSync(join(mediaRoot, d))),
    ).not.toContain(sha(jpeg));
  });

  it('a truncated JPEG (missing end of image) is refused', async () => {
    const jpeg = await sharp(await png(300, 300))
      .jpeg()
      .toBuffer();
    const res = await upload('editor', jpeg.subarray(0, jpeg.length - 400), 'cut.jpg');
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(['media_polyglot', 'media_truncated']).toContain(res.body.error.code);
  });

  it('audio and video are probed (duration, size) and can be referenced with <audio>/<video>', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sanshen-av-'));
    try {
      execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', join(dir, 'a.wav')]);
      execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'color=c=blue:s=160x120:d=1', '-pix_fmt', 'yuv420p', join(dir, 'v.mp4')]);
      const audio = await upload('editor', readFileSync(join(dir, 'a.wav')), 'a.wav');
      expect(audio.status).toBe(201);
      expect(audio.body).toMatchObject({ kind: 'audio' });
      expect(Math.abs(audio.body.durationMs - 1000)).toBeLessThan(100);
      const video = await upload('editor', readFileSync(join(dir, 'v.mp4')), 'v.mp4');
      expect(video.status).toBe(201);
      expect(video.body).toMatchObject({ kind: 'video', mime: 'video/mp4', width: 160, height: 120 });
      const cut = readFileSync(join(dir, 'v.mp4')).subarray(0, 200);
      expect((await upload('editor', cut, 'cut.mp4')).body.error.code).toBe('media_corrupt');
      const res = await ctx
        .api('editor')
        .post('/api/drafts', draftBody(ctx, { body: `<p>录音</p><audio src="media:${audio.body.hash}"></audio><video><source src="media:${video.body.hash}"></video>`, format: 'html' }));
      expect(res.status).toBe(201);
      const d = (await ctx.api('editor').get(`/api/drafts/${res.body.id}`)).body;
      expect(d.currentRevision.body).toBe(`<p>录音</p>\n<audio src="media:${audio.body.hash}" controls></audio>\n<video src="media:${video.body.hash}" controls></video>\n`);
      const preview = await get('editor', `/api/drafts/${res.body.id}/preview`);
      expect(preview.text).toContain(`<audio src="/api/media/${audio.body.hash}" controls></audio>`);
      const served = await get('editor', `/api/media/${video.body.hash}`);
      expect(served.headers['content-type']).toBe('video/mp4');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('only editors upload', async () => {
    const res = await upload('r1', await png(8, 8), 'a.png');
    expect([res.status, res.body.error.code]).toEqual([403, 'forbidden']);
  });
});

describe('media in drafts', () => {
  let image: Buffer;
  let hash: string;
  beforeAll(async () => {
    image = await png(400, 300, { r: 20, g: 90, b: 200 });
    hash = (await upload('editor', image, 'campus.png')).body.hash;
  });

  it('serves a file to its uploader with the sniffed type and nosniff, a thumbnail, and to nobody unrelated', async () => {
    const own = await get('editor', `/api/media/${hash}`);
    expect(own.status).toBe(200);
    expect(own.headers['content-type']).toBe('image/png');
    expect(own.headers['x-content-type-options']).toBe('nosniff');
    expect(sha(own.body as Buffer)).toBe(hash);
    const thumb = await get('editor', `/api/media/${hash}/thumbnail`);
    expect([thumb.status, thumb.headers['content-type']]).toEqual([200, 'image/webp']);
    for (const user of ['r1', 'foreign', 'editor2']) expect([user, (await get(user, `/api/media/${hash}`)).status]).toEqual([user, 404]);
    expect((await get('editor', `/api/media/${'0'.repeat(64)}`)).status).toBe(404);
  });

  it('refuses external and inline images and unknown media at submission, naming the construct and its position', async () => {
    const cases: Array<[string, string, string]> = [
      ['<p>正文</p>\n<p><img src="https://img.example.com/a.png"></p>', 'html', 'external_media'],
      ['<img src="data:image/png;base64,iVBORw0KGgo=">', 'html', 'external_media'],
      ['![x](//cdn.example.com/a.png)', 'markdown', 'external_media'],
      ['<video src="http://x.example.com/a.mp4"></video>', 'html', 'external_media'],
    ];
    for (const [body, format, code] of cases) {
      const res = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { body, format }));
      expect([body, res.status, res.body.error?.code, res.body.error?.details?.refusals?.[0]?.code]).toEqual([body, 400, 'validation_failed', code]);
    }
    const first = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { body: cases[0]![0], format: 'html' }));
    expect(first.body.error.details.refusals[0]).toMatchObject({ construct: '<img src>', line: 2, col: 4 });
    const unknown = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { body: `<img src="media:${'1'.repeat(64)}">`, format: 'html' }));
    expect([unknown.status, unknown.body.error.details.code]).toEqual([400, 'media_not_found']);
    const asVideo = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { body: `<video src="media:${hash}"></video>`, format: 'html' }));
    expect([asVideo.status, asVideo.body.error.details.code]).toEqual([400, 'media_kind_mismatch']);
  });

  it('an undeclared referenced file is a copyright finding; a declared one is not; readers of the draft may see the file', async () => {
    const res = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { body: `校园一角。\n\n![东区体育场](media:${hash})`, format: 'markdown' }));
    expect(res.status).toBe(201);
    await completeChecks(ctx, res.body.id);
    const d = (await ctx.api('r1').get(`/api/drafts/${res.body.id}`)).body;
    const undeclared = d.findings.filter((f: { ruleId: string }) => f.ruleId === 'copyright:media-undeclared');
    expect(undeclared).toHaveLength(1);
    expect(d.currentRevision.body.slice(undeclared[0].source.start, undeclared[0].source.end)).toBe(`media:${hash}`);
    expect((await get('r1', `/api/media/${hash}`)).status).toBe(200);
    expect((await get('foreign', `/api/media/${hash}`)).status).toBe(404);

    const ok = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { body: `![东区体育场](media:${hash})`, format: 'markdown', assets: [{ media: hash, licence: 'own_work' }] }));
    expect(ok.status).toBe(201);
    await completeChecks(ctx, ok.body.id);
    const d2 = (await ctx.api('r1').get(`/api/drafts/${ok.body.id}`)).body;
    expect(d2.findings.filter((f: { category: string }) => f.category === 'copyright.asset')).toEqual([]);
  });

  it('what the canonicaliser removed is an info finding; preview shows only the canonical form, under a strict CSP', async () => {
    const body = '<p>欢迎<script>alert(1)</script>新同学<span style="display:none">隐藏</span></p><!-- 备注 --><iframe srcdoc="x"></iframe>';
    const res = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { body, format: 'html' }));
    expect(res.status).toBe(201);
    await completeChecks(ctx, res.body.id);
    const d = (await ctx.api('r1').get(`/api/drafts/${res.body.id}`)).body;
    expect(d.currentRevision.body).toBe('<p>欢迎新同学<span>隐藏</span></p>\n');
    const info = d.findings.find((f: { ruleId: string }) => f.ruleId === 'document:removed');
    expect(info).toMatchObject({ severity: 'info' });
    for (const what of ['<script>', 'display:none', 'HTML 注释', '<iframe>']) expect(info.message).toContain(what);
    const preview = await get('r1', `/api/drafts/${res.body.id}/preview`);
    expect(preview.status).toBe(200);
    expect(preview.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(preview.headers['content-security-policy']).toContain("default-src 'none'");
    expect(preview.headers['content-security-policy']).not.toContain('script-src');
    const html = preview.text;
    expect(html).toContain('<p>欢迎新同学<span>隐藏</span></p>');
    expect(html).not.toMatch(/<script|<iframe|<!--|display:none/);
    expect((await get('foreign', `/api/drafts/${res.body.id}/preview`)).status).toBe(403);
  });

  it('release hands out the preview bytes with their SHA-256 and the media manifest; an image swapped after 终审 restarts review and the old hash cannot be released', async () => {
    const res = await ctx
      .api('editor')
      .post('/api/drafts', draftBody(ctx, { body: `<p>开幕式现场</p><p><img src="media:${hash}" alt="开幕式"></p>`, format: 'html', assets: [{ media: hash, licence: 'own_work' }] }));
    expect(res.status).toBe(201);
    const id = res.body.id as string;
    const approve = async () => {
      await completeChecks(ctx, id);
      await decide(ctx, 'r1', id, 'first');
      await decide(ctx, 'r2', id, 'second');
      await decide(ctx, 'r3', id, 'final');
    };
    await approve();
    const approved = (await ctx.api('r3').get(`/api/drafts/${id}`)).body;
    expect(approved.status).toBe('approved');
    const approvedHash = approved.currentRevision.hash as string;
    const preview = await get('r3', `/api/drafts/${id}/preview`);
    expect(preview.text).toContain(`src="/api/media/${hash}"`);

    // The editor swaps the picture for other bytes after 终审: a new revision, a new hash, review starts again.
    const other = await png(400, 300, { r: 250, g: 250, b: 20 });
    const otherHash = (await upload('editor', other, 'campus-v2.png')).body.hash as string;
    const { version } = await currentRevision(ctx, id);
    const revised = await ctx.api('editor').post(`/api/drafts/${id}/revisions`, {
      version,
      title: approved.currentRevision.title,
      body: `<p>开幕式现场</p><p><img src="media:${otherHash}" alt="开幕式"></p>`,
      format: 'html',
      assets: [{ media: otherHash, licence: 'own_work' }],
    });
    expect(revised.status).toBe(201);
    expect(revised.body.revision.hash).not.toBe(approvedHash);
    expect(revised.body.status).toBe('checking');
    const refused = await ctx.api('editor').post(`/api/drafts/${id}/release`, { contentHash: approvedHash });
    expect([refused.status, refused.body.error.code]).toEqual([409, 'release_blocked']);

    await approve();
    const now = await currentRevision(ctx, id);
    const stale = await ctx.api('editor').post(`/api/drafts/${id}/release`, { version: now.version, contentHash: approvedHash });
    expect([stale.status, stale.body.error.code, stale.body.error.details.unmet[0].code]).toEqual([409, 'release_blocked', 'hash_mismatch']);

    // Tampering with the stored bytes of an approved file blocks release too.
    const file = join(mediaRoot, otherHash.slice(0, 2), otherHash);
    const original = other;
    writeFileSync(file, image);
    const tampered = await ctx.api('editor').post(`/api/drafts/${id}/release`, { version: now.version });
    expect([tampered.status, tampered.body.error.details.unmet[0].code]).toEqual([409, 'media_integrity']);
    writeFileSync(file, original);

    const finalPreview = await get('r3', `/api/drafts/${id}/preview`);
    const released = await ctx.api('editor').post(`/api/drafts/${id}/release`, { version: now.version, contentHash: finalPreview.headers['x-content-hash'] });
    expect(released.status).toBe(200);
    expect(released.body).toMatchObject({ status: 'released', media: [{ hash: otherHash, kind: 'image', mime: 'image/png' }] });
    expect(released.body.releasedHash).toBe(finalPreview.headers['x-content-hash']);
    expect(released.body.renditionSha256).toBe(sha(finalPreview.text));
    const out = await get('auditor', `/api/drafts/${id}/released`);
    expect(out.status).toBe(200);
    expect(out.text).toBe(finalPreview.text);
    expect(out.headers['x-rendition-sha256']).toBe(released.body.renditionSha256);
  });
});
