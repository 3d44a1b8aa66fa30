/**
 * npm run bench:media — what looking inside pictures costs and how much it finds, on this machine's own tools
 * (tesseract chi_sim+eng, zxing-wasm, exifr, sharp). Generates posters with planted Chinese words, phone numbers,
 * WeChat ids and QR codes at 1080×1920 and 3000×4000 (PNG and JPEG), analyses each one on one core (tesseract with
 * one thread, files one after another), and prints per-image p50/p95, the recall of planted words by font size and of
 * QR codes, and the wall time of 20 pictures analysed two at a time (as a 2-core worker does for a 20-image draft).
 * Asserts nothing; writes bench/results/bench-media.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { analyzeMedia } from '../src/media/analyze';
import { mediaTools } from '../src/media/tools';
import { MEDIA_CONFIG } from '../config/media';
import { renderPoster } from '../test/fixtures/media/posters';

const COUNT = Number(process.env.BENCH_POSTERS ?? 12);
const PLANTS = ['加V信', '扫码进群', '兼职日结', '机密★', '内部资料', '代写论文', '刷单返利', '免费领取'];
const HEADERS = ['学生社团联合会', '秋季运动会', '学术报告会', '志愿者招募', '迎新晚会', '创新创业大赛'];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
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
        const planted = sizes.map((size) => ({ size, word: PLANTS[Math.floor(random() * PLANTS.length)]!, phone: `1${3 + Math.floor(random() * 6)}${String(Math.floor(random() * 1e9)).padStart(9, '0')}` }));
        const withQr = i % 2 === 0;
        const qrText = `https://weixin.qq.com/g/${Math.floor(random() * 1e12).toString(36)}`;
        const poster = await renderPoster({
          width,
          height,
          format,
          lines: [
            { text: HEADERS[i % HEADERS.length]!, size: Math.round(80 * scale) },
            ...planted.map((p) => ({ text: `${p.word} 联系 ${p.phone}`, size: Math.round(p.size * scale) })),
          ],
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
    Array.from({ length: 20 }, (_, i) => renderPoster({ width: 1080, height: 1920, lines: [{ text: `${HEADERS[i % HEADERS.length]} 第${i + 1}张`, size: 72 }, { text: '时间：周五下午 地点：体育馆', size: 48 }], qr: i % 4 === 0 ? `https://example.edu.cn/${i}` : undefined })),
  );
  const started = Date.now();
  let next = 0;
  await Promise.all(
    [0, 1].map(async () => {
      while (next < twenty.length) await analyzeMedia(twenty[next++]!.bytes, 'image', { tools });
    }),
  );
  const twentyMs = Date.now() - started;

  console.log('\nmedia analysis per picture (OCR + QR + metadata + hash), one core, sequential:');
  console.log('size        | format | n  | p50 ms | p95 ms');
  for (const r of rows) console.log(`${r.size.padEnd(11)} | ${r.format.padEnd(6)} | ${String(r.ms.length).padStart(2)} | ${pct(r.ms, 50).toFixed(0).padStart(6)} | ${pct(r.ms, 95).toFixed(0).padStart(6)}`);
  console.log('\nrecall of planted words and phone numbers by font size (px at 1080 wide; ×2.78 on 3000×4000):');
  for (const [size, r] of recall) console.log(`  ${String(size).padStart(2)} px: ${r.found}/${r.planted} = ${((100 * r.found) / r.planted).toFixed(1)} %`);
  console.log(`QR codes decoded: ${qr.found}/${qr.planted}`);
  console.log(`20 pictures of 1080×1920, two at a time: ${(twentyMs / 1000).toFixed(1)} s`);
  const results = resolve(__dirname, 'results');
  mkdirSync(results, { recursive: true });
  writeFileSync(
    resolve(results, 'bench-media.json'),
    JSON.stringify({ rows: rows.map((r) => ({ size: r.size, format: r.format, p50: pct(r.ms, 50), p95: pct(r.ms, 95) })), recall: Object.fromEntries(recall), qr, twentyMs }, null, 1),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
