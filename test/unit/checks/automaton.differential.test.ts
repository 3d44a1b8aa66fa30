import fc from 'fast-check';
import { Automaton, EXACT_AUTOMATON_OPTIONS, type AutomatonOptions } from '../../../src/checks/matcher/automaton';
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

const dictAndText = fc
  .constantFrom(...ALPHABETS)
  .chain((alphabet) =>
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
        const m = TermMatcher.build(terms.map((term) => ({ term })), [], { automaton: EXACT_AUTOMATON_OPTIONS, phraseVariants: false });
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
    expect(TermMatcher.build([{ term: 'ab' }, { term: 'abb' }], []).match('ab').map((h) => h.term)).toEqual([0]);
  });
});
