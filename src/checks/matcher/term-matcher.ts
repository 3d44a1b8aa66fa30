import { pinyin } from 'pinyin-pro';
import { foldView, getFoldTable, getNoiseMask, getWidthTable, isAsciiAlnum, isCjk, toOriginal, traditionalPhraseVariant, type FoldedView } from '../text/fold';
import { tokenBoundaries, type Segmenter } from '../segmenter';
import { Automaton, DEFAULT_AUTOMATON_OPTIONS, EXACT_AUTOMATON_OPTIONS, Hits, type AutomatonOptions } from './automaton';

/**
 * Term matching with false-positive control on top of the automaton:
 *  - variant keys per term: the term itself, its Taiwan-phrase spelling (OpenCC twp), and for terms marked
 *    pinyin-sensitive every full-pinyin / mixed pinyin spelling (法轮功 → falungong, fa轮功, 法lun功, ...);
 *  - whitelist first: a hit lying wholly inside a whitelisted word's hit is dropped (大麻烦 vs 大麻);
 *  - Latin/digit edges only at word boundaries (Disburse ≠ sb, 695 ≠ 69), and no skipping of the space between
 *    two Latin/digit characters (a word break) except for pinyin spellings;
 *  - terms with doubled characters need them doubled in the text too (repeat collapsing is one-way);
 *  - terms marked segment-only must start and end on jieba token boundaries within a small window.
 */

export interface MatcherTerm {
  term: string;
  /** Also match full and mixed pinyin spellings. */
  pinyin?: boolean | undefined;
  /** Only where a jieba segmentation of the surrounding window has token boundaries at both ends. */
  segment?: boolean | undefined;
  /** No noise skipping, no repeat collapsing (still width/case/traditional folding). */
  exact?: boolean | undefined;
}

export type HitVariant = 'exact' | 'folded' | 'traditional' | 'pinyin';

export interface TermHit {
  /** Index into the `terms` the matcher was built with. */
  term: number;
  start: number;
  end: number;
  variant: HitVariant;
}

export interface TermMatcherOptions {
  automaton?: AutomatonOptions | undefined;
  /** Add OpenCC Taiwan-phrase spellings of CJK terms as extra keys (default true). */
  phraseVariants?: boolean | undefined;
  /** Provides the segmenter for segment-only terms (called lazily, only when such a term hits). */
  segmenter?: (() => Segmenter) | undefined;
  /** Characters of context on each side for the segmentation window. */
  segmentWindow?: number | undefined;
}

const VARIANT_CODES: HitVariant[] = ['exact', 'traditional', 'pinyin'];
const MAX_PINYIN_CHARS = 8;
const WHITELIST = -1;
const IDENTITY = Uint16Array.from({ length: 65536 }, (_, u) => u);
const NO_NOISE = new Uint8Array(65536);
const SENTENCE_BREAK = /[\n\r。！？；!?;]/;

interface KeyOwner {
  /** term index, or WHITELIST - whitelistIndex for whitelist entries */
  owner: number;
  variant: number;
}

/** Terms with at most this many Chinese characters get every mixed spelling (2ⁿ−1 ≤ 15 keys). */
const FULL_PINYIN_MIX = 4;

/**
 * Pinyin spellings of a term, as extra automaton keys. Up to FULL_PINYIN_MIX Chinese characters: every mix of
 * characters and syllables. Longer terms (up to MAX_PINYIN_CHARS): a linear set, at most 4n keys — the whole term in
 * pinyin, one character in pinyin (法lun功…), all but one in pinyin (falun功…), and a pinyin prefix or suffix
 * with the rest as written (falun大法 / 法轮dafa). Enumerating all 2ⁿ−1 mixes made 1,000 eight-character terms
 * 255,000 keys (17 s to import, +850 MB per worker); these spellings are what people write to dodge a filter.
 */
export function pinyinVariants(term: string): string[] {
  const chars = [...term];
  if (chars.length === 0 || chars.length > MAX_PINYIN_CHARS || !chars.some((c) => isCjk(c.charCodeAt(0)))) return [];
  const syllables = pinyin(term, { toneType: 'none', type: 'array', v: true }).map((s) => s.toLowerCase());
  if (syllables.length !== chars.length) return [];
  const cjk: number[] = [];
  chars.forEach((c, k) => {
    if (isCjk(c.charCodeAt(0))) cjk.push(k);
  });
  const out = new Set<string>();
  /** The term with the Chinese characters at these positions (indexes into `cjk`) written in pinyin. */
  const spell = (inPinyin: (j: number) => boolean) => {
    let s = '';
    let j = 0;
    for (let k = 0; k < chars.length; k++) {
      const isHan = cjk[j] === k;
      s += isHan && inPinyin(j) ? syllables[k]! : chars[k]!;
      if (isHan) j++;
    }
    if (s !== term) out.add(s);
  };
  const m = cjk.length;
  if (m <= FULL_PINYIN_MIX) {
    for (let mask = 1; mask < 1 << m; mask++) spell((j) => (mask & (1 << j)) !== 0);
    return [...out];
  }
  spell(() => true);
  for (let i = 0; i < m; i++) {
    spell((j) => j === i);
    spell((j) => j !== i);
  }
  for (let cut = 1; cut < m; cut++) {
    spell((j) => j < cut);
    spell((j) => j >= cut);
  }
  return [...out];
}

function runs(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (i > 0 && s[i] === s[i - 1]) out[out.length - 1]!++;
    else out.push(1);
  }
  return out;
}

class KeyTable {
  /** CSR: owners of key k are owner[offset[k] .. offset[k+1]) */
  offset: Int32Array;
  owner: Int32Array;
  variant: Uint8Array;
  constructor(automaton: Automaton, keyOwners: KeyOwner[]) {
    const keyCount = automaton.keyCount;
    const counts = new Int32Array(keyCount + 1);
    for (let i = 0; i < keyOwners.length; i++) {
      const k = automaton.keyIdOfInput[i]!;
      if (k >= 0) counts[k + 1]!++;
    }
    for (let k = 0; k < keyCount; k++) counts[k + 1]! += counts[k]!;
    this.offset = counts.slice();
    const fill = counts.slice();
    this.owner = new Int32Array(counts[keyCount]!);
    this.variant = new Uint8Array(counts[keyCount]!);
    for (let i = 0; i < keyOwners.length; i++) {
      const k = automaton.keyIdOfInput[i]!;
      if (k < 0) continue;
      const at = fill[k]!++;
      this.owner[at] = keyOwners[i]!.owner;
      this.variant[at] = keyOwners[i]!.variant;
    }
  }
}

interface Part {
  automaton: Automaton;
  table: KeyTable;
  /** per key: bit0 Latin/digit first char, bit1 Latin/digit last char, bit2 contains Latin/digit */
  keyFlags: Uint8Array;
}

export class TermMatcher {
  /**
   * Keeps the term strings (shared with the caller's, not copied) and one byte of flags per term rather than the
   * MatcherTerm objects: a 100k-term matcher must not hold 100k objects.
   */
  private constructor(
    private readonly termText: readonly string[],
    private readonly segmentOnly: Uint8Array,
    private readonly parts: Part[],
    /** Run lengths of terms with doubled characters (few), by term index. */
    private readonly termRuns: ReadonlyMap<number, number[]>,
    /** Whitelist words as the exact comparison reads them (folded, noise and repeats kept), by whitelist index. */
    private readonly whiteExact: readonly string[],
    private readonly options: TermMatcherOptions,
  ) {}

  /** The automaton's fold table (identity when it folds nothing), looked up once. */
  private foldTable: Uint16Array | undefined;

  /** Scratch space for each part's hits, reused by every call (match is synchronous and never re-entered). */
  private scratch: Hits[] | null = null;

  /** Number of terms the matcher was built with. */
  get termCount(): number {
    return this.termText.length;
  }

  /** The term string of term index `i`. */
  term(i: number): string {
    return this.termText[i]!;
  }

  /** Builds a matcher for `terms`, with `whitelist` words that suppress hits lying inside them. */
  static build(terms: readonly MatcherTerm[], whitelist: readonly string[] = [], options: TermMatcherOptions = {}): TermMatcher {
    const base = options.automaton ?? DEFAULT_AUTOMATON_OPTIONS;
    const exactOptions: AutomatonOptions = { ...base, noise: false, collapseRepeats: false };
    const phrase = options.phraseVariants ?? base.fold === 'full';

    let twp: string[] | undefined;
    if (phrase) {
      // One OpenCC call over all terms joined by line breaks (per-term calls are ~20x slower).
      const joined = terms.map((t) => t.term.replace(/\n/g, ' ')).join('\n');
      twp = traditionalPhraseVariant(joined).split('\n');
      if (twp.length !== terms.length) twp = undefined;
    }

    const keysLoose: string[] = [];
    const ownersLoose: KeyOwner[] = [];
    const keysExact: string[] = [];
    const ownersExact: KeyOwner[] = [];
    const termRuns = new Map<number, number[]>();
    const termText: string[] = new Array<string>(terms.length);
    const segmentOnly = new Uint8Array(terms.length);
    // Keys are read through the same view as the text (confusables.ts): 𝐕𝐏𝐍 in a term is vpn, as in a draft.
    const viewed = base.fold === 'none' ? (k: string) => k : (k: string) => foldView(k).text;
    terms.forEach((t, i) => {
      termText[i] = t.term;
      if (t.segment) segmentOnly[i] = 1;
      const exact = t.exact === true || (!base.noise && !base.collapseRepeats);
      const keys = exact ? keysExact : keysLoose;
      const owners = exact ? ownersExact : ownersLoose;
      keys.push(viewed(t.term));
      owners.push({ owner: i, variant: 0 });
      const alt = twp?.[i];
      if (alt !== undefined && alt !== t.term && alt.length === t.term.length) {
        keys.push(viewed(alt));
        owners.push({ owner: i, variant: 1 });
      }
      if (t.pinyin) {
        for (const v of pinyinVariants(t.term)) {
          keys.push(viewed(v));
          owners.push({ owner: i, variant: 2 });
        }
      }
      if (!exact && base.collapseRepeats) {
        const r = runs(Automaton.normalizeKey(viewed(t.term), { ...base, collapseRepeats: false }));
        if (r.some((n) => n > 1)) termRuns.set(i, r);
      }
    });
    // Whitelist words match exactly after folding: noise skipping or repeat collapsing must never stretch a
    // whitelisted word over a blocked one (百家乐·园 is not 百家乐园; 三·黄片 is not 三黄片).
    // They ride in the loose automaton (one scan for all) and each hit is verified against the exact spelling.
    const whiteExact: string[] = [];
    whitelist.forEach((w, wi) => {
      const k = viewed(w);
      whiteExact.push(Automaton.normalizeKey(k, exactOptions));
      keysLoose.push(k);
      ownersLoose.push({ owner: WHITELIST - wi, variant: 0 });
      if (keysExact.length > 0) {
        keysExact.push(k);
        ownersExact.push({ owner: WHITELIST - wi, variant: 0 });
      }
    });

    const parts: Part[] = [];
    const makePart = (keys: string[], owners: KeyOwner[], opts: AutomatonOptions) => {
      if (keys.length === 0) return;
      const automaton = Automaton.build(keys, opts);
      const keyFlags = new Uint8Array(automaton.keyCount);
      for (let id = 0; id < automaton.keyCount; id++) {
        const k = automaton.key(id);
        let f = 0;
        if (isAsciiAlnum(k.charCodeAt(0))) f |= 1;
        if (isAsciiAlnum(k.charCodeAt(k.length - 1))) f |= 2;
        if (/[0-9a-z]/.test(k)) f |= 4;
        keyFlags[id] = f;
      }
      parts.push({ automaton, table: new KeyTable(automaton, owners), keyFlags });
    };
    makePart(keysLoose, ownersLoose, base.noise || base.collapseRepeats ? base : exactOptions);
    makePart(keysExact, ownersExact, exactOptions);
    return new TermMatcher(termText, segmentOnly, parts, termRuns, whiteExact, options);
  }

  /** Total typed-array bytes of the automata (for the benchmark). */
  byteSize(): number {
    return this.parts.reduce((n, p) => n + p.automaton.byteSize() + p.table.owner.byteLength * 2 + p.table.offset.byteLength, 0);
  }

  stateCount(): number {
    return this.parts.reduce((n, p) => n + p.automaton.stateCount, 0);
  }

  /** Raw automaton scan without post-filtering (benchmark: the pure matcher throughput). */
  scanRaw(text: string): number {
    let n = 0;
    for (const p of this.parts) n += p.automaton.scan(text).count;
    return n;
  }

  /**
   * All accepted hits in `text`, sorted by start, then end, then term index. Offsets index `text` itself: the
   * matching runs on its folded view (text/fold.ts `foldView`) and every hit is mapped back.
   */
  match(text: string): TermHit[] {
    const base = this.options.automaton ?? DEFAULT_AUTOMATON_OPTIONS;
    const view: FoldedView = base.fold === 'none' ? { original: text, text, start: null, end: null } : foldView(text);
    const vt = view.text;
    const width = getWidthTable();
    // Pass 1: scan every part and gather the whitelisted spans, so that pass 2 drops the hits inside them before
    // building anything for them.
    const white: Array<[number, number]> = [];
    const scratch = (this.scratch ??= this.parts.map(() => new Hits(256)));
    this.parts.forEach((part, p) => {
      const hits = scratch[p]!;
      hits.count = 0;
      part.automaton.scan(vt, hits);
      const { offset, owner } = part.table;
      for (let h = 0; h < hits.count; h++) {
        const key = hits.key[h]!;
        for (let o = offset[key]!; o < offset[key + 1]!; o++) {
          const who = owner[o]!;
          if (who > WHITELIST) continue;
          const span = this.exactWhite(vt, hits.start[h]!, hits.end[h]!, WHITELIST - who);
          if (span) white.push(span);
        }
      }
    });
    const whitelisted = containedIn(white);
    const kept: TermHit[] = [];
    this.parts.forEach((part, p) => {
      const hits = scratch[p]!;
      const { offset, owner, variant } = part.table;
      for (let h = 0; h < hits.count; h++) {
        const key = hits.key[h]!;
        const kf = part.keyFlags[key]!;
        const brokenWord = (kf & 4) !== 0 && hits.end[h]! - hits.start[h]! > part.automaton.keyLength(key) && /[0-9a-z]\s+[0-9a-z]/i.test(vt.slice(hits.start[h]!, hits.end[h]!));
        for (let o = offset[key]!; o < offset[key + 1]!; o++) {
          const who = owner[o]!;
          if (who <= WHITELIST) continue;
          const v = variant[o]!;
          if (brokenWord && v !== 2) continue;
          let start = hits.start[h]!;
          let end = hits.end[h]!;
          const runsNeeded = this.termRuns.get(who);
          if (runsNeeded && v !== 2) {
            // The whole doubled runs belong to the hit (a doubled last character too: abb, 哈哈, kill).
            const span = this.spanOfRuns(vt, start, end, runsNeeded);
            if (!span) continue;
            [start, end] = span;
          }
          if (whitelisted(start, end)) continue;
          // Latin/digit edges must sit on word boundaries.
          if ((kf & 1) !== 0 && start > 0 && isAsciiAlnum(width[vt.charCodeAt(start - 1)]!)) continue;
          if ((kf & 2) !== 0 && end < vt.length && isAsciiAlnum(width[vt.charCodeAt(end)]!)) continue;
          if (this.segmentOnly[who] === 1 && !this.onTokenBoundaries(vt, start, end)) continue;
          const [os, oe] = toOriginal(view, start, end);
          let kind = VARIANT_CODES[v]!;
          if (kind === 'exact' && !spells(text, os, oe, this.termText[who]!)) kind = 'folded';
          kept.push({ term: who, start: os, end: oe, variant: kind });
        }
      }
    });
    kept.sort((a, b) => a.start - b.start || a.end - b.end || a.term - b.term);
    // The same term over the same span can come from two keys (its spelling and a variant): keep the first.
    const out: TermHit[] = [];
    for (const c of kept) {
      const last = out[out.length - 1];
      if (last && last.start === c.start && last.end === c.end && last.term === c.term) continue;
      out.push(c);
    }
    return out;
  }

  /**
   * Where whitelist word `wi` is spelt exactly (after folding) over the loose hit [hitStart, hitEnd): the loose
   * scan skips noise and collapses repeats, so the word must be found again letter for letter at a position that
   * covers the hit. At most `length` positions of `length` comparisons each; whitelist words are short.
   */
  private exactWhite(text: string, hitStart: number, hitEnd: number, wi: number): [number, number] | null {
    const word = this.whiteExact[wi]!;
    const len = word.length;
    const fold = getFoldTable((this.options.automaton ?? DEFAULT_AUTOMATON_OPTIONS).fold);
    for (let p = Math.max(0, hitEnd - len); p <= hitStart && p + len <= text.length; p++) {
      let k = 0;
      while (k < len && (fold ? fold[text.charCodeAt(p + k)]! : text.charCodeAt(p + k)) === word.charCodeAt(k)) k++;
      if (k === len) return [p, p + len];
    }
    return null;
  }

  /**
   * The span of a hit of a term with doubled characters, widened to its whole first and last runs, or null when
   * the text lacks the doubled characters. The scan reports a collapsed key from the last character of its first
   * run to the first character of its last run; a doubled last character (abb, 哈哈, kill) lies after that end.
   */
  private spanOfRuns(text: string, hitStart: number, hitEnd: number, needed: number[]): [number, number] | null {
    const base = this.options.automaton ?? DEFAULT_AUTOMATON_OPTIONS;
    const fold = (this.foldTable ??= getFoldTable(base.fold) ?? IDENTITY);
    const noise = base.noise ? getNoiseMask() : NO_NOISE;
    const first = fold[text.charCodeAt(hitStart)]!;
    let start = hitStart;
    while (start > 0 && fold[text.charCodeAt(start - 1)]! === first) start--;
    let end = hitEnd;
    if (needed[needed.length - 1]! > 1) {
      // Repeats of the last character, across noise the scan would skip (哈*哈) but never more than maxGap of it.
      const last = fold[text.charCodeAt(hitEnd - 1)]!;
      for (let j = hitEnd, gap = 0; j < text.length; j++) {
        const u = fold[text.charCodeAt(j)]!;
        if (u === last) {
          end = j + 1;
          gap = 0;
        } else if (noise[u] === 2) continue;
        else if (noise[u] === 1 && ++gap <= base.maxGap) continue;
        else break;
      }
    }
    // Runs of the span (noise skipped) against the runs the term needs, without building strings.
    let k = -1;
    let prev = -1;
    let run = 0;
    for (let j = start; j < end; j++) {
      const u = fold[text.charCodeAt(j)]!;
      if (noise[u] !== 0) continue;
      if (u === prev) {
        run++;
        continue;
      }
      if (k >= 0 && run < needed[k]!) return null;
      k++;
      prev = u;
      run = 1;
    }
    if (k < 0 || k !== needed.length - 1 || run < needed[k]!) return null;
    return [start, end];
  }

  private onTokenBoundaries(text: string, start: number, end: number): boolean {
    const getSegmenter = this.options.segmenter;
    if (!getSegmenter) return true;
    const span = this.options.segmentWindow ?? 8;
    let ws = start;
    while (ws > 0 && start - ws < span && !SENTENCE_BREAK.test(text[ws - 1]!)) ws--;
    let we = end;
    while (we < text.length && we - end < span && !SENTENCE_BREAK.test(text[we]!)) we++;
    const bounds = tokenBoundaries(getSegmenter(), text.slice(ws, we));
    if (!bounds) return true;
    return bounds.has(start - ws) && bounds.has(end - ws);
  }
}

export { DEFAULT_AUTOMATON_OPTIONS, EXACT_AUTOMATON_OPTIONS };

/** Whether text[start, end) is exactly `term`, without copying the slice. */
function spells(text: string, start: number, end: number, term: string): boolean {
  if (end - start !== term.length) return false;
  for (let i = 0; i < term.length; i++) if (text.charCodeAt(start + i) !== term.charCodeAt(i)) return false;
  return true;
}

/**
 * Whether [start, end) lies inside one of `spans`: sorted by start with a running maximum end, one binary search
 * per question (testing every span for every candidate was quadratic on texts full of whitelisted words).
 */
function containedIn(spans: Array<[number, number]>): (start: number, end: number) => boolean {
  if (spans.length === 0) return () => false;
  spans.sort((a, b) => a[0] - b[0]);
  const maxEnd = new Int32Array(spans.length);
  for (let i = 0, m = -1; i < spans.length; i++) maxEnd[i] = m = Math.max(m, spans[i]![1]);
  return (start, end) => {
    // Last span starting at or before `start`; the furthest end among it and those before it.
    let lo = 0;
    let hi = spans.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (spans[mid]![0] <= start) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 && maxEnd[lo - 1]! >= end;
  };
}
