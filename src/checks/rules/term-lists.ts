import { DEFAULT_AUTOMATON_OPTIONS, type AutomatonOptions } from '../matcher/automaton';
import { TermMatcher, type MatcherTerm, type TermHit } from '../matcher/term-matcher';
import type { TermEntry, TermList, WhitelistEntry } from '../dictionary/dictionary';
import type { CheckEnv } from './common';

/** Entries of several term lists compiled into one matcher; hits come back with their entry and list. */
export interface CompiledTermLists {
  matcher: TermMatcher;
  labels: ReadonlyMap<string, string>;
  /** Hits of dictionary entries (extra terms excluded). */
  match(text: string): Array<TermHit & { entry: TermEntry }>;
  /** Hits of the `extraTerms` given at build time, by extra index. */
  extraHits(text: string): Array<TermHit & { extra: number }>;
  /** Both at once (one scan). */
  matchBoth(text: string): { entries: Array<TermHit & { entry: TermEntry }>; extras: Array<TermHit & { extra: number }> };
}

export function compileTermLists(
  lists: readonly TermList[],
  whitelist: readonly WhitelistEntry[],
  env: Pick<CheckEnv, 'segmenter'>,
  options: { automaton?: AutomatonOptions; extraTerms?: readonly string[]; phraseVariants?: boolean } = {},
): CompiledTermLists {
  const labels = new Map(lists.map((l) => [l.category, l.label] as const));
  const extra = options.extraTerms ?? [];
  // Matcher term index → (list, index in list): lists are concatenated, `firstOf[k]` is where list k starts.
  const firstOf = new Int32Array(lists.length + 1);
  lists.forEach((l, k) => (firstOf[k + 1] = firstOf[k]! + l.size));
  const entryCount = firstOf[lists.length]!;
  // The term objects live only while the matcher is built; it keeps the strings, shared with the lists.
  const terms: MatcherTerm[] = [];
  for (const l of lists) {
    for (let i = 0; i < l.size; i++) {
      const f = l.flags(i);
      terms.push({ term: l.terms[i]!, pinyin: f.pinyin, segment: f.segment, exact: f.exact });
    }
  }
  for (const term of extra) terms.push({ term });
  const matcher = TermMatcher.build(
    terms,
    whitelist.map((w) => w.term),
    { automaton: options.automaton ?? DEFAULT_AUTOMATON_OPTIONS, segmenter: env.segmenter, phraseVariants: options.phraseVariants },
  );
  terms.length = 0;

  const entryOf = (index: number): TermEntry => {
    let lo = 0;
    let hi = lists.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (firstOf[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return lists[lo]!.entry(index - firstOf[lo]!);
  };
  const matchBoth = (text: string) => {
    const out: Array<TermHit & { entry: TermEntry }> = [];
    const extras: Array<TermHit & { extra: number }> = [];
    for (const h of matcher.match(text)) {
      if (h.term < entryCount) out.push({ ...h, entry: entryOf(h.term) });
      else extras.push({ ...h, extra: h.term - entryCount });
    }
    return { entries: out, extras };
  };
  return {
    matcher,
    labels,
    match: (text) => matchBoth(text).entries,
    extraHits: (text) => matchBoth(text).extras,
    matchBoth,
  };
}
