/**
 * npm run bench:media — what looking inside pictures costs and how much it finds, on this machine's own tools
 * (tesseract chi_sim+eng, zxing-wasm, exifr, sharp). Generates posters with planted Chinese words, phone numbers,
 * WeChat ids and QR codes at 1080×1920 and 3000×4000 (PNG and JPEG), analyses each one on one core (tesseract with
 * one thread, files one after another), and prints per-image p50/p95, the recall of planted words by font size and of
 * QR codes, the wall time of 20 pictures analysed two at a time, and a draft with 20 pictures from submission to
 * in_review through the real API and check worker (its own database and queue prefix on the local services).
 * Asserts nothing; writes bench/results/bench-media.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { readEnv } from '../config/env';
import { runMigrations } from '../src/db/pool';
import { createApp } from '../src/http/app';
import { createRuntime } from '../src/runtime';
import { createPlatform, createUnit, createUser } from '../src/services/admin.service';
import { login } from '../src/services/auth.service';
import { startCheckWorker } from '../workers/checks.worker';
import { createBenchDatabase } from './lib/database';
import { analyzeMedia } from '../src/media/analyze';
import { mediaTools } from '../src/media/tools';
import { MEDIA_CONFIG } from '../config/media';
import { renderPoster } from '../test/fixtures/media/posters';
import { loadCheckEngine } from '../src/services/load-check-engine';

const COUNT = Number(process.env.BENCH_POSTERS ?? 12);
const PLANTS = ['加V信', '扫码进群', '兼职日结', '机密★', '内部资料', '代写论文', '刷单返利', '免费领取'];
const HEADERS = ['学生社团联合会', '秋季运动会', '学术报告会', '志愿者招募', '迎新晚会', '创新创业大赛'];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};
const squash = (s: string) => s.replace(/\s+/g, '');

async function main() {
  const tools = await mediaTools(MEDIA_CONFIG.ocrLanguages);
  if (!tools.ocr) {
    console.log(`OCR not available here: ${tools.missing.join('; ')}`);
    process.exitCode = 1;
    return;
  }
  const random = rng(20261204);
  const sizes = [24, 32, 48, 64];
  const rows: Array<{ size: string; format: string; ms: number[] }> = [];
  const recall = new Map<number, { found: number; planted: number }>(sizes.map((s) => [s, { found: 0, planted: 0 }]));
  const qr = { found: 0, planted: 0 };
  for (const [width, height] of [
    [1080, 1920],
    [3000, 4000],
  ] as const) {
    for (const format of ['png', 'jpeg'] as const) {
      const ms: number[] = [];
      const scale = width / 1080;
      for (let i = 0; i < COUNT; i++) {
        const planted = sizes.map((size) => ({
          size,
          word: PLANTS[Math.floor(random() * PLANTS.length)]!,
          phone: `1${3 + Math.floor(random() * 6)}${String(Math.floor(random() * 1e9)).padStart(9, '0')}`,
        }));
        const withQr = i % 2 === 0;
        const qrText = `https://weixin.qq.com/g/${Math.floor(random() * 1e12).toString(36)}`;
        const poster = await renderPoster({
          width,
          height,
          format,
          lines: [{ text: HEADERS[i % HEADERS.length]!, size: Math.round(80 * scale) }, ...planted.map((p) => ({ text: `${p.word} 联系 ${p.phone}`, size: Math.round(p.size * scale) }))],
          qr: withQr ? qrText : undefined,
          qrSize: Math.round(300 * scale),
        });
        const t = process.hrtime.bigint();
        const analysis = await analyzeMedia(poster.bytes, 'image', { tools });
        ms.push(Number(process.hrtime.bigint() - t) / 1e6);
        const read = squash(analysis.lines.map((l) => l.text).join('\n')).replace(/([绝机秘]密)./gu, '$1★');
        for (const p of planted) {
          const r = recall.get(p.size)!;
          r.planted += 2;
          if (read.includes(squash(p.word))) r.found += 1;
          if (read.includes(p.phone)) r.found += 1;
        }
        if (withQr) {
          qr.planted += 1;
          if (analysis.codes.some((c) => c.text === qrText)) qr.found += 1;
        }
      }
      rows.push({ size: `${width}×${height}`, format, ms });
    }
  }

  // A 20-image draft on a 2-core worker: two pictures at a time.
  const twenty = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      renderPoster({
        width: 1080,
        height: 1920,
        lines: [
          { text: `${HEADERS[i % HEADERS.length]} 第${i + 1}张`, size: 72 },
          { text: '时间：周五下午 地点：体育馆', size: 48 },
        ],
        qr: i % 4 === 0 ? `https://example.edu.cn/${i}` : undefined,
      }),
    ),
  );
  const started = Date.now();
  let next = 0;
  await Promise.all(
    [0, 1].map(async () => {
      while (next < twenty.length) await analyzeMedia(twenty[next++]!.bytes, 'image', { tools });
    }),
  );
  const twentyMs = Date.now() - started;

  const draftMs = await twentyPictureDraft();

  console.log('\nmedia analysis per picture (OCR + QR + metadata + hash), one core, sequential:');
  console.log('size        | format | n  | p50 ms | p95 ms');
  for (const r of rows)
    console.log(`${r.size.padEnd(11)} | ${r.format.padEnd(6)} | ${String(r.ms.length).padStart(2)} | ${pct(r.ms, 50).toFixed(0).padStart(6)} | ${pct(r.ms, 95).toFixed(0).padStart(6)}`);
  console.log('\nrecall of planted words and phone numbers by font size (px at 1080 wide; ×2.78 on 3000×4000):');
  for (const [size, r] of recall) console.log(`  ${String(size).padStart(2)} px: ${r.found}/${r.planted} = ${((100 * r.found) / r.planted).toFixed(1)} %`);
  console.log(`QR codes decoded: ${qr.found}/${qr.planted}`);
  console.log(`20 pictures of 1080×1920, two at a time: ${(twentyMs / 1000).toFixed(1)} s`);
  console.log(`a draft with 20 new pictures, submission → in_review (real API + worker): ${(draftMs / 1000).toFixed(1)} s`);
  const results = resolve(__dirname, 'results');
  mkdirSync(results, { recursive: true });
  writeFileSync(
    resolve(results, 'bench-media.json'),
    JSON.stringify({ rows: rows.map((r) => ({ size: r.size, format: r.format, p50: pct(r.ms, 50), p95: pct(r.ms, 95) })), recall: Object.fromEntries(recall), qr, twentyMs, draftMs }, null, 1),
  );
}

/** Uploads 20 pictures (changed a little, so none is cached), submits one draft with them, waits for in_review. */
async function twentyPictureDraft(): Promise<number> {
  const bench = await createBenchDatabase('media');
  const prefix = `benchmedia${process.pid}`;
  await runMigrations(bench.url);
  const env = readEnv({ QUEUE_PREFIX: prefix, LOG_LEVEL: 'silent' });
  const runtime = createRuntime({ databaseUrl: bench.url, redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', env, role: 'api', logger: pino({ level: 'silent' }) });
  const app = createApp({ ...runtime.deps, checkpoints: null, health: runtime.health });
  const engine = await loadCheckEngine({ dictionaryDir: resolve(__dirname, '../dictionaries'), preloadSegmenter: true });
  const worker = startCheckWorker(runtime, engine, process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { prefix, concurrency: 12, sweepIntervalMs: 60_000, sweepIdleMs: 0 });
  try {
    await worker.worker.waitUntilReady();
    const db = runtime.deps.db;
    const unit = await createUnit(db, null, { name: '压测学院', code: 'BENCHM' });
    const platform = await createPlatform(db, null, { name: '压测公众号', kind: 'wechat', level: 'unit', unitId: unit.id });
    await createUser(db, null, { username: 'bench', displayName: '压测', unitId: unit.id, isStaff: true, roles: ['editor'], password: 'Bench-Pass-2026!' });
    const { token } = await login(db, { username: 'bench', password: 'Bench-Pass-2026!', ip: '127.0.0.1', absoluteHours: 1 });
    const hashes: string[] = [];
    for (let i = 0; i < 20; i++) {
      // New pictures (this process's id in the text), so nothing comes from the analysis cache.
      const bytes = (
        await renderPoster({
          width: 1080,
          height: 1920,
          lines: [
            { text: `压测海报 第${i + 1}张 ${process.pid}`, size: 72 },
            { text: '时间：周五下午 地点：体育馆', size: 48 },
          ],
        })
      ).bytes;
      const res = await request(app).post('/api/media').set('Authorization', `Bearer ${token}`).attach('file', bytes, `p${i}.png`);
      if (res.status !== 201) throw new Error(`upload ${res.status} ${JSON.stringify(res.body)}`);
      hashes.push(res.body.hash as string);
    }
    const started = Date.now();
    const submitted = await request(app)
      .post('/api/drafts')
      .set('Authorization', `Bearer ${token}`)
      .send({
        platformId: platform.id,
        title: '活动海报合集',
        format: 'markdown',
        body: ['本周活动海报。', ...hashes.map((h, i) => `![海报${i + 1}](media:${h})`)].join('\n\n'),
        assets: hashes.map((media) => ({ kind: 'image', media, licence: 'own_work' })),
      });
    if (submitted.status !== 201) throw new Error(`submit ${submitted.status} ${JSON.stringify(submitted.body)}`);
    for (;;) {
      const d = await request(app).get(`/api/drafts/${submitted.body.id}`).set('Authorization', `Bearer ${token}`);
      if (d.body.status !== 'checking') {
        if (d.body.status !== 'in_review') console.log(`note: the 20-picture draft ended ${d.body.status}`);
        return Date.now() - started;
      }
      if (Date.now() - started > 300_000) throw new Error('20-picture draft still checking after 5 minutes');
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await worker.close();
    await runtime.queue.queue.obliterate({ force: true }).catch(() => undefined);
    await runtime.close();
    await bench.drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
