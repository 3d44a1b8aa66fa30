/**
 * Unicode folding before matching (issue 9 item 4), through the real engine over the shipped dictionaries: every
 * variant must give the finding its plain spelling gives, at the original characters (the finding's span selects
 * exactly the disguised text, in the plain text and in the source field).
 */
import { join } from 'node:path';
import { type CheckEngine } from '../../../src/checks/engine';
import { idCardCheckChar } from '../../../src/checks/rules/validators';
import type { RevisionContent } from '../../../src/domain/content';
import type { Finding } from '../../../src/domain/findings';
import { at, CHAR_SEGMENTER } from './checks.helpers';
import { loadCheckEngine } from '../../../src/services/load-check-engine';

let engine: CheckEngine;
beforeAll(async () => {
  engine = await loadCheckEngine({ dictionaryDir: join(__dirname, '../../../dictionaries'), segmenter: CHAR_SEGMENTER });
});

const doc = (body: string): RevisionContent => ({ title: '情况说明', body, format: 'text', origin: { kind: 'original' }, assets: [] });
const run = (c: RevisionContent): Finding[] => engine.checkIds.flatMap((id) => engine.run(id, c).findings);

/** Applies `digits` (a function of one ASCII digit) to every digit of `s`. */
const digitsAs = (s: string, digit: (d: number) => string) => s.replace(/\d/g, (d) => digit(Number(d)));
const fromZero = (zero: number) => (d: number) => String.fromCodePoint(zero + d);
const CHINESE = '零一二三四五六七八九';
const FINANCIAL = '零壹贰叁肆伍陆柒捌玖';
const CIRCLED = '⓪①②③④⑤⑥⑦⑧⑨';
const DINGBAT = '⓿❶❷❸❹❺❻❼❽❾';
const SUPERSCRIPT = '⁰¹²³⁴⁵⁶⁷⁸⁹';
/** Digit forms of other scripts and styles (first code point = zero). */
const DIGIT_SCRIPTS: Array<[string, (d: number) => string]> = [
  ['full-width', fromZero(0xff10)],
  ['mathematical bold 𝟏𝟑𝟖', fromZero(0x1d7ce)],
  ['mathematical double-struck 𝟙𝟛𝟠', fromZero(0x1d7d8)],
  ['mathematical monospace', fromZero(0x1d7f6)],
  ['superscript ¹³⁸', (d) => SUPERSCRIPT[d]!],
  ['circled ①③⑧', (d) => CIRCLED[d]!],
  ['dingbat ❶❸❽', (d) => DINGBAT[d]!],
  ['Arabic-Indic ١٣٨', fromZero(0x660)],
  ['Extended Arabic-Indic ۱۳۸', fromZero(0x6f0)],
  ['Devanagari १३८', fromZero(0x966)],
  ['Bengali ১৩৮', fromZero(0x9e6)],
  ['Thai ๑๓๘', fromZero(0xe50)],
  ['Myanmar', fromZero(0x1040)],
  ['Chinese numerals 一三八', (d) => CHINESE[d]!],
  ['financial numerals 壹叁捌', (d) => FINANCIAL[d]!],
  ['Adlam (astral)', fromZero(0x1e950)],
];

interface Row {
  name: string;
  body: string;
  /** The disguised text the finding must cover exactly. */
  covers: string;
  category: string;
  severity: Finding['severity'];
}

function expectFound(row: Row): void {
  const c = doc(row.body);
  const want = at(c, row.covers);
  const found = run(c).filter((f) => f.category === row.category);
  const text = `${c.title}\n${c.body}`;
  const summary = found.map((f) => `${f.severity} ${JSON.stringify(text.slice(f.start, f.end))}`);
  expect({ row: row.name, found: summary }).toEqual({ row: row.name, found: expect.arrayContaining([`${row.severity} ${JSON.stringify(row.covers)}`]) });
  const f = found.find((x) => x.start === want.start && x.end === want.end)!;
  expect(f.matched).toBe(row.covers);
  expect(f.source).toEqual({ field: 'body', start: want.start - c.title.length - 1, end: want.end - c.title.length - 1 });
  expect(c.body.slice(f.source.start, f.source.end)).toBe(row.covers);
}

// ---- invisible, default-ignorable and combining code points inside sensitive words ---------------------------
const INVISIBLE: Array<[string, string]> = [
  ['U+E0020 tag space', '\u{E0020}'],
  ['U+E0001 language tag', '\u{E0001}'],
  ['U+E007F cancel tag', '\u{E007F}'],
  ['U+E0100 variation selector 17', '\u{E0100}'],
  ['U+E01EF variation selector 256', '\u{E01EF}'],
  ['U+1D175 musical begin beam', '\u{1D175}'],
  ['U+1D173 musical begin beam group', '\u{1D173}'],
  ['U+1BCA0 shorthand letter overlap', '\u{1BCA0}'],
  ['U+2800 braille blank', '\u2800'],
  ['U+2009 thin space', '\u2009'],
  ['U+202F narrow no-break space', '\u202f'],
  ['U+2002 en space (&ensp;)', '\u2002'],
  ['U+205F medium mathematical space', '\u205f'],
  ['U+0332 combining low line', '\u0332'],
  ['U+20DD combining enclosing circle', '\u20dd'],
  ['U+0301 combining acute', '\u0301'],
  ['U+034F combining grapheme joiner', '\u034f'],
  ['U+115F Hangul choseong filler', '\u115f'],
  ['U+180E Mongolian vowel separator', '\u180e'],
  ['five zero-width spaces', '\u200b'.repeat(5)],
  ['tag, VS-17, beam and braille together', '\u{E0020}\u{E0100}\u{1D175}\u2800'],
];
const WORDS: Array<[string, string, Finding['severity']]> = [
  ['法轮功', 'religion', 'block'],
  ['赌博', 'gambling', 'block'],
  ['黄片', 'porn', 'block'],
  ['色情网站', 'porn', 'block'],
];
const hide = (word: string, mark: string) => [...word].join(mark);
const invisibleRows: Row[] = INVISIBLE.flatMap(([name, mark]) =>
  WORDS.map(([word, category, severity]) => ({ name: `${word} with ${name}`, body: `近日有人传播${hide(word, mark)}的内容。`, covers: hide(word, mark), category, severity })),
);

// ---- Kangxi radicals, CJK compatibility ideographs, traditional forms ------------------------------------------
const cjkRows: Row[] = [
  ['黄⽚ (Kangxi 片)', '黄⽚', 'porn', 'block'],
  ['⼤⿇ (Kangxi 大, 麻)', '⼤⿇', 'drugs', 'review'],
  ['⾊情网站 (Kangxi 色)', '⾊情网站', 'porn', 'block'],
  ['赌 + U+2F82E (compatibility 博)', '赌\u{2F82E}', 'gambling', 'block'],
  ['traditional 賭 + compatibility 博', '賭\u{2F82E}', 'gambling', 'block'],
  ['⿈⽚ (Kangxi 黃 and 片)', '⿈⽚', 'porn', 'block'],
  ['法輪功 traditional', '法輪功', 'religion', 'block'],
  ['Kangxi with an invisible tag between', '⿈\u{E0020}⽚', 'porn', 'block'],
].map(([name, covers, category, severity]) => ({ name: name!, body: `有人发布${covers}链接。`, covers: covers!, category: category!, severity: severity as Finding['severity'] }));

// ---- Latin look-alikes in a Latin term (vpn翻墙 is a shipped term) ---------------------------------------------
const LOOKALIKE_VPN = [
  'VРN (Cyrillic Р)',
  'VPN',
  '𝐕𝐏𝐍',
  'ⓋⓅⓃ',
  'ᴠᴘɴ',
  'V.P.N',
  'ＶＰＮ',
  '𝕍ℙℕ',
  '𝖁𝕻𝕹',
  '𝓥𝓟𝓝',
  '🅥🅟🅝',
  'ⅤPN (Roman numeral Ⅴ)',
  'vρn (Greek ρ)',
  'ᐯPN (Canadian syllabics)',
  'v̲p̲n̲ (combining low line)',
  'V\u{E0020}PN (tag space)',
  'v.p.n',
];
const latinRows: Row[] = LOOKALIKE_VPN.map((label) => {
  const form = label.split(' (')[0]!;
  return { name: `${label}翻墙`, body: `有人教大家用${form}翻墙上网。`, covers: `${form}翻墙`, category: 'illegal-services', severity: 'block' };
});

// ---- contact ids: QQ and WeChat cues written with look-alikes (advertising) ------------------------------------
const AD_TAIL = '，全场特价，扫码进群领取优惠。';
const qqRows: Row[] = ['QQ', 'ԛԛ', '𝐐𝐐', 'Q.Q', 'ＱＱ', 'ⓆⓆ', 'qｑ', '𝚚𝚚', 'ǫǫ (small capital)'].map((label) => {
  const form = label.split(' (')[0]!;
  return { name: `QQ cue ${label}`, body: `本店${form}：12345678${AD_TAIL}`, covers: `${form}：12345678`, category: 'advertising.qq', severity: 'block' };
});
const wechatRows: Row[] = ['vx', 'vх (Cyrillic х)', 'ｖｘ', 'ᴠx', '𝐯𝐱', 'V.X', 'ⓥⓧ', 'wх'].map((label) => {
  const form = label.split(' (')[0]!;
  return { name: `WeChat cue ${label}`, body: `本店${form}：abc_12345${AD_TAIL}`, covers: `${form}：abc_12345`, category: 'advertising.wechat', severity: 'block' };
});
const qqNumberRows: Row[] = [
  ['QQ number with spaces', 'QQ：1234 5678'],
  ['QQ number with dots', 'QQ：1234.5678'],
  ['QQ number in Chinese numerals', 'QQ：一二三四五六七八'],
  ['QQ number in mathematical digits', `QQ：${digitsAs('12345678', fromZero(0x1d7ce))}`],
  ['QQ number with zero-width spaces', 'QQ：1234\u200b5678'],
].map(([name, covers]) => ({ name: name!, body: `本店${covers}${AD_TAIL}`, covers: covers!, category: 'advertising.qq', severity: 'block' as const }));

// ---- personal phone numbers (secrecy) ---------------------------------------------------------------------------
const MOBILE = '13800138000';
const phoneForms: Array<[string, string]> = [
  ['plain', MOBILE],
  ['dots 138.0013.8000', '138.0013.8000'],
  ['3-3-5 groups with spaces', '138 001 38000'],
  ['3-3-5 groups with dashes', '138-001-38000'],
  ['2-digit groups', '13 80 01 38 00 0'],
  ['spaced digits', [...MOBILE].join(' ')],
  ['dashed digits', [...MOBILE].join('-')],
  ['zero-width inside', '138\u200b0013\u200b8000'],
  ['word joiner inside every digit', [...MOBILE].join('\u2060')],
  ['thin spaces', '138\u20090013\u20098000'],
  ['ideographic spaces', '138\u30000013\u30008000'],
  ['space and dash together', '138 - 0013 - 8000'],
  ['+86 prefix, dotted', '+86 138.0013.8000'],
  ['Chinese numerals with 〇', digitsAs(MOBILE, (d) => (d === 0 ? '〇' : CHINESE[d]!))],
  ['Chinese numerals, spaced', '一三八 零零一三 八零零零'],
  ['mixed ASCII and Chinese', '138零零13八000'],
  ['幺 for one', digitsAs(MOBILE, (d) => (d === 1 ? '幺' : CHINESE[d]!))],
  ...DIGIT_SCRIPTS.map(([name, digit]): [string, string] => [name, digitsAs(MOBILE, digit)]),
  ['mathematical digits with dots', digitsAs('138.0013.8000', fromZero(0x1d7ce))],
];
const phoneRows: Row[] = phoneForms.map(([name, form]) => ({
  name: `mobile ${name}`,
  body: `如有疑问请联系张同学${form}。`,
  covers: form,
  category: 'personal.phone',
  severity: 'review',
}));

// ---- 身份证 and bank card numbers (secrecy, block) ---------------------------------------------------------------
const ID17 = '11010519900307123';
const ID = ID17 + idCardCheckChar(ID17);
const idForms: Array<[string, string]> = [
  ['plain', ID],
  ['6-8-4 groups', `${ID.slice(0, 6)} ${ID.slice(6, 14)} ${ID.slice(14)}`],
  ['dashes', `${ID.slice(0, 6)}-${ID.slice(6, 14)}-${ID.slice(14)}`],
  ['dots', `${ID.slice(0, 6)}.${ID.slice(6, 14)}.${ID.slice(14)}`],
  ['zero-width inside', [...ID].join('\u200b')],
  ['Chinese numerals', digitsAs(ID, (d) => CHINESE[d]!)],
  ['financial numerals', digitsAs(ID, (d) => FINANCIAL[d]!)],
  ['mathematical bold', digitsAs(ID, fromZero(0x1d7ce))],
  ['Arabic-Indic', digitsAs(ID, fromZero(0x660))],
  ['full-width', digitsAs(ID, fromZero(0xff10))],
];
const idRows: Row[] = idForms.map(([name, form]) => ({ name: `身份证 ${name}`, body: `学生身份证号${form}，请核对。`, covers: form, category: 'personal.id-card', severity: 'block' }));

/** A Luhn-valid 16-digit card number starting 62 (UnionPay). */
const CARD = (() => {
  const body = '621700000000123';
  for (let d = 0; d <= 9; d++) {
    const s = body + d;
    let sum = 0;
    for (let i = 0; i < s.length; i++) {
      let x = Number(s[s.length - 1 - i]);
      if (i % 2 === 1) x = x * 2 > 9 ? x * 2 - 9 : x * 2;
      sum += x;
    }
    if (sum % 10 === 0) return s;
  }
  throw new Error('no card');
})();
const cardForms: Array<[string, string]> = [
  ['plain', CARD],
  ['4-4-4-4 dots', CARD.replace(/(\d{4})(?=\d)/g, '$1.')],
  ['zero-width inside', CARD.replace(/(\d{4})(?=\d)/g, '$1\u200b')],
  ['Chinese numerals', digitsAs(CARD, (d) => CHINESE[d]!)],
  ['mathematical monospace', digitsAs(CARD, fromZero(0x1d7f6))],
  ['Devanagari', digitsAs(CARD, fromZero(0x966))],
];
const cardRows: Row[] = cardForms.map(([name, form]) => ({ name: `bank card ${name}`, body: `工资卡号${form}，请勿外传。`, covers: form, category: 'personal.bank-card', severity: 'block' }));

// ---- whitelist words never reached by noise skipping or repeat collapsing --------------------------------------
const whitelistRows: Row[] = [
  ['百家乐·园', '百家乐', 'gambling', 'block'],
  ['百家乐*园', '百家乐', 'gambling', 'block'],
  ['百家乐 园', '百家乐', 'gambling', 'block'],
  ['三·黄片资源', '黄片', 'porn', 'block'],
  ['三 黄片资源', '黄片', 'porn', 'block'],
  ['大麻麻烦', '大麻', 'drugs', 'review'],
  ['赌场场景', '赌场', 'gambling', 'review'],
].map(([body, covers, category, severity]) => ({
  name: `whitelist not stretched over ${body}`,
  body: `据说${body}有人出售`,
  covers: covers!,
  category: category!,
  severity: severity as Finding['severity'],
}));

const ROWS: Row[] = [...invisibleRows, ...cjkRows, ...latinRows, ...qqRows, ...wechatRows, ...qqNumberRows, ...phoneRows, ...idRows, ...cardRows, ...whitelistRows];

describe('disguised words and numbers are found at their original characters', () => {
  it('the table is at least as wide as the issue’s 78 variants', () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(150);
  });
  it.each(ROWS.map((r) => [r.name, r] as const))('%s', (_name, row) => expectFound(row));
});

describe('folding does not invent findings', () => {
  it.each([
    ['the whitelisted words themselves', '百家乐园是一处景点，三黄片是中成药，大麻烦也只是麻烦。'],
    ['words with numerals stay words', '一带一路，三五成群，第一二三名，一五一十地说。'],
    ['short numeral runs and dates', '2026年12月4日14:30，三四个人，十一月二十日，电话分机8001。'],
    ['decimals and versions', '增长3.5个百分点，版本1.2.3发布，No.1 e.g. a.b.com'],
    ['Cyrillic and Greek prose is not Latin', 'Москва — столица; αβγ δεζ.'],
    ['toned pinyin of harmless words', 'xuéxí, kǎoshì, tǐyù'],
  ])('%s', (_name, body) => {
    const findings = run(doc(body)).filter((f) => f.severity !== 'info');
    expect(findings.map((f) => `${f.ruleId} ${f.matched}`)).toEqual([]);
  });
});
