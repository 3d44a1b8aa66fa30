/**
 * Media analyses are cached in PostgreSQL by file hash (a revision that keeps its pictures does not read them again),
 * and pictures are compared with the admin gallery by perceptual hash — real PostgreSQL, real analysers.
 */
import sharp from 'sharp';
import { addGalleryEntry } from '../../src/db/media-analysis.repository';
import { ensureMediaAnalyses, galleryMatches } from '../../src/services/media-analysis.service';
import { renderPoster } from '../fixtures/media/posters';
import { createTestContext, sharedEngine, type TestContext } from '../helpers/test-context';
import { createHash } from 'node:crypto';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ accounts: ['admin'] });
});
afterAll(() => ctx.close());

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

it('analyses once per file: the second revision with the same picture reads the cache, not the file', async () => {
  const poster = (await renderPoster({ width: 1080, height: 1080, lines: [{ text: '扫码进群 领取资料 限时免费', size: 56 }] })).bytes;
  const hash = sha(poster);
  let reads = 0;
  const read = async (h: string) => {
    reads++;
    return h === hash ? poster : null;
  };
  const first = await ensureMediaAnalyses(ctx.runtime.deps.db, read, [{ hash, kind: 'image' }]);
  expect(first[0]!.lines.map((l) => l.text).join('')).toContain('扫码进群');
  const rows = await ctx.superuser<{ n: number }>('SELECT count(*)::int AS n FROM media_analyses WHERE media = $1', [hash]);
  expect(rows[0]!.n).toBe(1);
  const again = await ensureMediaAnalyses(ctx.runtime.deps.db, read, [
    { hash, kind: 'image' },
    { hash, kind: 'image' },
  ]);
  expect(reads).toBe(1);
  expect(again).toEqual([first[0]]);
});

it('a file that is not stored is reported, not passed', async () => {
  const [missing] = await ensureMediaAnalyses(ctx.runtime.deps.db, async () => null, [{ hash: 'a'.repeat(64), kind: 'image' }]);
  expect(missing!.problems.map((p) => p.code)).toEqual(['decode_failed']);
});

it('a re-encoded copy of a forbidden gallery picture is a blocking copyright finding; an unrelated picture matches nothing', async () => {
  const db = ctx.runtime.deps.db;
  const original = (await renderPoster({ width: 1200, height: 800, lines: [{ text: '图库摄影作品', size: 80, color: '#225' }], qr: 'https://example.com/x', qrSize: 300 })).bytes;
  const [analysed] = await ensureMediaAnalyses(db, async () => original, [{ hash: sha(original), kind: 'image' }]);
  await addGalleryEntry(db, { list: 'forbidden', dhash: analysed!.dhash!, media: analysed!.media, note: '未获授权的商业图库' });
  // The editor's copy: resized and re-encoded as JPEG — other bytes, the same picture.
  const copy = await sharp(original).resize(900).jpeg({ quality: 70 }).toBuffer();
  const [copyAnalysis] = await ensureMediaAnalyses(db, async () => copy, [{ hash: sha(copy), kind: 'image' }]);
  const matches = await galleryMatches(db, [copyAnalysis!]);
  expect(matches).toHaveLength(1);
  expect(matches[0]!.distance).toBeLessThanOrEqual(10);
  const engine = await sharedEngine();
  const content = { title: '摄影展', body: '作品欣赏。', format: 'text' as const, origin: { kind: 'original' as const }, assets: [] };
  const findings = engine.run('copyright', content, { media: [copyAnalysis!], mediaMatches: matches }).findings;
  expect(findings.find((f) => f.ruleId === 'media:gallery-forbidden')).toMatchObject({ severity: 'block', check: 'copyright' });

  const unrelated = (await renderPoster({ width: 1200, height: 800, lines: [{ text: '完全不同的一张图', size: 40 }] })).bytes;
  const [other] = await ensureMediaAnalyses(db, async () => unrelated, [{ hash: sha(unrelated), kind: 'image' }]);
  expect(await galleryMatches(db, [other!])).toEqual([]);
});
