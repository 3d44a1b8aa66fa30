import { pinyin } from 'pinyin-pro';
import { getWidthTable, isAsciiAlnum, isCjk, traditionalPhraseVariant } from '../text/fold';
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
    private readonly options: TermMatcherOptions,
  ) {}

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
    terms.forEach((t, i) => {
      termText[i] = t.term;
      if (t.segment) segmentOnly[i] = 1;
      const exact = t.exact === true || (!base.noise && !base.collapseRepeats);
      const keys = exact ? keysExact : keysLoose;
      const owners = exact ? ownersExact : ownersLoose;
      keys.push(t.term);
      owners.push({ owner: i, variant: 0 });
      const alt = twp?.[i];
      if (alt !== undefined && alt !== t.term && alt.length === t.term.length) {
        keys.push(alt);
        owners.push({ owner: i, variant: 1 });
      }
      if (t.pinyin) {
        for (const v of pinyinVariants(t.term)) {
          keys.push(v);
          owners.push({ owner: i, variant: 2 });
        }
      }
      if (!exact && base.collapseRepeats) {
        const r = runs(Automaton.normalizeKey(t.term, { ...base, collapseRepeats: false }));
        if (r.some((n) => n > 1)) termRuns.set(i, r);
      }
    });
    whitelist.forEach((w, wi) => {
      keysLoose.push(w);
      ownersLoose.push({ owner: WHITELIST - wi, variant: 0 });
      if (keysExact.length > 0) {
        keysExact.push(w);
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
    return new TermMatcher(termText, segmentOnly, parts, termRuns, options);
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

  /** All accepted hits in `text`, sorted by start, then end, then term index. */
  match(text: string): TermHit[] {
    const width = getWidthTable();
    // Pass 1: scan every part and gather the whitelisted spans, so that pass 2 drops the hits inside them before
    // building anything for them.
    const white: Array<[number, number]> = [];
    const scratch = (this.scratch ??= this.parts.map(() => new Hits(256)));
    this.parts.forEach((part, p) => {
      const hits = scratch[p]!;
      hits.count = 0;
      part.automaton.scan(text, hits);
      const { offset, owner } = part.table;
      for (let h = 0; h < hits.count; h++) {
        const key = hits.key[h]!;
        for (let o = offset[key]!; o < offset[key + 1]!; o++) {
          if (owner[o]! <= WHITELIST) {
            white.push([hits.start[h]!, hits.end[h]!]);
            break;
          }
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
        const start = hits.start[h]!;
        const end = hits.end[h]!;
        if (whitelisted(start, end)) continue;
        const kf = part.keyFlags[key]!;
        // Latin/digit edges must sit on word boundaries.
        if ((kf & 1) !== 0 && start > 0 && isAsciiAlnum(width[text.charCodeAt(start - 1)]!)) continue;
        if ((kf & 2) !== 0 && end < text.length && isAsciiAlnum(width[text.charCodeAt(end)]!)) continue;
        const brokenWord = (kf & 4) !== 0 && end - start > part.automaton.keyLength(key) && /[0-9a-z]\s+[0-9a-z]/i.test(text.slice(start, end));
        for (let o = offset[key]!; o < offset[key + 1]!; o++) {
          const who = owner[o]!;
          if (who <= WHITELIST) continue;
          const v = variant[o]!;
          if (brokenWord && v !== 2) continue;
          let kind = VARIANT_CODES[v]!;
          if (kind === 'exact' && !spells(text, start, end, this.termText[who]!)) kind = 'folded';
          const c: TermHit = { term: who, start, end, variant: kind };
          const runsNeeded = this.termRuns.get(who);
          if (runsNeeded) {
            const from = this.startOfRuns(text, c, runsNeeded);
            if (from < 0) continue;
            c.start = from;
            if (c.variant === 'folded' && spells(text, from, c.end, this.termText[who]!)) c.variant = 'exact';
          }
          if (this.segmentOnly[who] === 1 && !this.onTokenBoundaries(text, c.start, c.end)) continue;
          kept.push(c);
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

  /** Start of the hit including its whole first run, or -1 when the text lacks the term's doubled characters. */
  private startOfRuns(text: string, hit: TermHit, needed: number[]): number {
    const base = this.options.automaton ?? DEFAULT_AUTOMATON_OPTIONS;
    // The scan starts a span at the last character of a repeated run; count the whole run.
    let start = hit.start;
    while (start > 0 && text[start - 1] === text[hit.start]) start--;
    if (hit.variant === 'pinyin') return hit.start;
    const have = runs(Automaton.normalizeKey(text.slice(start, hit.end), { ...base, collapseRepeats: false }));
    return have.length >= needed.length && needed.every((r, k) => (have[k] ?? 0) >= r) ? start : -1;
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
