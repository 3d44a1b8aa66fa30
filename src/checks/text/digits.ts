import { foldView, getWidthTable, toOriginal, type FoldedView } from './fold';

/**
 * The view the number patterns (phone, QQ, 身份证, bank card) and the other contact patterns read: the matching
 * view of fold.ts (digits of every script, circled/mathematical/superscript forms, confusable letters such as the
 * Cyrillic х in vх, invisible code points dropped, Q.Q → qq), folded 1:1 (width, case), and then
 *  - Chinese and financial numerals (一三八…, 壹叁捌…, 〇, 幺) → ASCII digits, inside a run of at least
 *    `MIN_NUMERAL_RUN` digits and numerals (so 一带一路, 三五成群 and 第一 stay words);
 *  - separators inside a digit run (`.`, `-`, space, tab; at most 3 in a row) dropped: 138.0013.8000,
 *    138 001 38000, 1 3 8 0 0 1 3 8 0 0 0 all read 13800138000.
 * Offsets map back to the original text. Everything here is one pass with a bounded look-ahead (linear).
 */

/** A run of digits and numerals shorter than this keeps its numerals as words. */
export const MIN_NUMERAL_RUN = 5;
/** Separators a digit run may carry between two digits, and how many in a row. */
const MAX_SEPARATORS = 3;

const NUMERALS: Record<string, number> = {
  零: 0,
  〇: 0,
  '○': 0,
  一: 1,
  幺: 1,
  二: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
  壹: 1,
  贰: 2,
  貳: 2,
  叁: 3,
  參: 3,
  肆: 4,
  伍: 5,
  陆: 6,
  陸: 6,
  柒: 7,
  捌: 8,
  玖: 9,
};

let numeralTable: Uint8Array | undefined;
/** 0–9 for a numeral code unit, 255 otherwise. */
function numerals(): Uint8Array {
  if (!numeralTable) {
    numeralTable = new Uint8Array(65536).fill(255);
    for (const [ch, v] of Object.entries(NUMERALS)) numeralTable[ch.charCodeAt(0)] = v;
  }
  return numeralTable;
}

const isDigit = (u: number) => u >= 0x30 && u <= 0x39;
const isSeparator = (u: number) => u === 0x20 || u === 0x2e || u === 0x2d || u === 0x09;

/** The contact view of `text` (see above). */
export function contactView(text: string): FoldedView {
  const v = foldView(text);
  const width = getWidthTable();
  const num = numerals();
  const src = v.text;
  const n = src.length;
  const units = new Uint16Array(n);
  for (let i = 0; i < n; i++) units[i] = width[src.charCodeAt(i)]!;
  const digitLike = (u: number) => isDigit(u) || num[u] !== 255;

  const drop = new Uint8Array(n);
  let changed = v.start !== null;
  for (let i = 0; i < n;) {
    if (!digitLike(units[i]!)) {
      i++;
      continue;
    }
    // The run: digit-likes joined by short separator runs.
    let count = 0;
    let hasNumeral = false;
    let last = i;
    let j = i;
    while (j < n) {
      const u = units[j]!;
      if (digitLike(u)) {
        count++;
        if (!isDigit(u)) hasNumeral = true;
        last = j++;
        continue;
      }
      let k = j;
      while (k < n && isSeparator(units[k]!) && k - j < MAX_SEPARATORS) k++;
      if (k > j && k < n && digitLike(units[k]!)) j = k;
      else break;
    }
    if (hasNumeral && count >= MIN_NUMERAL_RUN) {
      for (let k = i; k <= last; k++) {
        const val = num[units[k]!]!;
        if (val !== 255) {
          units[k] = 0x30 + val;
          changed = true;
        }
      }
    }
    // Separators between two digits (numerals left as words are not digits).
    for (let k = i; k <= last; k++) {
      if (!isSeparator(units[k]!)) continue;
      let a = k;
      while (a > i && isSeparator(units[a - 1]!)) a--;
      let b = k;
      while (b < last && isSeparator(units[b + 1]!)) b++;
      if (a > 0 && isDigit(units[a - 1]!) && b + 1 < n && isDigit(units[b + 1]!)) {
        drop.fill(1, a, b + 1);
        changed = true;
      }
      k = b;
    }
    i = last + 1;
  }
  if (!changed) return { original: text, text: decodeUnits(units), start: null, end: null };

  const start = new Int32Array(n);
  const end = new Int32Array(n);
  let w = 0;
  for (let r = 0; r < n; r++) {
    if (drop[r] === 1) continue;
    const [s, e] = toOriginal(v, r, r + 1);
    units[w] = units[r]!;
    start[w] = s;
    end[w] = e;
    w++;
  }
  return { original: text, text: decodeUnits(units.subarray(0, w)), start: start.subarray(0, w), end: end.subarray(0, w) };
}

const decoder = new TextDecoder('utf-16le');
function decodeUnits(units: Uint16Array): string {
  return decoder.decode(units);
}

export interface ContactMatch {
  /** Offsets in the original text. */
  start: number;
  end: number;
  /** What the pattern matched, as the view spells it (ASCII digits, no separators). */
  value: string;
}

/**
 * Every match of `re` over the 1:1 folded text (`folded`, same offsets as the original) and over the contact
 * view, the latter only where it overlaps no match of the former (138 0013 8000 next to 2024 must not merge into
 * one long number and hide both), sorted by start.
 */
export function contactMatches(re: RegExp, folded: string, view: FoldedView): ContactMatch[] {
  const out: ContactMatch[] = [];
  const g = re.global ? re : new RegExp(re.source, `${re.flags}g`);
  const all = (s: string, each: (m: RegExpExecArray) => void) => {
    g.lastIndex = 0;
    for (let m = g.exec(s); m; m = g.exec(s)) {
      if (m[0].length === 0) {
        g.lastIndex++;
        continue;
      }
      each(m);
    }
  };
  all(folded, (m) => out.push({ start: m.index, end: m.index + m[0].length, value: m[0] }));
  if (view.text === folded) return out;
  const taken = new Uint8Array(folded.length + 1);
  for (const m of out) taken.fill(1, m.start, m.end);
  const before = out.length;
  all(view.text, (m) => {
    const [start, end] = toOriginal(view, m.index, m.index + m[0].length);
    for (let i = start; i < end; i++) if (taken[i] === 1) return;
    out.push({ start, end, value: m[0] });
  });
  if (out.length > before) out.sort((a, b) => a.start - b.start || a.end - b.end);
  return out;
}
