/**
 * A reviewer sees what the checks found inside a picture: the poster is shown with a box around the words and the
 * QR code, on desktop and on a phone. Real Chromium, real API, real check worker (tesseract, zxing).
 */
import request from 'supertest';
import { renderPoster } from '../fixtures/media/posters';
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
  const upload = await request(h.ctx.app).post('/api/media').set('Authorization', `Bearer ${h.ctx.people.tokens.editor}`).attach('file', poster.bytes, 'poster.png');
  expect(upload.status).toBe(201);
  const hash = upload.body.hash as string;
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
