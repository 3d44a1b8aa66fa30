import type { Finding } from '../../domain/findings';
import type { CooccurrenceRule, Dictionaries } from '../dictionary/dictionary';
import { makeFinding, type CheckEnv, type CheckFn } from './common';
import { compileTermLists } from './term-lists';

export const SENSITIVE_CHECK = 'sensitive';

/**
 * Sensitive words: every category file under dictionaries/sensitive (politics, porn, violence, religion,
 * gambling, drugs, rumour, school-name misuse, and any an admin adds), plus co-occurrence rules (A and B within
 * N characters). Noise skipping, width/case/traditional folding, pinyin for marked terms, whitelist first.
 */
export function createSensitiveCheck(dicts: Dictionaries, env: CheckEnv): CheckFn {
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
    const findings: Finding[] = entries.map((h) => {
      const e = h.entry;
      const label = compiled.labels.get(e.category) ?? e.category;
      return makeFinding(SENSITIVE_CHECK, p, env, {
        category: e.category,
        severity: e.severity,
        start: h.start,
        end: h.end,
        ruleId: `sensitive:${e.category}:${e.term}`,
        message: `敏感词「${e.term}」（${label}）${e.note ? `：${e.note}` : ''}`,
        evidence: { term: e.term, variant: h.variant, list: `${e.file}:${e.line}` },
      });
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
        makeFinding(SENSITIVE_CHECK, p, env, {
          category: rule.category,
          severity: rule.severity,
          start,
          end,
          ruleId: `cooccurrence:${rule.id}`,
          message: `「${termA}」与「${termB}」在${rule.window}字内同时出现${rule.note ? `：${rule.note}` : ''}`,
          evidence: { rule: rule.id, terms: [termA, termB], spans: [[x.start, x.end], [y.start, y.end]], list: `${rule.file}:${rule.line}` },
        }),
      );
    }
    return findings;
  };
}

function closestPair<T extends { start: number; end: number }>(as: T[], bs: T[], rule: CooccurrenceRule): [T, T] | undefined {
  let best: [T, T] | undefined;
  let bestDistance = Infinity;
  for (const x of as) {
    for (const y of bs) {
      if (x.start === y.start && x.end === y.end) continue;
      const distance = Math.max(0, Math.max(x.start, y.start) - Math.min(x.end, y.end));
      if (distance <= rule.window && distance < bestDistance) {
        best = [x, y];
        bestDistance = distance;
      }
    }
  }
  return best;
}
