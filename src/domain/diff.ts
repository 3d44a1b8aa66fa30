import { canonicalJson, type RevisionContent } from './content';

/**
 * One contiguous change in a text field: `removed` at [start, start + removed.length) of the older text became
 * `inserted` at [at, at + inserted.length) of the newer one. (Diffs stored before `at` existed lack it.)
 */
export interface TextChange {
  field: 'title' | 'body';
  start: number;
  at: number;
  removed: string;
  inserted: string;
}

export interface ContentDiff {
  changes: TextChange[];
  /** Non-text parts (format, origin, assets) that changed. */
  changedFields: string[];
}

export interface DiffOptions {
  /**
   * Work allowed for one text (comparison steps of the O((N+M)·D) alignment, summed over all levels). When it
   * runs out, the hunks not yet aligned are reported whole: still exact, only coarser.
   */
  budget?: number;
}

/** Tens of milliseconds at most on this machine; ample for any ordinary edit of a 100k-character text. */
const DEFAULT_BUDGET = 2_000_000;

/** Equal text shorter than this between two changes is folded into one change (no one-character confetti). */
const MERGE_GAP = 1;

interface Budget {
  left: number;
}

/** A change in offsets of the two texts being compared: a[aStart, aEnd) became b[bStart, bEnd). */
interface Hunk {
  aStart: number;
  aEnd: number;
  bStart: number;
  bEnd: number;
}

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/**
 * Equal runs [i, j) that Myers' greedy algorithm finds between token arrays a and b, or null when the budget
 * runs out first. Keeps one slice of the frontier per edit step (O(D²) memory, bounded by the budget too).
 */
function myers(a: Int32Array, b: Int32Array, budget: Budget): Array<[number, number, number]> | null {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  outer: for (let d = 0; d <= max; d++) {
    // The frontier as it stood before step d: what backtracking needs to find where each path came from.
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    budget.left -= 2 * d + 3;
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      const x0 = x;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      budget.left -= 1 + (x - x0);
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break outer;
      }
    }
    if (budget.left < 0) return null;
  }
  if (found < 0) return null;

  const runs: Array<[number, number, number]> = [];
  let x = n;
  let y = m;
  for (let d = found; d >= 0; d--) {
    const snap = trace[d]!;
    const at = (k: number) => snap[k + d + 1]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : at(prevK);
    const prevY = d === 0 ? 0 : prevX - prevK;
    // The diagonal after the edit of step d; at step 0 it starts at the origin.
    const startX = d === 0 ? 0 : prevK === k + 1 ? prevX : prevX + 1;
    if (x > startX) runs.push([startX, startX - k, x - startX]);
    x = prevX;
    y = prevY;
  }
  return runs.reverse();
}

/** The hunks between the equal runs of an alignment of n and m tokens. */
function gaps(runs: ReadonlyArray<readonly [number, number, number]>, n: number, m: number): Hunk[] {
  const out: Hunk[] = [];
  let i = 0;
  let j = 0;
  for (const [ri, rj, len] of [...runs, [n, m, 0] as const]) {
    if (ri > i || rj > j) out.push({ aStart: i, aEnd: ri, bStart: j, bEnd: rj });
    i = ri + len;
    j = rj + len;
  }
  return out;
}

type Splitter = (s: string) => string[];

const byLine: Splitter = (s) => s.match(/[^\n]*\n|[^\n]+/g) ?? [];
/** Sentences and tags: the natural units of Chinese prose and of HTML written on one line. */
const bySentence: Splitter = (s) => s.match(/[^。！？；!?;>\n]*[。！？；!?;>\n]+|[^。！？；!?;>\n]+/g) ?? [];

/** Code points of s with their code-unit offsets, so no change ever splits a surrogate pair. */
function codePoints(s: string): { tokens: Int32Array; offsets: Int32Array } {
  const tokens = new Int32Array(s.length);
  const offsets = new Int32Array(s.length + 1);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    offsets[n] = i;
    if (isHigh(c) && i + 1 < s.length && isLow(s.charCodeAt(i + 1))) {
      tokens[n++] = s.codePointAt(i)!;
      i++;
    } else tokens[n++] = c;
  }
  offsets[n] = s.length;
  return { tokens: tokens.subarray(0, n), offsets: offsets.subarray(0, n + 1) };
}

function tokenize(parts: string[], ids: Map<string, number>): { tokens: Int32Array; offsets: Int32Array } {
  const tokens = new Int32Array(parts.length);
  const offsets = new Int32Array(parts.length + 1);
  let at = 0;
  parts.forEach((p, i) => {
    let id = ids.get(p);
    if (id === undefined) {
      id = ids.size;
      ids.set(p, id);
    }
    tokens[i] = id;
    offsets[i] = at;
    at += p.length;
  });
  offsets[parts.length] = at;
  return { tokens, offsets };
}

const LEVELS: ReadonlyArray<Splitter | null> = [byLine, bySentence, null];

/**
 * Aligns a and b at one level (lines, then sentences, then code points) and refines every changed hunk at the
 * next level. Offsets in `out` are relative to the whole texts (aBase, bBase).
 */
function align(a: string, b: string, aBase: number, bBase: number, level: number, budget: Budget, out: Hunk[]): void {
  if (a.length === 0 || b.length === 0) {
    out.push({ aStart: aBase, aEnd: aBase + a.length, bStart: bBase, bEnd: bBase + b.length });
    return;
  }
  const split = LEVELS[level];
  let A: { tokens: Int32Array; offsets: Int32Array };
  let B: { tokens: Int32Array; offsets: Int32Array };
  if (split) {
    const ids = new Map<string, number>();
    A = tokenize(split(a), ids);
    B = tokenize(split(b), ids);
    // One token on either side: this level cannot tell anything apart, go finer straight away.
    if (A.tokens.length === 1 || B.tokens.length === 1) {
      align(a, b, aBase, bBase, level + 1, budget, out);
      return;
    }
  } else {
    A = codePoints(a);
    B = codePoints(b);
  }
  const runs = budget.left > 0 ? myers(A.tokens, B.tokens, budget) : null;
  if (!runs) {
    out.push({ aStart: aBase, aEnd: aBase + a.length, bStart: bBase, bEnd: bBase + b.length });
    return;
  }
  for (const g of gaps(runs, A.tokens.length, B.tokens.length)) {
    const as = A.offsets[g.aStart]!;
    const ae = A.offsets[g.aEnd]!;
    const bs = B.offsets[g.bStart]!;
    const be = B.offsets[g.bEnd]!;
    if (split && ae > as && be > bs) align(a.slice(as, ae), b.slice(bs, be), aBase + as, bBase + bs, level + 1, budget, out);
    else out.push({ aStart: aBase + as, aEnd: aBase + ae, bStart: bBase + bs, bEnd: bBase + be });
  }
}

/**
 * The changes that turn `before` into `after`, as a line-then-sentence-then-character diff: exact (applying the
 * changes to `before` gives `after`), never splitting a surrogate pair, and bounded in time and memory on
 * 100k-character texts by the work budget (a rewrite beyond it is reported as fewer, larger changes).
 */
export function diffText(field: TextChange['field'], before: string, after: string, options: DiffOptions = {}): TextChange[] {
  if (before === after) return [];
  // Common prefix and suffix first (whole lines): linear, and most edits are small.
  const max = Math.min(before.length, after.length);
  let start = 0;
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let endBefore = before.length;
  let endAfter = after.length;
  while (endBefore > start && endAfter > start && before.charCodeAt(endBefore - 1) === after.charCodeAt(endAfter - 1)) {
    endBefore--;
    endAfter--;
  }
  // Back off to line boundaries, so an added line is reported as that line rather than shifted by the
  // characters it happens to share with its neighbour ("。\n第四段" instead of "第四段。\n").
  while (start > 0 && before.charCodeAt(start - 1) !== 0x0a) start--;
  while (endBefore < before.length && before.charCodeAt(endBefore - 1) !== 0x0a) {
    endBefore++;
    endAfter++;
  }
  const hunks: Hunk[] = [];
  align(before.slice(start, endBefore), after.slice(start, endAfter), start, start, 0, { left: options.budget ?? DEFAULT_BUDGET }, hunks);

  // Adjacent or nearly adjacent hunks read better as one change.
  const merged: Hunk[] = [];
  for (const h of hunks) {
    if (h.aEnd === h.aStart && h.bEnd === h.bStart) continue;
    const last = merged[merged.length - 1];
    if (last && h.aStart - last.aEnd <= MERGE_GAP && h.aStart - last.aEnd === h.bStart - last.bEnd) {
      last.aEnd = h.aEnd;
      last.bEnd = h.bEnd;
    } else merged.push({ ...h });
  }
  return merged.map((h) => ({ field, start: h.aStart, at: h.bStart, removed: before.slice(h.aStart, h.aEnd), inserted: after.slice(h.bStart, h.bEnd) }));
}

/** Applies changes made by diffText to the text they were computed from. */
export function applyChanges(before: string, changes: readonly Pick<TextChange, 'start' | 'removed' | 'inserted'>[]): string {
  let out = '';
  let at = 0;
  for (const c of changes) {
    out += before.slice(at, c.start) + c.inserted;
    at = c.start + c.removed.length;
  }
  return out + before.slice(at);
}

/** The changes between two revisions' contents: title and body as text diffs, other parts by name. */
export function diffContent(before: RevisionContent, after: RevisionContent, options: DiffOptions = {}): ContentDiff {
  const changes = [...diffText('title', before.title, after.title, options), ...diffText('body', before.body, after.body, options)];
  const changedFields = (['format', 'origin', 'assets'] as const).filter((k) => canonicalJson(before[k]) !== canonicalJson(after[k]));
  return { changes, changedFields };
}

/** What a finding is across revisions: the same check and rule matching the same text (offsets move). */
export interface ComparableFinding {
  checkId: string;
  ruleId: string;
  matched: string;
  waived: boolean;
}

export interface FindingComparison<F> {
  /** In `from`, gone from `to`. */
  fixed: F[];
  /** Still in `to`, with a waiver there. */
  waived: F[];
  /** In `to`, not in `from`. */
  introduced: F[];
  /** Still in `to`, not waived. */
  remaining: F[];
}

/**
 * Pairs the findings of two revisions by check, rule and matched text (as multisets: two occurrences before and
 * one after means one was fixed). Within a key, occurrences pair up in document order.
 */
export function compareFindings<F extends ComparableFinding>(from: readonly F[], to: readonly F[]): FindingComparison<F> {
  const key = (f: F) => `${f.checkId}\u0000${f.ruleId}\u0000${f.matched}`;
  const pending = new Map<string, F[]>();
  for (const f of from) {
    const list = pending.get(key(f));
    if (list) list.push(f);
    else pending.set(key(f), [f]);
  }
  const out: FindingComparison<F> = { fixed: [], waived: [], introduced: [], remaining: [] };
  for (const f of to) {
    const earlier = pending.get(key(f));
    if (earlier && earlier.length > 0) {
      earlier.shift();
      (f.waived ? out.waived : out.remaining).push(f);
    } else out.introduced.push(f);
  }
  for (const list of pending.values()) out.fixed.push(...list);
  return out;
}
