/**
 * What is inside pictures and video, read by the real analysers (tesseract, zxing, exifr, ffmpeg from this machine)
 * and judged by the real check engine with the shipped dictionaries: each planted word or code gives its finding
 * with a box on the picture; hostile files are bounded with a visible finding.
 */
import type { CheckEngine } from '../../src/checks/engine';
import type { RevisionContent } from '../../src/domain/content';
import type { Finding, MediaSourceSpan } from '../../src/domain/findings';
import type { MediaAnalysis } from '../../src/domain/media';
import { analyzeMedia } from '../../src/media/analyze';
import { decompressionBomb, longVideo, makeVideo, renderPoster, truncated } from '../fixtures/media/posters';
import { sharedEngine } from '../helpers/test-context';

const content: RevisionContent = { title: '社团招新', body: '欢迎同学们报名参加。', format: 'text', origin: { kind: 'original' }, assets: [] };

let engine: CheckEngine;
beforeAll(async () => {
  engine = await sharedEngine();
});

const findingsFor = (analyses: MediaAnalysis[]): Finding[] => engine.checkIds.flatMap((id) => engine.run(id, content, { media: analyses }).findings);
const inMedia = (findings: Finding[]) => findings.filter((f) => f.source.field === 'media');
const overlaps = (a: { x: number; y: number; width: number; height: number }, b: { x: number; y: number; width: number; height: number }) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe('text and codes inside pictures', () => {
  it.each([
    ['加V信 (diversion)', '兼职招聘 加V信 abc12345 日结200元', ['advertising'], 'abc12345'],
    ['a mobile number', '兼职日结 手机13800138000 私聊', ['advertising', 'secrecy'], '13800138000'],
    ['扫码进群', '扫码进群 领取资料 限时免费', ['advertising'], '扫码'],
    ['机密★ marking', '机密★1年 内部资料 注意保密', ['secrecy'], '机密'],
  ])('%s in a 1080×1920 poster gives a finding with a box around the words', async (_name, line, checks, planted) => {
    const poster = await renderPoster({
      width: 1080,
      height: 1920,
      lines: [
        { text: '学生社团联合会', size: 72 },
        { text: line, size: 56 },
        { text: '时间：本周五下午', size: 48 },
      ],
    });
    const analysis = await analyzeMedia(poster.bytes, 'image');
    expect(analysis.ocr).toBe(true);
    const hits = inMedia(findingsFor([analysis])).filter((f) => checks.includes(f.check) && f.severity !== 'info');
    expect(hits.map((f) => f.matched).join(' ')).toContain(planted);
    const drawn = poster.boxes[1]!;
    for (const hit of hits) {
      const source = hit.source as MediaSourceSpan;
      expect(source.media).toBe(analysis.media);
      expect(source.via).toBe('ocr');
      expect(hit.evidence?.via).toBe('ocr');
      expect(typeof hit.evidence?.confidence).toBe('number');
      expect(source.box && overlaps(source.box, drawn)).toBe(true);
    }
  });

  it('a WeChat group QR code is decoded, shown and judged as diversion, boxed where it is drawn', async () => {
    const poster = await renderPoster({ width: 1080, height: 1920, lines: [{ text: '期末复习资料分享', size: 64 }], qr: 'https://weixin.qq.com/g/AbCdEf123XYZ' });
    const analysis = await analyzeMedia(poster.bytes, 'image');
    expect(analysis.codes.map((c) => c.text)).toEqual(['https://weixin.qq.com/g/AbCdEf123XYZ']);
    const qr = inMedia(findingsFor([analysis])).filter((f) => (f.source as MediaSourceSpan).via === 'qr');
    const diversion = qr.find((f) => f.ruleId === 'media:qr-wechat');
    expect(diversion).toMatchObject({ check: 'advertising', severity: 'review', matched: 'https://weixin.qq.com/g/AbCdEf123XYZ' });
    expect(overlaps((diversion!.source as MediaSourceSpan).box!, poster.qrBox!)).toBe(true);
  });

  it('a QR code with a phone number is read by the contact rules like text', async () => {
    const poster = await renderPoster({ width: 1080, height: 1080, lines: [{ text: '欢迎报名', size: 64 }], qr: '兼职联系 13912345678' });
    const analysis = await analyzeMedia(poster.bytes, 'image');
    const hits = inMedia(findingsFor([analysis])).filter((f) => (f.source as MediaSourceSpan).via === 'qr' && f.severity !== 'info');
    expect(hits.map((f) => f.matched)).toContain('13912345678');
  });

  it('a clean poster gives no review-level finding', async () => {
    const poster = await renderPoster({
      width: 1080,
      height: 1920,
      lines: [
        { text: '计算机学院学术报告会', size: 72 },
        { text: '时间：11月20日下午两点', size: 48 },
        { text: '地点：学术报告厅', size: 48 },
      ],
    });
    const analysis = await analyzeMedia(poster.bytes, 'image');
    expect(analysis.lines.length).toBeGreaterThan(0);
    expect(inMedia(findingsFor([analysis])).filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it('a large 3000×4000 photo is downscaled for OCR and boxes come back in original pixels', async () => {
    const poster = await renderPoster({ width: 3000, height: 4000, lines: [{ text: '加微信 abc12345 领取福利 限时特价', size: 150 }], format: 'jpeg' });
    const analysis = await analyzeMedia(poster.bytes, 'image');
    expect(analysis).toMatchObject({ width: 3000, height: 4000 });
    const hit = inMedia(findingsFor([analysis])).find((f) => f.check === 'advertising' && f.severity !== 'info');
    expect(hit).toBeDefined();
    expect(overlaps((hit!.source as MediaSourceSpan).box!, poster.boxes[0]!)).toBe(true);
  });
});

describe('metadata', () => {
  it('GPS position, camera serial and author in EXIF are personal-data findings', async () => {
    const poster = await renderPoster({
      width: 800,
      height: 600,
      lines: [{ text: '运动会剪影', size: 48 }],
      format: 'jpeg',
      exif: {
        IFD0: { Artist: '张三', Make: 'Canon', Model: 'EOS R6' },
        IFD2: { BodySerialNumber: '012345678901' },
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '39/1 54/1 2700/100', GPSLongitudeRef: 'E', GPSLongitude: '116/1 23/1 3000/100' },
      },
    });
    const analysis = await analyzeMedia(poster.bytes, 'image');
    expect(analysis.metadata.gps?.latitude).toBeCloseTo(39.9075, 3);
    const rules = inMedia(findingsFor([analysis]))
      .filter((f) => f.check === 'secrecy')
      .map((f) => f.ruleId);
    expect(rules).toEqual(expect.arrayContaining(['media:exif-gps', 'media:exif-serial', 'media:exif-author']));
  });
});

describe('hostile and broken files are bounded with a visible finding', () => {
  it.each([
    ['a decompression bomb (60000×60000 in a few hundred bytes)', () => Promise.resolve(decompressionBomb()), 'too_large'],
    ['an empty file', () => Promise.resolve(Buffer.alloc(0)), 'empty'],
    ['a truncated JPEG', async () => truncated((await renderPoster({ width: 1200, height: 900, lines: [{ text: '截断', size: 60 }], format: 'jpeg' })).bytes), 'decode_failed'],
    ['bytes that are not a picture', () => Promise.resolve(Buffer.from('GIF89a not really a picture at all')), 'decode_failed'],
  ])('%s', async (_name, make, code) => {
    const started = process.memoryUsage().rss;
    const analysis = await analyzeMedia(await make(), 'image');
    expect(analysis.problems.map((p) => p.code)).toContain(code);
    expect(process.memoryUsage().rss - started).toBeLessThan(500 * 1024 * 1024);
    const unchecked = inMedia(findingsFor([analysis])).filter((f) => f.ruleId === `media:${code}`);
    expect(unchecked).toHaveLength(1);
    expect(unchecked[0]!.severity).toBe('block');
  });

  it('without tesseract every picture gets a review finding "图片文字未识别，请人工核对", never a silent pass', async () => {
    const poster = await renderPoster({ width: 600, height: 400, lines: [{ text: '加V信', size: 48 }] });
    const analysis = await analyzeMedia(poster.bytes, 'image', { tools: { ocr: false, video: true, missing: ['tesseract'] } });
    const unread = inMedia(findingsFor([analysis])).filter((f) => f.ruleId === 'media:ocr_unavailable');
    expect(unread).toHaveLength(1);
    expect(unread[0]).toMatchObject({ severity: 'review', check: 'sensitive' });
    expect(unread[0]!.message).toContain('图片文字未识别，请人工核对');
  });
});

describe('video', () => {
  it('keyframes are read like pictures and findings carry their timecode', async () => {
    const clean = (await renderPoster({ width: 640, height: 360, lines: [{ text: '校园风光', size: 40 }] })).bytes;
    const planted = (await renderPoster({ width: 640, height: 360, lines: [{ text: '兼职招聘 加V信 abc12345 日结200元', size: 36 }] })).bytes;
    const video = makeVideo([clean, planted, clean], 5);
    const analysis = await analyzeMedia(video, 'video');
    expect(analysis.durationMs).toBeGreaterThan(9000);
    expect(analysis.keyframes?.length).toBeGreaterThanOrEqual(3);
    const hit = inMedia(findingsFor([analysis])).find((f) => f.check === 'advertising' && f.severity !== 'info');
    expect(hit).toBeDefined();
    expect((hit!.source as MediaSourceSpan).timeMs).toBe(5000);
    expect(hit!.message).toContain('0:05');
  });

  it('a 1-hour video is bounded: only the first minutes are read, and the finding says so', async () => {
    const analysis = await analyzeMedia(longVideo(3600), 'video');
    expect(analysis.durationMs).toBeGreaterThanOrEqual(3_599_000);
    expect(analysis.keyframes!.length).toBeLessThanOrEqual(24);
    expect(analysis.problems.map((p) => p.code)).toContain('too_long');
    expect(inMedia(findingsFor([analysis])).some((f) => f.ruleId === 'media:too_long' && f.severity === 'review')).toBe(true);
  });
});
