import OpenCC from 'opencc-js';
import { mayFold, skeletonOf, supplementarySkeletons } from './confusables';

/**
 * Character folding used by every matcher: one UTF-16 code unit in, one out, so an offset into the folded text
 * is an offset into the original text. Folding covers full-width → half-width, case, and traditional →
 * simplified at the character level (OpenCC's variant and TSCharacters tables, first candidate).
 *
 * Why not OpenCC phrase mode on the draft: phrase conversion (軟體 → 软件, 滑鼠 → 鼠标) rewrites words and may
 * change their length, which breaks the 1:1 offset map and costs a segmentation pass per draft. The evasion we
 * fight is character-level (練→练, 輪→轮), and both the draft and the dictionary are folded with the same
 * table, so one-to-many ambiguities (乾→干, 後→后) fold identically on both sides. Phrase mode is applied to
 * *dictionary terms* instead (see `traditionalPhraseVariant`): a term's Taiwan-phrase spelling becomes an extra key.
 */

export type FoldMode = 'none' | 'width' | 'full';

/** Characters a match may skip (bounded gap). Never sentence terminators, commas or line breaks. */
export const NOISE_CHARS = ' \t\u00a0\u3000\u200b\u200c\u200d\u2060\ufeff' + '*#_-+=~^|\\/\'"`@&$%<>()[]{}' + '《》〈〉【】「」『』〔〕（）“”‘’·•・～—–﹏' + '☆★♡♥❤✿❀◆◇■□●○△▲▽▼※♀♂';

const NEVER_NOISE = '\n\r\u2028\u2029。！？；，、.!?;,…：:';

/**
 * Code units that render as nothing: zero-width characters, bidi marks, embeddings, overrides and isolates
 * (U+202E), soft hyphen, joiners, variation selectors, Hangul fillers. A match skips any number of them without
 * counting them towards the noise gap: 法\u200b\u200b\u200b\u200b轮功 and 法\u202e轮功 read as 法轮功.
 */
const INVISIBLE_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x00ad, 0x00ad],
  [0x034f, 0x034f],
  [0x061c, 0x061c],
  [0x115f, 0x1160],
  [0x17b4, 0x17b5],
  [0x180b, 0x180f],
  [0x200b, 0x200f],
  [0x202a, 0x202e],
  [0x2060, 0x2064],
  [0x2066, 0x206f],
  [0x3164, 0x3164],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
  [0xffa0, 0xffa0],
];

let widthTable: Uint16Array | undefined;
let fullTable: Uint16Array | undefined;
let noiseMask: Uint8Array | undefined;

/**
 * BMP code units whose skeleton (see confusables.ts) is not one code unit: dropped (invisible, combining marks)
 * or expanded (⑩ → 10, ﬁ → fi). The 1:1 tables keep them as they are (or as before: ⑴ → 1); `foldView` handles them.
 */
let specialMask: Uint8Array | undefined;
/** Skeletons of the special BMP code units (not surrogates), computed once. */
let bmpSpecial: Map<number, string> | undefined;
let supplementary: Map<number, string> | undefined;

function buildWidthTable(): Uint16Array {
  const t = new Uint16Array(65536);
  const special = new Uint8Array(65536);
  const skeletons = new Map<number, string>();
  for (let u = 0; u < 65536; u++) t[u] = u;
  for (let u = 0xff01; u <= 0xff5e; u++) t[u] = u - 0xfee0;
  t[0x3000] = 0x20;
  t[0x00a0] = 0x20;
  // Circled and parenthesised digits are a cheap way to dodge number patterns (①③⑧).
  for (let k = 0; k < 9; k++) {
    t[0x2460 + k] = 0x31 + k;
    t[0x2474 + k] = 0x31 + k;
    t[0x2776 + k] = 0x31 + k;
  }
  t[0x24ea] = 0x30;
  // NFKD, digits of every script, TR39 confusables of ASCII letters and digits, small capitals (confusables.ts).
  for (let u = 0; u < 65536; u++) {
    if (u >= 0xd800 && u <= 0xdfff) {
      special[u] = 1;
      continue;
    }
    if (!mayFold(u)) continue;
    const s = skeletonOf(u);
    if (s.length === 1) t[u] = s.charCodeAt(0);
    else {
      special[u] = 1;
      skeletons.set(u, s);
    }
  }
  for (let u = 0; u < 65536; u++) {
    const v = t[u]!;
    if (v >= 0x41 && v <= 0x5a) t[u] = v + 0x20;
  }
  specialMask = special;
  bmpSpecial = skeletons;
  return t;
}

function singleCharPairs(dict: unknown, into: Map<number, number>): void {
  const pairs: Array<readonly [string, string]> = [];
  if (typeof dict === 'string') {
    for (const item of dict.split('|')) {
      const [src, dst] = item.split(' ');
      if (src !== undefined && dst !== undefined) pairs.push([src, dst]);
    }
  } else if (Array.isArray(dict)) {
    for (const p of dict as Array<[string, string]>) pairs.push([p[0], (p[1] ?? '').split(' ')[0] ?? '']);
  }
  for (const [src, dst] of pairs) {
    if (src.length === 1 && dst.length === 1 && !into.has(src.charCodeAt(0))) {
      into.set(src.charCodeAt(0), dst.charCodeAt(0));
    }
  }
}

function buildFullTable(): Uint16Array {
  const t = new Uint16Array(getWidthTable());
  const variants = new Map<number, number>();
  const toSimplified = new Map<number, number>();
  const locale = OpenCC.Locale as unknown as {
    from: Record<string, ReadonlyArray<ReadonlyArray<unknown>>>;
    to: Record<string, ReadonlyArray<ReadonlyArray<unknown>>>;
  };
  for (const region of ['tw', 'hk']) for (const group of locale.from[region] ?? []) for (const d of group) singleCharPairs(d, variants);
  for (const group of locale.to.cn ?? []) for (const d of group) singleCharPairs(d, toSimplified);
  const width = getWidthTable();
  for (let u = 0; u < 65536; u++) {
    // Simplify what the width table made of u, too: Kangxi ⿈ is 黃 there, and 黃 is 黄.
    const w = width[u]!;
    const v = variants.get(w) ?? w;
    const s = toSimplified.get(v) ?? v;
    if (s !== w) t[u] = width[s]!;
  }
  return t;
}

export function getWidthTable(): Uint16Array {
  widthTable ??= buildWidthTable();
  return widthTable;
}

/** Width + case + traditional→simplified table (built once per process, ~128 KB). */
export function getFullTable(): Uint16Array {
  fullTable ??= buildFullTable();
  return fullTable;
}

export function getFoldTable(mode: FoldMode): Uint16Array | undefined {
  return mode === 'none' ? undefined : mode === 'width' ? getWidthTable() : getFullTable();
}

/** 1 for code units (after folding) that a match may skip within its gap; 2 for invisible ones, skipped freely. */
export function getNoiseMask(): Uint8Array {
  if (!noiseMask) {
    noiseMask = new Uint8Array(65536);
    const width = getWidthTable();
    for (const ch of NOISE_CHARS) noiseMask[width[ch.charCodeAt(0)]!] = 1;
    for (const ch of NEVER_NOISE) noiseMask[width[ch.charCodeAt(0)]!] = 0;
    for (const [from, to] of INVISIBLE_RANGES) for (let u = from; u <= to; u++) noiseMask[u] = 2;
    getSpecialMask();
    for (const [u, s] of bmpSpecial!) if (s === '') noiseMask[u] = 2;
  }
  return noiseMask;
}

/** Folds a string code unit by code unit (same length as the input). */
export function foldText(text: string, mode: FoldMode): string {
  const table = getFoldTable(mode);
  if (!table) return text;
  const out = new Uint16Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = table[text.charCodeAt(i)]!;
  return decodeUtf16(out);
}

const decoder = new TextDecoder('utf-16le');
export function decodeUtf16(units: Uint16Array): string {
  return decoder.decode(units);
}

let twpConverter: ((s: string) => string) | undefined;
/** The Taiwan-phrase traditional spelling of a simplified term (软件 → 軟體), for dictionary keys only. */
export function traditionalPhraseVariant(term: string): string {
  const convert = (twpConverter ??= OpenCC.Converter({ from: 'cn', to: 'twp' }));
  return convert(term);
}

export function isAsciiAlnum(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a);
}

export function isCjk(code: number): boolean {
  return (code >= 0x4e00 && code <= 0x9fff) || (code >= 0x3400 && code <= 0x4dbf) || (code >= 0xf900 && code <= 0xfaff);
}

/** BMP code units `foldView` must look at (surrogates, dropped and expanded characters). */
export function getSpecialMask(): Uint8Array {
  getWidthTable();
  return specialMask!;
}

/**
 * Text as the matchers read it, with a map back to the original: `text[i]` stands for `original[start[i],
 * end[i])`. `start`/`end` are null when nothing changed (the text is the original: most drafts).
 */
export interface FoldedView {
  readonly original: string;
  readonly text: string;
  readonly start: Int32Array | null;
  readonly end: Int32Array | null;
}

/** Original [start, end) of the view span [s, e). */
export function toOriginal(view: FoldedView, s: number, e: number): [number, number] {
  if (!view.start || !view.end) return [s, e];
  if (e <= s) {
    const at = s < view.start.length ? view.start[s]! : view.original.length;
    return [at, at];
  }
  return [view.start[s]!, view.end[e - 1]!];
}

const isLetter = (u: number) => u >= 0x61 && u <= 0x7a;
const isAlnum = (u: number) => (u >= 0x61 && u <= 0x7a) || (u >= 0x30 && u <= 0x39);

/**
 * The matching view of `text`: every code point replaced by its skeleton (confusables.ts: NFKD, digits of every
 * script, confusables, small capitals; invisible and default-ignorable code points of every plane and combining
 * marks dropped), and the dots of a dotted acronym removed (V.P.N, Q.Q: single letters joined by dots). Code
 * units whose skeleton is one BMP code unit are left as they are: the 1:1 tables (`getWidthTable`) fold those,
 * so a draft without dropped, expanded or astral characters costs one pass and no allocation.
 */
export function foldView(text: string): FoldedView {
  // The checks of one revision each ask for the view of the same text: keep the last one.
  if (lastView && lastView.original === text) return lastView;
  lastView = buildView(text);
  return lastView;
}
let lastView: FoldedView | undefined;

function buildView(text: string): FoldedView {
  const width = getWidthTable();
  const special = specialMask!;
  const n = text.length;
  let slow = false;
  for (let i = 0; i < n && !slow; i++) {
    const u = text.charCodeAt(i);
    if (special[u] === 1) slow = true;
    else if (u === 0x2e && acronymDot(i, n, (k) => width[text.charCodeAt(k)]!)) slow = true;
  }
  if (!slow) return { original: text, text, start: null, end: null };

  supplementary ??= supplementarySkeletons();
  let cap = n + 16;
  let units = new Uint16Array(cap);
  let start = new Int32Array(cap);
  let end = new Int32Array(cap);
  let len = 0;
  const push = (u: number, s: number, e: number) => {
    if (len === cap) {
      cap *= 2;
      const nu = new Uint16Array(cap);
      nu.set(units);
      units = nu;
      const ns = new Int32Array(cap);
      ns.set(start);
      start = ns;
      const ne = new Int32Array(cap);
      ne.set(end);
      end = ne;
    }
    units[len] = u;
    start[len] = s;
    end[len] = e;
    len++;
  };
  for (let i = 0; i < n; i++) {
    const u = text.charCodeAt(i);
    if (special[u] !== 1) {
      push(u, i, i + 1);
      continue;
    }
    let cp = u;
    let next = i + 1;
    if (u >= 0xd800 && u <= 0xdbff && i + 1 < n) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = (u - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
        next = i + 2;
      }
    }
    const s = cp > 0xffff ? supplementary.get(cp) : bmpSpecial!.get(cp);
    if (s === undefined) for (let k = i; k < next; k++) push(text.charCodeAt(k), i, next);
    else for (let k = 0; k < s.length; k++) push(s.charCodeAt(k), i, next);
    i = next - 1;
  }
  // Dotted acronyms: drop each dot between two single letters (the 1:1 table folds the letters).
  const folded = (k: number) => width[units[k]!]!;
  const drop = new Uint8Array(len);
  for (let r = 0; r < len; r++) if (units[r] === 0x2e && acronymDot(r, len, folded)) drop[r] = 1;
  let w = 0;
  for (let r = 0; r < len; r++) {
    if (drop[r] === 1) continue;
    units[w] = units[r]!;
    start[w] = start[r]!;
    end[w] = end[r]!;
    w++;
  }
  return { original: text, text: decodeUtf16(units.subarray(0, w)), start: start.subarray(0, w), end: end.subarray(0, w) };
}

/** A dot at `i` between two single letters: "V.P.N", "Q.Q" (not "No.1", "e.com", "3.5"). */
function acronymDot(i: number, n: number, at: (k: number) => number): boolean {
  if (i < 1 || i + 1 >= n || !isLetter(at(i - 1)) || !isLetter(at(i + 1))) return false;
  if (i >= 2 && isAlnum(at(i - 2))) return false;
  return !(i + 2 < n && isAlnum(at(i + 2)));
}
