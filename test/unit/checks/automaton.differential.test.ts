import fc from 'fast-check';
import { Automaton, EXACT_AUTOMATON_OPTIONS, type AutomatonOptions } from '../../../src/checks/matcher/automaton';
import { DEFAULT_AUTOMATON_OPTIONS } from '../../../src/checks/matcher/automaton';
import { TermMatcher } from '../../../src/checks/matcher/term-matcher';

/** Every occurrence of every term, the obvious way: indexOf per term. Sorted "start:end:term". */
function naive(terms: readonly string[], text: string): string[] {
  const out = new Set<string>();
  for (const t of terms) {
    if (t.length === 0) continue;
    for (let i = text.indexOf(t); i >= 0; i = text.indexOf(t, i + 1)) out.add(`${i}:${i + t.length}:${t}`);
  }
  return [...out].sort();
}

function viaAutomaton(terms: readonly string[], text: string, options: AutomatonOptions = EXACT_AUTOMATON_OPTIONS): string[] {
  const a = Automaton.build(terms, options);
  const hits = a.scan(text);
  const out = new Set<string>();
  for (let h = 0; h < hits.count; h++) out.add(`${hits.start[h]}:${hits.end[h]}:${a.key(hits.key[h]!)}`);
  return [...out].sort();
}

/** Reference for noise skipping: from each start, match term characters skipping at most `maxGap` noise in a row. */
function naiveWithNoise(terms: readonly string[], text: string, noise: string, maxGap: number): string[] {
  const out = new Set<string>();
  for (const t of terms) {
    const key = [...t].filter((c) => !noise.includes(c)).join('');
    if (key.length === 0) continue;
    for (let i = 0; i < text.length; i++) {
      if (text[i] !== key[0]) continue;
      let p = i + 1;
      let k = 1;
      while (k < key.length) {
        let gap = 0;
        while (p < text.length && noise.includes(text[p]!) && gap < maxGap + 1) {
          p++;
          gap++;
        }
        if (gap > maxGap || text[p] !== key[k]) break;
        p++;
        k++;
      }
      if (k === key.length) out.add(`${i}:${p}:${key}`);
    }
  }
  return [...out].sort();
}

const ALPHABETS = ['ab', 'abc', '法轮功大', 'aab', '重大。法规'];

const dictAndText = fc.constantFrom(...ALPHABETS).chain((alphabet) =>
  fc.record({
    terms: fc.array(fc.string({ unit: fc.constantFrom(...alphabet), minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 8 }),
    text: fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 40 }),
  }),
);

describe('Aho-Corasick automaton vs indexOf per term', () => {
  it('finds exactly the same occurrences on 10,000 random dictionaries × texts', () => {
    fc.assert(
      fc.property(dictAndText, ({ terms, text }) => {
        expect(viaAutomaton(terms, text)).toEqual(naive(terms, text));
      }),
      { numRuns: 10_000, seed: 20250611 },
    );
  });

  // Latin/digit terms deliberately differ (word boundaries), so this one runs over CJK alphabets.
  it('TermMatcher with folding and noise off agrees too (term index, start, end)', () => {
    const cjk = (s: string) => s.replace(/a/g, '甲').replace(/b/g, '乙').replace(/c/g, '丙');
    fc.assert(
      fc.property(dictAndText, (input) => {
        const terms = input.terms.map(cjk);
        const text = cjk(input.text);
        const m = TermMatcher.build(
          terms.map((term) => ({ term })),
          [],
          { automaton: EXACT_AUTOMATON_OPTIONS, phraseVariants: false },
        );
        const got = [...new Set(m.match(text).map((h) => `${h.start}:${h.end}:${terms[h.term]}`))].sort();
        expect(got).toEqual(naive(terms, text));
      }),
      { numRuns: 2_000, seed: 7 },
    );
  });

  it('noise skipping agrees with a naive gap-bounded reference', () => {
    const noise = '*-';
    const options: AutomatonOptions = { fold: 'none', noise: true, maxGap: 2, collapseRepeats: false };
    fc.assert(
      fc.property(
        fc.record({
          terms: fc.array(fc.string({ unit: fc.constantFrom('a', 'b', 'c'), minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 }),
          text: fc.string({ unit: fc.constantFrom('a', 'b', 'c', '*', '-', '。'), maxLength: 40 }),
        }),
        ({ terms, text }) => {
          expect(viaAutomaton(terms, text, options)).toEqual(naiveWithNoise(terms, text, noise, 2));
        },
      ),
      { numRuns: 3_000, seed: 11 },
    );
  });

  // The sensitive-word-tool failures quoted in the issue.
  it.each([
    { terms: ['大法'], text: '重大。法规', expected: [] },
    { terms: ['ab', 'abb'], text: 'ab', expected: ['0:2:ab'] },
    { terms: ['功法法'], text: '功法', expected: [] },
    { terms: ['法轮功', '轮'], text: '他练法轮', expected: ['3:4:轮'] },
  ])('repro: $terms on $text', ({ terms, text, expected }) => {
    expect(viaAutomaton(terms, text)).toEqual(expected);
    expect(naive(terms, text)).toEqual(expected);
  });

  it('repro cases hold with the production options too (noise, folding, collapsing)', () => {
    const prod = TermMatcher.build([{ term: '大法' }], []);
    expect(prod.match('重大。法规')).toEqual([]);
    expect(prod.match('重大，法规')).toEqual([]);
    expect(prod.match('重大\n法规')).toEqual([]);
    const m = TermMatcher.build([{ term: '法轮功' }, { term: '轮' }], []);
    expect(m.match('他练法轮').map((h) => [h.term, h.start, h.end])).toEqual([[1, 3, 4]]);
    expect(TermMatcher.build([{ term: '功法法' }], []).match('功法')).toEqual([]);
    expect(
      TermMatcher.build([{ term: 'ab' }, { term: 'abb' }], [])
        .match('ab')
        .map((h) => h.term),
    ).toEqual([0]);
  });
});

/**
 * Reference for repeat collapsing (the production matcher): a term matches where the text, read as runs of equal
 * characters, has the term's runs in order, the inner runs exactly as the term's characters and each run at least
 * as long as the term's. A term without doubled characters is reported from the last character of its first run to
 * the first character of its last run (spans start as late as possible); a term with doubled characters covers its
 * whole first and last runs.
 */
function naiveCollapsed(terms: readonly string[], text: string): string[] {
  const rle = (s: string) => {
    const out: Array<{ c: string; n: number; at: number }> = [];
    for (let i = 0; i < s.length; i++) {
      const last = out[out.length - 1];
      if (last && last.c === s[i]) last.n++;
      else out.push({ c: s[i]!, n: 1, at: i });
    }
    return out;
  };
  const runs = rle(text);
  const out = new Set<string>();
  terms.forEach((t, ti) => {
    const want = rle(t);
    const doubled = want.some((r) => r.n > 1);
    for (let i = 0; i + want.length <= runs.length; i++) {
      const window = runs.slice(i, i + want.length);
      if (!window.every((r, k) => r.c === want[k]!.c && r.n >= want[k]!.n)) continue;
      const first = window[0]!;
      const last = window[window.length - 1]!;
      let start: number;
      let end: number;
      if (doubled) {
        start = first.at;
        end = want[want.length - 1]!.n > 1 ? last.at + last.n : last.at + 1;
      } else {
        start = want.length === 1 ? first.at : first.at + first.n - 1;
        end = last.at + 1;
      }
      out.add(`${start}:${end}:${ti}`);
    }
  });
  return [...out].sort();
}

describe('repeat collapsing vs a run-length reference, doubled endings included (abb, 哈哈, kill)', () => {
  const CJK = ['甲乙', '甲乙丙', '哈嘿', '法轮功'];
  const collapsing = { ...DEFAULT_AUTOMATON_OPTIONS, noise: false };
  const withDoubledEndings = fc.constantFrom(...CJK).chain((alphabet) =>
    fc.record({
      terms: fc.array(
        fc.tuple(fc.string({ unit: fc.constantFrom(...alphabet), minLength: 1, maxLength: 4 }), fc.boolean()).map(([t, double]) => (double ? t + t[t.length - 1]! : t)),
        { minLength: 1, maxLength: 6 },
      ),
      text: fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 40 }),
    }),
  );

  it('agrees on 3,000 random dictionaries × texts, half the terms ending in a doubled character', () => {
    fc.assert(
      fc.property(withDoubledEndings, ({ terms, text }) => {
        const unique = [...new Set(terms)];
        const m = TermMatcher.build(
          unique.map((term) => ({ term })),
          [],
          { automaton: collapsing, phraseVariants: false },
        );
        const got = m
          .match(text)
          .map((h) => `${h.start}:${h.end}:${h.term}`)
          .sort();
        expect(got).toEqual(naiveCollapsed(unique, text));
      }),
      { numRuns: 3_000, seed: 20261204 },
    );
  });

  it.each([
    ['abb', 'abb', ['0:3']],
    ['abb', ' abbb ', ['1:5']],
    ['abb', 'xabbbx', []],
    ['abb', 'ab', []],
    ['哈哈', '哈哈', ['0:2']],
    ['哈哈', '哈', []],
    ['哈哈', '他哈哈哈笑', ['1:4']],
    ['kill', 'kill', ['0:4']],
    ['kill', 'kil', []],
    ['kill', 'skill', []],
    ['kill', 'killer', []],
    ['kill', 'kiiill!', ['0:6']],
  ])('production options: %s in %s', (term, text, spans) => {
    const m = TermMatcher.build([{ term }], []);
    expect(m.match(text).map((h) => `${h.start}:${h.end}`)).toEqual(spans);
  });
});
