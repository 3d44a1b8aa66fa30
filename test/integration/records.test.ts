import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import sharp from 'sharp';
import { uploadMedia } from '../helpers/media';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/full';
import { createApp } from '../../src/http/app';
import type { AuthUser } from '../../src/domain/access';
import { annualReport } from '../../src/services/annual-report.service';
import { RECORDS_DEFAULTS } from '../../src/services/deps';
import { backdateRelease, rewriteChain } from '../helpers/backdate';
import { completeChecks, currentRevision, decide } from '../helpers/draft-states';
import { createTestContext, draftBody, PASSWORD, type TestContext } from '../helpers/test-context';

let ctx: TestContext;
let work: string;
const A_RELEASES = [
  '2025-01-15T02:00:00Z',
  '2025-02-10T02:00:00Z',
  // 00:30 on 1 March in Shanghai, still February in UTC: counted in March.
  '2025-02-28T16:30:00Z',
  '2025-04-08T02:00:00Z',
  '2025-05-08T02:00:00Z',
  '2025-06-09T02:00:00Z',
  '2025-07-08T02:00:00Z',
  '2025-08-08T02:00:00Z',
  '2025-09-08T02:00:00Z',
  '2025-10-08T02:00:00Z',
];
const WAIVER_INDEX = 3;
const WAIVER_REASON = '经核实为禁毒禁赌警示教育内容，予以豁免';
let zombieId: string;
let unitName: string;
const drafts: string[] = [];

async function released(platformId: string, over: Record<string, unknown> = {}, waive = false): Promise<string> {
  const body = waive ? { body: '周末校外棋牌室组织赌博活动，每晚八点开始，欢迎参加。' } : {};
  const res = await ctx.api('editor').post('/api/drafts', draftBody(ctx, { platformId, ...body, ...over }));
  if (res.status !== 201) throw new Error(`submit ${res.status} ${JSON.stringify(res.body)}`);
  const id = res.body.id as string;
  await completeChecks(ctx, id);
  if (waive) {
    const { version, status } = await currentRevision(ctx, id);
    expect(status).toBe('returned');
    expect((await ctx.api('editor').post(`/api/drafts/${id}/resubmit`, { statement: '警示教育稿件', version })).status).toBe(200);
    const detail = await ctx.api('r1').get(`/api/drafts/${id}`);
    const finding = detail.body.findings.find((f: any) => f.severity === 'block');
    // A gambling term is a block finding only 宣传部 may waive (config/waivers.ts).
    const waived = await ctx.api('prop').post(`/api/drafts/${id}/findings/${finding.id}/waive`, { reason: WAIVER_REASON });
    expect(waived.status).toBe(200);
  }
  await decide(ctx, 'r1', id, 'first');
  await decide(ctx, 'r2', id, 'second');
  await decide(ctx, 'r3', id, 'final');
  const { version } = await currentRevision(ctx, id);
  const rel = await ctx.api('editor').post(`/api/drafts/${id}/release`, { version });
  if (rel.status !== 200) throw new Error(`release ${rel.status} ${JSON.stringify(rel.body)}`);
  return id;
}

beforeAll(async () => {
  ctx = await createTestContext();
  work = mkdtempSync(join(tmpdir(), 'sanshen-records-'));
  const A = ctx.people.platformId;
  unitName = (await ctx.api('admin').get('/api/admin/units')).body.items.find((u: any) => u.id === ctx.people.unitId).name;
  await ctx.superuser(`UPDATE platforms SET registered_at = '2024-01-01T00:00:00+08' WHERE id = $1`, [A]);
  const zombie = await ctx.api('admin').post('/api/admin/platforms', { name: '僵尸号测试', kind: 'douyin', level: 'unit', unitId: ctx.people.unitId });
  zombieId = zombie.body.id;
  await ctx.superuser(`UPDATE platforms SET registered_at = '2024-06-01T00:00:00+08' WHERE id = $1`, [zombieId]);

  for (const [i, at] of A_RELEASES.entries()) {
    const id = await released(A, { title: `学院新闻第${i + 1}期` }, i === WAIVER_INDEX);
    await backdateRelease(ctx, id, new Date(at));
    drafts.push(id);
  }
  const z = await released(zombieId, { title: '僵尸号唯一一篇' });
  await backdateRelease(ctx, z, new Date('2025-01-20T02:00:00Z'));

  // Two 变更 on A: one filed long after the change (late), one within five working days.
  const ex = await request(ctx.app)
    .post('/api/admin/users')
    .set('Authorization', `Bearer ${ctx.people.tokens.admin}`)
    .send({ username: 'ex', displayName: '测试ex', staffId: 'S-ex', unitId: ctx.people.unitId, isStaff: true, roles: [], password: PASSWORD });
  expect(ex.status).toBe(201);
  const late = await ctx.api('editor').post(`/api/registry/platforms/${A}/changes`, { name: '学院公众号（更名）', changedOn: '2025-03-03', reason: '更名' });
  expect(late.status).toBe(201);
  await ctx.api('prop').post(`/api/registry/filings/${late.body.id}/decision`, { action: 'approve', comment: '同意' });
  const onTime = await ctx.api('editor').post(`/api/registry/platforms/${A}/changes`, { admins: [{ userId: ex.body.id, phone: '13800138000' }], changedOn: '2025-06-02', reason: '管理员调整' });
  expect(onTime.status).toBe(201);
  await ctx.api('prop').post(`/api/registry/filings/${onTime.body.id}/decision`, { action: 'approve', comment: '同意' });
  const times: Record<number, string> = { 1: '2024-01-01T02:00:00Z', 2: '2025-03-20T02:00:00Z', 3: '2025-03-21T02:00:00Z', 4: '2025-06-04T02:00:00Z', 5: '2025-06-05T02:00:00Z' };
  await rewriteChain(ctx, `platform-${A}`, (e) => ({ createdAt: new Date(times[e.seq]!), ...(e.seq === 4 ? { data: { ...e.data, late: false } } : {}) }));
  // The 后台管理人员 filed then is no longer staff.
  await ctx.superuser('UPDATE users SET is_staff = false WHERE id = $1', [ex.body.id]);
}, 240_000);

afterAll(async () => {
  await ctx?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('年检 annual report', () => {
  it('one platform over 2025: releases in 10 of 12 months in TZ_REVIEW, the waiver, the late 变更, no zombie', async () => {
    const res = await ctx.api('prop').get(`/api/reports/annual?platformId=${ctx.people.platformId}&year=2025`);
    expect(res.status).toBe(200);
    const r = res.body;
    expect(r.months.map((m: any) => [m.month, m.releases])).toEqual([
      ['2025-01', 1],
      ['2025-02', 1],
      ['2025-03', 1],
      ['2025-04', 1],
      ['2025-05', 1],
      ['2025-06', 1],
      ['2025-07', 1],
      ['2025-08', 1],
      ['2025-09', 1],
      ['2025-10', 1],
      ['2025-11', 0],
      ['2025-12', 0],
    ]);
    expect(r).toMatchObject({ scope: 'platform', releases: 10, silentMonths: 2, meetsMinimum: false, zombie: false });
    const p = r.platforms[0];
    expect(p.silentMonthList).toEqual(['2025-11', '2025-12']);
    expect(p.waivers).toHaveLength(1);
    expect(p.waivers[0]).toMatchObject({ reason: WAIVER_REASON, checkId: 'sensitive' });
    expect(p.blocked.drafts).toBe(1);
    expect(p.blocked.reasons.map((x: any) => x.checkId)).toEqual(['sensitive']);
    expect(p.review).toEqual({ releases: 10, complete: 10, incomplete: [] });
    expect(p.corrections).toBe(0);
    expect(p.retractions).toBe(0);
    expect(p.registryChanges.map((c: any) => [c.changedOn, c.late, c.decision])).toEqual([
      ['2025-03-03', true, 'approved'],
      ['2025-06-02', false, 'approved'],
    ]);
    expect(p.lateChanges).toBe(1);
    expect(p.adminsAllStaff).toBe(false);
    expect(p.nonStaffAdmins).toEqual(['测试ex']);
    for (const stage of ['first', 'second', 'final']) expect(typeof p.medianHoursInStage[stage]).toBe('number');
  });

  it('the school over 2025: the 僵尸号 is named; UTC month boundaries would give other figures', async () => {
    const res = await ctx.api('auditor').get('/api/reports/annual?year=2025');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ scope: 'school', releases: 11, zombie: true, meetsMinimum: false });
    expect(res.body.summary).toMatchObject({ platforms: 2, zombies: ['僵尸号测试'], lateChanges: 1, waivers: 1, incompleteReviews: 0 });
    expect(res.body.months[0]).toEqual({ month: '2025-01', releases: 2, counted: true });
    const z = res.body.platforms.find((p: any) => p.platformId === zombieId);
    expect(z).toMatchObject({ releases: 1, zombie: true, silentMonths: 11 });

    const admin: AuthUser = { id: ctx.people.ids.admin!, username: 'admin', displayName: 'admin', staffId: null, unitId: null, isStaff: true, roles: ['admin'] };
    const utc = await annualReport({ ...ctx.runtime.deps, records: { ...RECORDS_DEFAULTS, timeZone: 'UTC' } }, admin, { platformId: ctx.people.platformId, year: 2025, period: 'calendar' });
    expect(utc.months.slice(1, 3).map((m) => m.releases)).toEqual([2, 0]);
  });

  it('the 学年 ending June 2025 runs July 2024 – June 2025', async () => {
    const res = await ctx.api('prop').get(`/api/reports/annual?platformId=${ctx.people.platformId}&year=2025&period=academic`);
    expect(res.body.months.map((m: any) => m.month)[0]).toBe('2024-07');
    expect(res.body.months.map((m: any) => m.month)[11]).toBe('2025-06');
    expect(res.body).toMatchObject({ releases: 6, silentMonths: 6, meetsMinimum: false });
  });

  it('CSV and PDF; only the office sees the school, a unit its own platforms', async () => {
    const csv = await ctx.api('prop').get('/api/reports/annual?year=2025&format=csv');
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.text
      .replace(/^\ufeff/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toContain('2025-01');
    expect(lines.find((l) => l.startsWith('僵尸号测试'))).toContain(',是,');

    const pdf = await ctx.api('prop').get('/api/reports/annual?year=2025&format=pdf').buffer(true).parse(binary);
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const text = pdfText(pdf.body as Buffer, 'annual.pdf');
    for (const s of ['年检报告', '僵尸号测试', '宣传部年检结论', '签字', '学院公众号']) expect(text).toContain(s);

    expect((await ctx.api('editor').get('/api/reports/annual?year=2025')).status).toBe(403);
    expect((await ctx.api('editor').get(`/api/reports/annual?year=2025&platformId=${ctx.people.platformId}`)).status).toBe(200);
    expect((await ctx.api('foreign').get(`/api/reports/annual?year=2025&platformId=${ctx.people.platformId}`)).status).toBe(403);
    expect((await ctx.api('prop').get('/api/reports/annual?year=20x5')).body.error.code).toBe('validation_failed');
  });
});

function binary(res: any, cb: (err: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}

/** pdftotext in content order (-raw): a wrapped table cell stays one run of text. */
function pdfText(pdf: Buffer, name: string): string {
  const file = join(work, name);
  writeFileSync(file, pdf);
  return execFileSync('pdftotext', ['-raw', file, '-'], { encoding: 'utf8' });
}

describe('审稿单 PDF', () => {
  it('names the unit, platform, three reviewers with 工号, the waiver and the hash; its QR opens the verification', async () => {
    const id = drafts[WAIVER_INDEX]!;
    const detail = (await ctx.api('auditor').get(`/api/drafts/${id}`)).body;
    const res = await ctx.api('auditor').get(`/api/drafts/${id}/review-sheet.pdf`).buffer(true).parse(binary);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const pdf = res.body as Buffer;
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(pdf, 'sheet.pdf');
    const flat = text.replace(/\s+/g, '');
    for (const s of [unitName, '学院公众号', '测试r1', 'S-r1', '测试r2', 'S-r2', '测试r3', 'S-r3', WAIVER_REASON, detail.number, '测试editor']) expect(flat).toContain(s.replace(/\s+/g, ''));
    const hash = detail.released.hash as string;
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(flat).toContain(hash);

    // Render every page and decode the QR code with zxing (offline: the .wasm comes from the package).
    const file = join(work, 'sheet.pdf');
    execFileSync('pdftoppm', ['-r', '150', '-png', file, join(work, 'page')]);
    prepareZXingModule({ overrides: { wasmBinary: readFileSync(require.resolve('zxing-wasm/full/zxing_full.wasm')).buffer as ArrayBuffer } });
    const texts: string[] = [];
    for (const png of readdirSync(work).filter((f) => f.startsWith('page') && f.endsWith('.png'))) {
      const found = await readBarcodes(new Uint8Array(readFileSync(join(work, png))), { formats: ['QRCode'] });
      texts.push(...found.map((f) => f.text));
    }
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/#/verify/${id}/${hash}$`));

    const verify = await ctx.api('auditor').get(`/api/drafts/${id}/release-verification?hash=${hash}`);
    expect(verify.status).toBe(200);
    expect(verify.body).toMatchObject({ hashMatches: true, released: true, trail: { ok: true } });
    const wrong = await ctx.api('auditor').get(`/api/drafts/${id}/release-verification?hash=${'0'.repeat(64)}`);
    expect(wrong.body.hashMatches).toBe(false);
    expect((await request(ctx.app).get(`/api/drafts/${id}/release-verification?hash=${hash}`)).status).toBe(401);
    expect((await ctx.api('foreign').get(`/api/drafts/${id}/review-sheet.pdf`)).status).toBe(403);
  });

  it('prints thumbnails of the released pictures, each captioned with its hash', async () => {
    const picture = await sharp({ create: { width: 800, height: 500, channels: 3, background: '#1d4ed8' } })
      .jpeg()
      .toBuffer();
    const hash = await uploadMedia(ctx.app, ctx.people.tokens.editor!, picture, 'photo.jpg');
    const id = await released(ctx.people.platformId, { title: '图片新闻', body: `运动会剪影。\n\n![照片](media:${hash})`, assets: [{ kind: 'image', media: hash, licence: 'own_work' }] });
    const res = await ctx.api('auditor').get(`/api/drafts/${id}/review-sheet.pdf`).buffer(true).parse(binary);
    expect(res.status).toBe(200);
    const file = join(work, 'with-image.pdf');
    writeFileSync(file, res.body as Buffer);
    const images = execFileSync('pdfimages', ['-list', file], { encoding: 'utf8' }).trim().split('\n').slice(2);
    expect(images.length).toBeGreaterThanOrEqual(1);
    expect(pdfText(res.body as Buffer, 'with-image-text.pdf').replace(/\s+/g, '')).toContain(hash.slice(0, 16));
    // Page 1 as a picture, to look at.
    const shots = join(__dirname, '../../test-artifacts/screenshots');
    mkdirSync(shots, { recursive: true });
    execFileSync('pdftoppm', ['-r', '80', '-png', '-f', '1', '-l', '1', '-singlefile', file, join(shots, 'review-sheet-with-images')]);
  });

  it('batch print: every 审稿单 of a platform for one month (TZ_REVIEW), one PDF', async () => {
    const march = await ctx.api('prop').get(`/api/reports/review-sheets.pdf?platformId=${ctx.people.platformId}&month=2025-03`).buffer(true).parse(binary);
    expect(march.status).toBe(200);
    const text = pdfText(march.body as Buffer, 'batch.pdf').replace(/\s+/g, '');
    expect(text.match(/稿件编号/g)).toHaveLength(1);
    expect(text).toContain('学院新闻第3期');
    const feb = pdfText((await ctx.api('prop').get(`/api/reports/review-sheets.pdf?platformId=${ctx.people.platformId}&month=2025-02`).buffer(true).parse(binary)).body as Buffer, 'feb.pdf').replace(
      /\s+/g,
      '',
    );
    expect(feb.match(/稿件编号/g)).toHaveLength(1);
    expect(feb).toContain('学院新闻第2期');
    expect((await ctx.api('prop').get(`/api/reports/review-sheets.pdf?platformId=${ctx.people.platformId}&month=2025-13`)).status).toBe(400);
  });

  it('a missing font is a clear 503, not a broken PDF', async () => {
    const app = createApp({ ...ctx.runtime.deps, records: { ...RECORDS_DEFAULTS, fontPath: '/nonexistent/wqy-microhei.ttc' }, checkpoints: ctx.checkpoints, health: ctx.runtime.health });
    const res = await request(app).get(`/api/drafts/${drafts[0]}/review-sheet.pdf`).set('Authorization', `Bearer ${ctx.people.tokens.auditor}`);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('service_unavailable');
    expect(res.body.error.message).toContain('fonts-wqy-microhei');
  });
});
