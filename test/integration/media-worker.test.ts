/**
 * Issue 13's "done when" through the real API and the real check worker: posters uploaded as media and referenced
 * from a draft produce their findings with a box on the picture; a hostile stored file gives a visible finding and the
 * worker goes on serving other drafts; an unchanged picture in a new revision is not read again.
 */
import request from 'supertest';
import sharp from 'sharp';
import { readMetadata } from '../../src/media/metadata';
import { createHash } from 'node:crypto';
import type { MediaSourceSpan } from '../../src/domain/findings';
import { mediaStore } from '../../src/services/media.service';
import { renderPoster, truncated } from '../fixtures/media/posters';
import { createUser } from '../../src/services/admin.service';
import { uploadMedia } from '../helpers/media';
import { createTestContext, draftBody, PASSWORD, waitForDraft, type TestContext } from '../helpers/test-context';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ worker: true });
});
afterAll(async () => {
  await ctx?.close();
});

const upload = (bytes: Buffer, name: string) => uploadMedia(ctx.app, ctx.people.tokens.editor!, bytes, name);

async function submitWithImages(hashes: string[], over: Record<string, unknown> = {}) {
  const body = ['社团活动预告，欢迎同学们参加。', ...hashes.map((h, i) => `![海报${i + 1}](media:${h})`)].join('\n\n');
  const res = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { title: '社团活动预告', body, assets: hashes.map((media) => ({ kind: 'image', media, licence: 'own_work' })), ...over }));
  expect(res.status).toBe(201);
  return res.body as { id: string };
}

type F = { check: string; severity: string; ruleId: string; matched: string; source: MediaSourceSpan; evidence?: Record<string, unknown> };
const mediaFindings = (draft: Record<string, any>): F[] => (draft.findings as F[]).filter((f) => f.source.field === 'media');

it('a poster with 加V信, a phone number, 扫码进群, 机密★ and a WeChat-group QR code: each gives its finding, boxed on the picture', async () => {
  const poster = await renderPoster({
    width: 1080,
    height: 1920,
    lines: [
      { text: '期末兼职招聘', size: 72 },
      { text: '兼职招聘 加V信 abc12345 日结200元', size: 48 },
      { text: '兼职日结 手机13800138000 私聊', size: 48 },
      { text: '扫码进群 领取资料 限时免费', size: 48 },
      { text: '机密★1年 内部资料', size: 48 },
    ],
    qr: 'https://weixin.qq.com/g/AbCdEf123XYZ',
  });
  const hash = await upload(poster.bytes, 'poster.png');
  const { id } = await submitWithImages([hash]);
  const done = await waitForDraft(ctx, 'r1', id, (d) => d.status !== 'checking', 60_000);
  const found = mediaFindings(done);
  const where = (needle: string) => found.find((f) => f.severity !== 'info' && f.matched.includes(needle));
  for (const [needle, line] of [
    ['abc12345', 1],
    ['13800138000', 2],
    ['扫码', 3],
    ['机密', 4],
  ] as const) {
    const hit = where(needle);
    expect(hit).toBeDefined();
    expect(hit!.source).toMatchObject({ field: 'media', media: hash, via: 'ocr' });
    const box = hit!.source.box!;
    const drawn = poster.boxes[line]!;
    expect(box.y < drawn.y + drawn.height && drawn.y < box.y + box.height).toBe(true);
    expect(hit!.evidence).toMatchObject({ via: 'ocr' });
  }
  const qr = found.find((f) => f.ruleId === 'media:qr-wechat');
  expect(qr).toMatchObject({ check: 'advertising', severity: 'review', matched: 'https://weixin.qq.com/g/AbCdEf123XYZ' });
  expect(qr!.source.box).toBeDefined();
  // 机密★ is a blocking marking: the draft goes back to its editor.
  expect(done.status).toBe('returned');
});

it('a hostile stored file gives a visible blocking finding and the worker goes on with other drafts; an unchanged picture is not read again', async () => {
  // A truncated JPEG that reached the store (e.g. before today's upload limits): the analysers must not choke on it.
  const good = (await renderPoster({ width: 800, height: 600, lines: [{ text: '学术报告会', size: 60 }], format: 'jpeg' })).bytes;
  const broken = truncated(good, 0.4);
  const hash = createHash('sha256').update(broken).digest('hex');
  const dir = mkdtempSync(join(tmpdir(), 'sanshen-broken-'));
  writeFileSync(join(dir, 'f'), broken);
  await mediaStore(ctx.runtime.deps).put(hash, join(dir, 'f'));
  await ctx.superuser(`INSERT INTO media (hash, kind, mime, bytes, width, height, created_by) VALUES ($1, 'image', 'image/jpeg', $2, 800, 600, $3)`, [hash, broken.length, ctx.people.ids.editor]);
  await ctx.superuser(`INSERT INTO media_uploads (hash, user_id) VALUES ($1, $2)`, [hash, ctx.people.ids.editor]);

  const hostile = await submitWithImages([hash]);
  const cleanHash = await upload(good, 'report.jpg');
  const clean = await submitWithImages([cleanHash]);
  const [h, c] = await Promise.all([waitForDraft(ctx, 'r1', hostile.id, (d) => d.status !== 'checking', 60_000), waitForDraft(ctx, 'r1', clean.id, (d) => d.status !== 'checking', 60_000)]);
  expect(mediaFindings(h).find((f) => f.ruleId === 'media:decode_failed')).toMatchObject({ severity: 'block', check: 'sensitive' });
  expect(c.status).toBe('in_review');
  expect(mediaFindings(c).filter((f) => f.severity !== 'info')).toEqual([]);

  const before = await ctx.superuser<{ created_at: Date }>('SELECT created_at FROM media_analyses WHERE media = $1', [cleanHash]);
  expect(before).toHaveLength(1);
  const again = await submitWithImages([cleanHash], { title: '学术报告会（二）' });
  await waitForDraft(ctx, 'r1', again.id, (d) => d.status !== 'checking', 60_000);
  const after = await ctx.superuser<{ created_at: Date }>('SELECT created_at FROM media_analyses WHERE media = $1', [cleanHash]);
  expect(after[0]!.created_at).toEqual(before[0]!.created_at);
});

it('去除元数据: a photo with GPS gives a personal-data finding; stripping it makes a new revision whose picture has the same pixels and no metadata', async () => {
  const photo = await renderPoster({
    width: 1000,
    height: 750,
    lines: [{ text: '运动会剪影', size: 56 }],
    format: 'jpeg',
    exif: { IFD0: { Artist: '张三', Make: 'Canon', Model: 'EOS R6' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '39/1 54/1 2700/100', GPSLongitudeRef: 'E', GPSLongitude: '116/1 23/1 3000/100' } },
  });
  const hash = await upload(photo.bytes, 'photo.jpg');
  const { id } = await submitWithImages([hash]);
  const first = await waitForDraft(ctx, 'r1', id, (d) => d.status === 'in_review', 60_000);
  expect(mediaFindings(first).map((f) => f.ruleId)).toEqual(expect.arrayContaining(['media:exif-gps', 'media:exif-author']));

  // The 初审 reviewer strips it as a proofreading edit: the draft stays at 初审.
  const res = await ctx.api('r1').post(`/api/drafts/${id}/media/${hash}/strip-metadata`, { version: first.version, stage: 'first' });
  expect(res.status).toBe(201);
  expect(res.body.media.from).toBe(hash);
  const stripped = res.body.media.to as string;
  expect(stripped).not.toBe(hash);
  const after = await waitForDraft(
    ctx,
    'r1',
    id,
    (d) => d.status === 'in_review' && d.version > res.body.version - 1 && (d.checkRuns as Array<{ status: string }>).every((r) => r.status === 'done'),
    60_000,
  );
  expect(after.stage).toBe('first');
  expect(after.currentRevision.body).toContain(`media:${stripped}`);
  expect(after.currentRevision.body).not.toContain(`media:${hash}`);
  expect(mediaFindings(after).filter((f) => f.source.media === stripped && f.check === 'secrecy')).toEqual([]);

  const served = await request(ctx.app)
    .get(`/api/media/${stripped}`)
    .set('Authorization', `Bearer ${ctx.people.tokens.r1}`)
    .buffer(true)
    .parse((r, done) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => done(null, Buffer.concat(chunks)));
    });
  expect(served.status).toBe(200);
  expect(await readMetadata(served.body as Buffer)).toEqual({ present: false });
  expect(
    (
      await sharp(served.body as Buffer)
        .raw()
        .toBuffer()
    ).equals(await sharp(photo.bytes).raw().toBuffer()),
  ).toBe(true);

  // Nothing left to strip: a clear error, nothing changes.
  const again = await ctx.api('r1').post(`/api/drafts/${id}/media/${stripped}/strip-metadata`, { version: after.version, stage: 'first' });
  expect(again.status).toBe(400);
  expect(again.body.error.code).toBe('validation_failed');
  // Someone from another unit cannot touch it.
  const foreign = await ctx.api('foreign').post(`/api/drafts/${id}/media/${stripped}/strip-metadata`, { version: after.version });
  expect(foreign.status).toBe(403);
});

it('校对标记 on a picture or at a video timecode: comments only, on media of the current revision, by the stage’s reviewer', async () => {
  const picture = (await renderPoster({ width: 600, height: 400, lines: [{ text: '讲座海报', size: 48 }] })).bytes;
  const hash = await upload(picture, 'talk.png');
  const { id } = await submitWithImages([hash]);
  const draft = await waitForDraft(ctx, 'r1', id, (d) => d.status === 'in_review', 60_000);
  const revisionId = draft.currentRevision.id as string;
  const ok = await ctx.api('r1').post(`/api/drafts/${id}/marks`, { revisionId, source: { field: 'media', media: hash, box: { x: 10, y: 10, width: 100, height: 40 } }, note: '海报日期与正文不一致' });
  expect(ok.status).toBe(201);
  expect(ok.body).toMatchObject({ kind: 'comment', original: '[图片]', source: { field: 'media', media: hash, box: { x: 10, y: 10, width: 100, height: 40 } } });
  const refused = [
    [{ revisionId, source: { field: 'media', media: hash }, replacement: '改字', kind: 'correction' }, 400],
    [{ revisionId, source: { field: 'media', media: 'b'.repeat(64) }, note: '不存在的图' }, 400],
    [{ revisionId, source: { field: 'media', media: hash }, note: '' }, 400],
  ] as const;
  for (const [body, status] of refused) {
    const res = await ctx.api('r1').post(`/api/drafts/${id}/marks`, body);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe('validation_failed');
  }
  // Only the current stage's reviewer marks; the author does not.
  const author = await ctx.api('editor').post(`/api/drafts/${id}/marks`, { revisionId, source: { field: 'media', media: hash }, note: '作者自己批注' });
  expect(author.status).toBe(403);
  const trail = await ctx.api('auditor').get(`/api/drafts/${id}/trail`);
  expect(trail.body.events.filter((e: { type: string }) => e.type === 'mark.created')).toHaveLength(1);
});

it('a picture declared own work that another unit released before is a copyright finding naming the earlier draft', async () => {
  const photo = (
    await renderPoster({ width: 1200, height: 800, lines: [{ text: '外院运动会摄影作品', size: 72, color: '#123' }], qr: 'https://www.example.edu.cn/photo', qrSize: 240, format: 'jpeg' })
  ).bytes;
  const up = await request(ctx.app).post('/api/media').set('Authorization', `Bearer ${ctx.people.tokens.foreign}`).attach('file', photo, 'photo.jpg');
  expect(up.status).toBe(201);
  const submitted = await ctx.api('foreign').post(
    '/api/drafts',
    draftBody(ctx, {
      platformId: ctx.people.otherPlatformId,
      title: '外院运动会',
      body: `运动会。\n\n![照片](media:${up.body.hash})`,
      assets: [{ kind: 'image', media: up.body.hash, licence: 'own_work' }],
    }),
  );
  expect(submitted.status).toBe(201);
  // The other unit's own three reviewers carry it to release.
  const tokens: string[] = [];
  for (const [i, role] of (['reviewer1', 'reviewer2', 'reviewer3'] as const).entries()) {
    const username = `other${i + 1}`;
    await createUser(ctx.runtime.deps.db, null, {
      username,
      displayName: `外院审核${i + 1}`,
      staffId: `S-other${i + 1}`,
      unitId: ctx.people.otherUnitId,
      isStaff: true,
      roles: [role],
      password: PASSWORD,
    });
    const res = await request(ctx.app).post('/api/auth/login').send({ username, password: PASSWORD });
    tokens.push(res.body.token as string);
  }
  const as = (token: string) => ({
    get: (path: string) => request(ctx.app).get(path).set('Authorization', `Bearer ${token}`),
    post: (path: string, body: object) => request(ctx.app).post(path).set('Authorization', `Bearer ${token}`).send(body),
  });
  await waitForDraft(ctx, 'prop', submitted.body.id, (d) => d.status === 'in_review', 60_000);
  for (const [i, stage] of (['first', 'second', 'final'] as const).entries()) {
    const d = await as(tokens[i]!).get(`/api/drafts/${submitted.body.id}`);
    const res = await as(tokens[i]!).post(`/api/drafts/${submitted.body.id}/decisions`, { stage, action: 'approve', comment: '同意', version: d.body.version });
    expect(res.status).toBe(200);
  }
  const approved = await ctx.api('foreign').get(`/api/drafts/${submitted.body.id}`);
  const release = await ctx.api('foreign').post(`/api/drafts/${submitted.body.id}/release`, { version: approved.body.version });
  expect(release.status).toBe(200);

  // Our editor re-uses a resized copy and declares it their own work.
  const copy = await sharp(photo).resize(900).jpeg({ quality: 70 }).toBuffer();
  const hash = await upload(copy, 'mine.jpg');
  const { id } = await submitWithImages([hash]);
  const done = await waitForDraft(ctx, 'r1', id, (d) => d.status !== 'checking', 60_000);
  const reuse = mediaFindings(done).find((f) => f.ruleId === 'media:reuse-own-work');
  expect(reuse).toMatchObject({ check: 'copyright', severity: 'review' });
  expect((reuse as unknown as { message: string }).message).toContain(approved.body.number);
});
