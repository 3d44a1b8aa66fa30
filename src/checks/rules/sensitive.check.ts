import type { Finding } from '../../domain/findings';
import type { CooccurrenceRule, Dictionaries } from '../dictionary/dictionary';
import { makeFinding, type CheckEnv, type CheckFn } from './common';
import { contextFloor, lowerInContext } from './context';
import { compileTermLists } from './term-lists';

export const SENSITIVE_CHECK = 'sensitive';

/** Categories whose terms are often the subject of education, history or news (lowered by context). */
const CONTEXTUAL = new Set(['drugs', 'religion', 'politics', 'gambling', 'illegal-services', 'violence-terror', 'rumour-safety']);

/**
 * Sensitive words: every category file under dictionaries/sensitive (politics, porn, violence, religion,
 * gambling, drugs, rumour, school-name misuse, and any an admin adds), plus co-occurrence rules (A and B within
 * N characters). Noise skipping, width/case/traditional folding, pinyin for marked terms, whitelist first.
 */
export function createSensitiveCheck(dicts: Dictionaries, env: CheckEnv): CheckFn {
  const inContext: typeof lowerInContext = (p, d, category) =>
    CONTEXTUAL.has(category) ? lowerInContext(p, d, category, { floor: contextFloor(env.config, category, d.severity) }) : d;
  // Co-occurrence cue words ride in the same automaton as extra terms: one scan for both.
  const cueTerms: string[] = [];
  const cueIndex = new Map<string, number>();
  const cue = (t: string) => {
    let i = cueIndex.get(t);
    if (i === undefined) {
      i = cueTerms.length;
      cueTerms.push(t);
      cueIndex.set(t, i);
    }
    return i;
  };
  const rules = dicts.cooccurrence.map((r) => ({ rule: r, a: new Set(r.termsA.map(cue)), b: new Set(r.termsB.map(cue)) }));
  const compiled = compileTermLists(dicts.sensitive, dicts.whitelist, env, {
    automaton: { fold: 'full', noise: true, maxGap: env.config.sensitive.maxGap, collapseRepeats: true },
    extraTerms: cueTerms,
  });

  return (p) => {
    const { entries, extras } = compiled.matchBoth(p.text);
    entries.push(...displayedReversed(p.text, (run) => compiled.match(run)).filter((r) => !entries.some((h) => h.start === r.start && h.end === r.end && h.term === r.term)));
    const findings: Finding[] = entries.map((h) => {
      const e = h.entry;
      const label = compiled.labels.get(e.category) ?? e.category;
      // Context, not keywords: 冰毒 in a 禁毒日 piece, 法轮功 in an anti-cult lecture is a subject, not an act.
      return makeFinding(
        SENSITIVE_CHECK,
        p,
        env,
        inContext(p, {
          category: e.category,
          severity: e.severity,
          start: h.start,
          end: h.end,
          ruleId: `sensitive:${e.category}:${e.term}`,
          message: `敏感词「${e.term}」（${label}）${e.note ? `：${e.note}` : ''}`,
          evidence: { term: e.term, variant: h.variant, list: `${e.file}:${e.line}` },
        }, e.category),
      );
    });
    for (const { rule, a, b } of rules) {
      const as = extras.filter((h) => a.has(h.extra));
      const bs = extras.filter((h) => b.has(h.extra));
      const pair = closestPair(as, bs, rule);
      if (!pair) continue;
      const [x, y] = pair;
      const start = Math.min(x.start, y.start);
      const end = Math.max(x.end, y.end);
      const termA = cueTerms[x.extra]!;
      const termB = cueTerms[y.extra]!;
      findings.push(
        makeFinding(
          SENSITIVE_CHECK,
          p,
          env,
          inContext(p, {
            category: rule.category,
            severity: rule.severity,
            start,
            end,
            ruleId: `cooccurrence:${rule.id}`,
            message: `「${termA}」与「${termB}」在${rule.window}字内同时出现${rule.note ? `：${rule.note}` : ''}`,
            evidence: { rule: rule.id, terms: [termA, termB], spans: [[x.start, x.end], [y.start, y.end]], list: `${rule.file}:${rule.line}` },
          }, rule.category),
        ),
      );
    }
    return findings;
  };
}

/** Ends a right-to-left override: pop directional formatting, left-to-right override, line and paragraph breaks. */
const OVERRIDE_ENDS = new Set(['\u202c', '\u202d', '\n', '\r', '\u2028', '\u2029']);

/**
 * Hits in text a right-to-left override (U+202E) displays backwards: "\u202e功轮法" reads 法轮功 on screen. Each
 * run, from the override to the end of its effect, is matched again in display order, and the hits are mapped
 * back to the stored text (their span covers the same characters, stored in the other order).
 */
export function displayedReversed<H extends { start: number; end: number }>(text: string, match: (run: string) => H[]): H[] {
  const out: H[] = [];
  for (let at = text.indexOf('\u202e'); at >= 0; at = text.indexOf('\u202e', at + 1)) {
    let end = at + 1;
    while (end < text.length && !OVERRIDE_ENDS.has(text[end]!)) end++;
    // Reversed by code point (a surrogate pair keeps its order); origin[k] = index in `text` of reversed unit k.
    const origin: number[] = [];
    let reversed = '';
    for (let i = end - 1; i > at; i--) {
      const low = text.charCodeAt(i);
      const pair = low >= 0xdc00 && low <= 0xdfff && i - 1 > at && text.charCodeAt(i - 1) >= 0xd800 && text.charCodeAt(i - 1) <= 0xdbff;
      const from = pair ? i - 1 : i;
      reversed += text.slice(from, i + 1);
      for (let k = from; k <= i; k++) origin.push(k);
      i = from;
    }
    for (const hit of match(reversed)) {
      let start = Infinity;
      let last = -1;
      for (let k = hit.start; k < hit.end; k++) {
        start = Math.min(start, origin[k]!);
        last = Math.max(last, origin[k]!);
      }
      out.push({ ...hit, start, end: last + 1 });
    }
    at = end - 1;
  }
  return out;
}

/**
 * The closest A/B pair within the rule's window (ties: the earliest A, then the earliest B), as the plain double
 * loop would choose it, in O((|A| + |B|) log |B|): for each A hit, the best B among those starting at or after it
 * is the first one (distance grows with the start), and among those starting before it, the first whose end
 * reaches the best prefix-maximum end. `bs` is in the matcher's order (by start).
 */
function closestPair<T extends { start: number; end: number }>(as: T[], bs: T[], rule: CooccurrenceRule): [T, T] | undefined {
  if (as.length === 0 || bs.length === 0) return undefined;
  const maxEnd = new Array<number>(bs.length);
  for (let j = 0, m = -Infinity; j < bs.length; j++) maxEnd[j] = m = Math.max(m, bs[j]!.end);
  const firstIndex = (lo: number, hi: number, ok: (j: number) => boolean) => {
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ok(mid)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  let best: [T, T] | undefined;
  let bestDistance = Infinity;
  for (const x of as) {
    const split = firstIndex(0, bs.length, (j) => bs[j]!.start >= x.start);
    let index = -1;
    let distance = Infinity;
    if (split > 0) {
      distance = Math.max(0, x.start - maxEnd[split - 1]!);
      index = firstIndex(0, split - 1, (j) => maxEnd[j]! >= x.start - distance);
    }
    let right = split;
    while (right < bs.length && bs[right]!.start === x.start && bs[right]!.end === x.end) right++;
    if (right < bs.length && Math.max(0, bs[right]!.start - x.end) < distance) {
      distance = Math.max(0, bs[right]!.start - x.end);
      index = right;
    }
    if (index >= 0 && distance <= rule.window && distance < bestDistance) {
      best = [x, bs[index]!];
      bestDistance = distance;
    }
  }
  return best;
}
