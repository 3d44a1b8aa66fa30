/**
 * A reviewer sees what the checks found inside a picture: the poster is shown with a box around the words and the
 * QR code, on desktop and on a phone. Real Chromium, real API, real check worker (tesseract, zxing).
 */
import { uploadMedia } from '../helpers/media';
import { makeVideo, renderPoster } from '../fixtures/media/posters';
import { waitForDraft } from '../helpers/test-context';
import { SCREENSHOTS, startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 60_000);
afterAll(async () => {
  await h?.close();
});

it('the review page draws a box on the picture for each finding inside it, at 1440 and 390 px', async () => {
  const poster = await renderPoster({
    width: 1080,
    height: 1920,
    lines: [
      { text: '期末兼职招聘', size: 72 },
      { text: '兼职招聘 加V信 abc12345 日结200元', size: 48 },
      { text: '扫码进群 领取资料 限时免费', size: 48 },
    ],
    qr: 'https://weixin.qq.com/g/AbCdEf123XYZ',
  });
  const hash = await uploadMedia(h.ctx.app, h.ctx.people.tokens.editor!, poster.bytes, 'poster.png');
  const res = await h.ctx.api('editor').post('/api/drafts', {
    platformId: h.ctx.people.platformId,
    title: '社团活动预告',
    body: `社团活动预告，欢迎同学们参加。\n\n![活动海报](media:${hash})`,
    format: 'markdown',
    assets: [{ kind: 'image', media: hash, licence: 'own_work' }],
  });
  expect(res.status).toBe(201);
  const draft = await waitForDraft(h.ctx, 'r1', res.body.id, (d) => d.status !== 'checking', 60_000);
  const inPicture = (draft.findings as Array<{ source: { field: string } }>).filter((f) => f.source.field === 'media');
  expect(inPicture.length).toBeGreaterThan(0);

  const opened = await h.open('r1', `/drafts/${res.body.id}`);
  const page = opened.page;
  const panel = page.locator('.media-panel');
  await panel.waitFor();
  const boxes = panel.locator(`[data-media="${hash}"] .media-box`);
  await boxes.first().waitFor();
  expect(await boxes.count()).toBe((draft.findings as Array<{ source: { field: string; box?: unknown } }>).filter((f) => f.source.field === 'media' && f.source.box).length);
  // The QR code's content is written next to its box.
  await page.getByText('https://weixin.qq.com/g/AbCdEf123XYZ').first().waitFor();
  // A box sits over the picture, where the words are: inside the image's rectangle.
  const img = await panel.locator('img').first().boundingBox();
  const box = await boxes.first().boundingBox();
  expect(img && box).toBeTruthy();
  expect(box!.x).toBeGreaterThanOrEqual(img!.x - 1);
  expect(box!.y).toBeGreaterThanOrEqual(img!.y - 1);
  expect(box!.x + box!.width).toBeLessThanOrEqual(img!.x + img!.width + 1);
  await boxes.first().click();
  await page.locator('.media-panel .finding-item.picked').first().waitFor();
  await h.shot(page, 'review-media-boxes-1440');
  await page.setViewportSize({ width: 390, height: 844 });
  await boxes.first().waitFor();
  const narrow = await panel.locator('img').first().boundingBox();
  expect(narrow!.width).toBeLessThanOrEqual(390);
  await h.shot(page, 'review-media-boxes-390');
  expect(opened.problems).toEqual([]);
  void SCREENSHOTS;
}, 120_000);

async function uploadAndSubmit(bytes: Buffer, name: string, kind: 'image' | 'video', title: string): Promise<{ id: string; hash: string }> {
  const hash = await uploadMedia(h.ctx.app, h.ctx.people.tokens.editor!, bytes, name);
  const tag = kind === 'image' ? `![照片](media:${hash})` : `<video src="media:${hash}"></video>`;
  const res = await h.ctx.api('editor').post('/api/drafts', {
    platformId: h.ctx.people.platformId,
    title,
    body: kind === 'image' ? `运动会剪影。\n\n${tag}` : `<p>校园宣传片。</p>${tag}`,
    format: kind === 'image' ? 'markdown' : 'html',
    assets: [{ kind, media: hash, licence: 'own_work' }],
  });
  expect(res.status).toBe(201);
  return { id: res.body.id as string, hash };
}

it('a reviewer removes a photo’s GPS metadata from the review page (confirmation first); the finding goes away', async () => {
  const photo = await renderPoster({
    width: 1000,
    height: 750,
    lines: [{ text: '运动会剪影', size: 56 }],
    format: 'jpeg',
    exif: { IFD0: { Artist: '张三' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '39/1 54/1 2700/100', GPSLongitudeRef: 'E', GPSLongitude: '116/1 23/1 3000/100' } },
  });
  const { id, hash } = await uploadAndSubmit(photo.bytes, 'photo.jpg', 'image', '运动会剪影');
  await waitForDraft(h.ctx, 'r1', id, (d) => d.status === 'in_review', 60_000);
  const opened = await h.open('r1', `/drafts/${id}`);
  const page = opened.page;
  const button = page.locator(`[data-media="${hash}"] .strip-metadata`);
  await button.waitFor();
  let asked = '';
  page.once('dialog', (dialog) => {
    asked = dialog.message();
    void dialog.accept();
  });
  await button.click();
  await page.getByText('已去除图片元数据').waitFor();
  expect(asked).toContain('去除这张图片的元数据');
  const after = await waitForDraft(
    h.ctx,
    'r1',
    id,
    (d) =>
      d.status === 'in_review' &&
      !(d.findings as Array<{ ruleId: string }>).some((f) => f.ruleId.startsWith('media:exif-')) &&
      (d.checkRuns as Array<{ status: string }>).every((r) => r.status === 'done'),
    60_000,
  );
  expect(after.stage).toBe('first');
  await page.reload();
  await page.locator('[data-testid="draft-body"]').waitFor();
  expect(await page.locator(`[data-media="${hash}"]`).count()).toBe(0);
  expect(opened.problems).toEqual([]);
}, 120_000);

it('a video’s keyframe strip shows its frames; a finding in a frame is marked and clicking a frame seeks the player', async () => {
  const clean = (await renderPoster({ width: 640, height: 360, lines: [{ text: '校园风光', size: 40 }] })).bytes;
  const planted = (await renderPoster({ width: 640, height: 360, lines: [{ text: '兼职招聘 加V信 abc12345 日结200元', size: 32 }] })).bytes;
  const video = makeVideo([clean, planted, clean], 5);
  const { id, hash } = await uploadAndSubmit(video, 'clip.mp4', 'video', '校园宣传片');
  const draft = await waitForDraft(h.ctx, 'r1', id, (d) => d.status !== 'checking', 90_000);
  expect((draft.findings as Array<{ source: { field: string; timeMs?: number } }>).some((f) => f.source.field === 'media' && f.source.timeMs === 5000)).toBe(true);
  const opened = await h.open('r1', `/drafts/${id}`);
  const page = opened.page;
  const frames = page.locator(`[data-media="${hash}"] .keyframe`);
  await frames.first().waitFor();
  expect(await frames.count()).toBeGreaterThanOrEqual(3);
  await page.locator(`[data-media="${hash}"] .keyframe.has-finding`).first().waitFor();
  // Every frame thumbnail actually loaded (the frame endpoint answers with a picture).
  for (let i = 0; ; i++) {
    const loaded = await page.evaluate(`Array.from(document.querySelectorAll('.keyframe img')).every((i) => i.complete && i.naturalWidth > 0)`);
    if (loaded) break;
    if (i > 100) throw new Error('keyframe thumbnails did not load');
    await page.waitForTimeout(100);
  }
  await frames.nth(1).click();
  const at = Number(await page.evaluate(`document.querySelector('[data-media="${hash}"] video').currentTime`));
  expect(at).toBeCloseTo(5, 0);
  // At 0:05 the frame's box is drawn over the player; back at 0:00 it is not.
  await page.locator(`[data-media="${hash}"] .media-box`).first().waitFor();
  await frames.nth(0).click();
  await page.locator(`[data-media="${hash}"] .media-box`).first().waitFor({ state: 'detached' });
  await frames.nth(1).click();
  await page.locator(`[data-media="${hash}"] .media-box`).first().waitFor();
  // A 校对标记 at this timecode.
  await page.locator(`[data-media="${hash}"] .media-note`).click();
  await page.locator(`[data-media="${hash}"] .media-note-form textarea`).fill('此画面含个人微信号，建议剪掉');
  await page.locator(`[data-media="${hash}"] .media-note-form button.primary`).click();
  await page.getByText('已在 0:05 处添加批注').waitFor();
  await page.getByText('[视频 0:05]').first().waitFor();
  const marks = await h.ctx.api('r1').get(`/api/drafts/${id}/marks`);
  expect(marks.body.items).toEqual([
    expect.objectContaining({ kind: 'comment', original: '[视频 0:05]', note: '此画面含个人微信号，建议剪掉', source: expect.objectContaining({ field: 'media', media: hash, timeMs: 5000 }) }),
  ]);
  await h.shot(page, 'review-video-keyframes-1440');
  await page.setViewportSize({ width: 390, height: 844 });
  await h.shot(page, 'review-video-keyframes-390');
  expect(opened.problems).toEqual([]);
}, 150_000);

it('图库: an admin adds a forbidden picture; a resized copy in a draft is blocked; the admin removes it again (with confirmation)', async () => {
  const original = (await renderPoster({ width: 1200, height: 800, lines: [{ text: '商业图库摄影作品', size: 80, color: '#234' }], qr: 'https://example.com/stock', qrSize: 300, format: 'jpeg' }))
    .bytes;
  const opened = await h.open('admin', '/admin/gallery');
  const page = opened.page;
  await page.getByText('图库为空').waitFor();
  await h.shot(page, 'admin-gallery-empty-1440');
  await page.locator('[data-testid="gallery-file"]').setInputFiles({ name: 'stock.jpg', mimeType: 'image/jpeg', buffer: original });
  await page.locator('[data-testid="gallery-list"]').selectOption('forbidden');
  await page.getByPlaceholder('如：某某图片社').fill('某商业图库');
  await page.getByRole('button', { name: '加入', exact: true }).click();
  await page.getByText('已加入禁用图库').waitFor();
  await page.locator('[data-testid="gallery-table"] tbody tr').first().waitFor();
  await page.locator('.gallery-thumb').first().waitFor();
  await h.shot(page, 'admin-gallery-1440');
  await page.setViewportSize({ width: 390, height: 844 });
  await h.shot(page, 'admin-gallery-390');
  await page.setViewportSize({ width: 1440, height: 900 });

  const sharp = (await import('sharp')).default;
  const copy = await sharp(original).resize(800).jpeg({ quality: 75 }).toBuffer();
  const { id } = await uploadAndSubmit(copy, 'copy.jpg', 'image', '摄影作品欣赏');
  const draft = await waitForDraft(h.ctx, 'r1', id, (d) => d.status !== 'checking', 60_000);
  expect((draft.findings as Array<{ ruleId: string; severity: string }>).find((f) => f.ruleId === 'media:gallery-forbidden')).toMatchObject({ severity: 'block' });
  expect(draft.status).toBe('returned');

  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByRole('button', { name: '移出' }).first().click();
  await page.getByText('已移出图库').waitFor();
  await page.getByText('图库为空').waitFor();
  expect(opened.problems).toEqual([]);
}, 120_000);
