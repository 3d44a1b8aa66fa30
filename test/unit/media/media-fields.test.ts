import { CHECKS_CONFIG } from '../../../config/checks';
import { judgeCode, locate, mediaFields, repairOcrText } from '../../../src/checks/media/media-findings';
import { hashDistance, type MediaAnalysis } from '../../../src/domain/media';
import { parseTesseractTsv } from '../../../src/media/ocr';

const TSV = [
  'level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext',
  '1\t1\t0\t0\t0\t0\t0\t0\t1000\t1000\t-1\t',
  '5\t1\t1\t1\t1\t1\t100\t200\t80\t40\t90\t加',
  '5\t1\t1\t1\t1\t2\t180\t200\t40\t40\t80\tV',
  '5\t1\t1\t1\t1\t3\t220\t200\t40\t40\t70\t信',
  '5\t1\t1\t1\t1\t4\t280\t202\t200\t38\t96\tabc12345',
  '5\t1\t2\t1\t1\t1\t100\t400\t60\t30\t95\thello',
  '5\t1\t2\t1\t1\t2\t170\t400\t60\t30\t93\tworld',
  '5\t1\t3\t1\t1\t1\t100\t600\t60\t30\t12\t噪',
].join('\n');

describe('tesseract TSV', () => {
  it('groups words into lines: no space between Chinese words, one between Latin words; boxes scaled back', () => {
    const lines = parseTesseractTsv(TSV, 0.5, 40);
    expect(lines.map((l) => l.text)).toEqual(['加V信abc12345', 'hello world']);
    expect(lines[0]!.box).toEqual({ x: 200, y: 400, width: 760, height: 80 });
    expect(lines[0]!.confidence).toBe(84);
  });
});

describe('media fields', () => {
  const analysis: MediaAnalysis = {
    media: 'f'.repeat(64),
    kind: 'video',
    version: 'v',
    ocr: true,
    lines: [
      { text: '第一行', box: { x: 0, y: 0, width: 30, height: 10 }, confidence: 90, timeMs: 0 },
      { text: '第二行', box: { x: 0, y: 20, width: 30, height: 10 }, confidence: 60, timeMs: 0 },
      { text: '下一帧', box: { x: 5, y: 5, width: 30, height: 10 }, confidence: 95, timeMs: 5000 },
    ],
    codes: [{ format: 'QRCode', text: 'https://example.cn', box: { x: 50, y: 50, width: 20, height: 20 } }],
    metadata: { present: false },
    problems: [],
  };

  it('one field per keyframe and one per code; a span across lines is located by the union of their boxes', () => {
    const fields = mediaFields(analysis);
    expect(fields.map((f) => [f.via, f.text])).toEqual([
      ['ocr', '第一行\n第二行'],
      ['ocr', '下一帧'],
      ['qr', 'https://example.cn'],
    ]);
    expect(locate(fields[0]!, 2, 5)).toEqual({ box: { x: 0, y: 0, width: 30, height: 30 }, timeMs: 0, confidence: 60 });
    expect(locate(fields[1]!, 0, 1).timeMs).toBe(5000);
  });

  it.each([
    ['机密文1年', '机密★1年'],
    ['绝密妇长期', '绝密★长期'],
    ['秘密☆', '秘密★'],
    ['机密 3个月', '机密 3个月'],
    ['秘密武器', '秘密武器'],
    ['机密大', '机密★'],
  ])('OCR repair %s → %s keeps the length', (read, repaired) => {
    expect(repairOcrText(read)).toBe(repaired);
    expect(repairOcrText(read)).toHaveLength(read.length);
  });
});

describe('difference hash distance', () => {
  it('counts differing bits of two 64-bit hashes', () => {
    expect(hashDistance('0000000000000000', '0000000000000000')).toBe(0);
    expect(hashDistance('ffffffffffffffff', '0000000000000000')).toBe(64);
    expect(hashDistance('8000000000000001', '0000000000000000')).toBe(2);
  });
});

describe('decoded codes are judged by the link rules', () => {
  const env = { version: 'v', config: CHECKS_CONFIG, segmenter: () => ({}) as never };
  it.each([
    ['https://weixin.qq.com/g/AbC123', 'media:qr-wechat', 'review'],
    ['https://u.wechat.com/ABCdef', 'media:qr-wechat', 'review'],
    ['https://item.taobao.com/item.htm?id=1', 'media:qr-shop', 'review'],
    ['HTTPS://ITEM.TAOBAO.COM/x', 'media:qr-shop', 'review'],
    ['https://evil.example.com/signup', 'media:qr-external', 'review'],
    ['https://www.example.edu.cn/news/1', 'media:qr', 'info'],
    ['978-7-111-12345-6', 'media:qr', 'info'],
  ])('%s → %s (%s)', (text, ruleId, severity) => {
    expect(judgeCode(text, env)).toMatchObject({ ruleId, severity });
  });
});
