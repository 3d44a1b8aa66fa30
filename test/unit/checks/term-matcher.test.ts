import { TermMatcher, type MatcherTerm } from '../../../src/checks/matcher/term-matcher';
import type { Segmenter } from '../../../src/checks/segmenter';

const spans = (m: TermMatcher, text: string) => m.match(text).map((h) => [m.term(h.term), text.slice(h.start, h.end), h.start, h.variant]);
const build = (terms: Array<string | MatcherTerm>, whitelist: string[] = [], segmenter?: Segmenter) =>
  TermMatcher.build(
    terms.map((t) => (typeof t === 'string' ? { term: t } : t)),
    whitelist,
    segmenter ? { segmenter: () => segmenter } : {},
  );

describe('TermMatcher: evasion', () => {
  const m = build([{ term: '法轮功', pinyin: true }, '赌博']);

  it.each([
    ['noise between characters', '他练法*轮*功', [['法轮功', '法*轮*功', 2, 'folded']]],
    [
      'spaces and zero-width',
      '组织赌 博和赌\u200b博',
      [
        ['赌博', '赌 博', 2, 'folded'],
        ['赌博', '赌\u200b博', 6, 'folded'],
      ],
    ],
    ['traditional characters', '賭博網站', [['赌博', '賭博', 0, 'folded']]],
    ['repeated characters', '赌赌博博', [['赌博', '赌博', 1, 'exact']]],
    ['full pinyin, any case', '宣传FaLunGong', [['法轮功', 'FaLunGong', 2, 'pinyin']]],
    [
      'mixed pinyin',
      '宣传fa轮功和法lun功',
      [
        ['法轮功', 'fa轮功', 2, 'pinyin'],
        ['法轮功', '法lun功', 7, 'pinyin'],
      ],
    ],
    ['full-width Latin', '宣传ＦＡＬＵＮＧＯＮＧ', [['法轮功', 'ＦＡＬＵＮＧＯＮＧ', 2, 'pinyin']]],
  ])('%s', (_name, text, expected) => {
    expect(spans(m, text)).toEqual(expected);
  });

  it('never skips sentence terminators, commas or line breaks, and bounds the gap', () => {
    expect(m.match('赌。博')).toEqual([]);
    expect(m.match('赌，博')).toEqual([]);
    expect(m.match('赌\n博')).toEqual([]);
    expect(m.match('赌、博')).toEqual([]);
    expect(spans(m, '赌***博')).toEqual([['赌博', '赌***博', 0, 'folded']]);
    expect(m.match('赌****博')).toEqual([]);
  });

  it('terms with doubled characters need them doubled', () => {
    const d = build(['哈哈笑']);
    expect(d.match('哈笑')).toEqual([]);
    expect(spans(d, '他哈哈笑')).toEqual([['哈哈笑', '哈哈笑', 1, 'exact']]);
  });
});

describe('TermMatcher: false-positive control', () => {
  it.each([
    ['大麻', '大麻烦', '这真是个大麻烦', '吸食大麻'],
    ['共产', '共产党', '中国共产党', '共产共妻'],
    ['黄片', '三黄片', '服用三黄片', '传播黄片'],
  ])('whitelist first: %s inside %s is dropped', (term, white, clean, dirty) => {
    const m = build([term], [white]);
    expect(m.match(clean)).toEqual([]);
    expect(m.match(dirty).map((h) => dirty.slice(h.start, h.end))).toEqual([term]);
  });

  it('Latin/digit terms only at word boundaries', () => {
    const m = build(['sb', '69']);
    expect(m.match('Disburse the funds')).toEqual([]);
    expect(m.match('编号695')).toEqual([]);
    expect(m.match('x69')).toEqual([]);
    expect(spans(m, '你是SB吗')).toEqual([['sb', 'SB', 2, 'folded']]);
    expect(spans(m, '69号')).toEqual([['69', '69', 0, 'exact']]);
    // The space between two Latin letters is a word break, not noise.
    expect(m.match('is bad')).toEqual([]);
  });

  it('segment-only terms must sit on token boundaries of the window', () => {
    // Stands in for jieba: 他/参加/代/考试/点 and 我们/代考/四级.
    const seg: Segmenter = { cut: (t) => t.replace('代考试', '|代|考试|').replace('代考', '|代考|').split('|').filter(Boolean) };
    const m = build([{ term: '代考', segment: true }], [], seg);
    expect(m.match('他参加代考试点')).toEqual([]);
    expect(spans(m, '我们代考四级')).toEqual([['代考', '代考', 2, 'exact']]);
  });
});
