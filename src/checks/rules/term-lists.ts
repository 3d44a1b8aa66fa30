import { DEFAULT_AUTOMATON_OPTIONS, type AutomatonOptions } from '../matcher/automaton';
import { TermMatcher, type TermHit } from '../matcher/term-matcher';
import type { TermEntry, TermList, WhitelistEntry } from '../dictionary/dictionary';
import type { CheckEnv } from './common';

/** Entries of several term lists compiled into one matcher; hits come back with their entry and list. */
export interface CompiledTermLists {
  matcher: TermMatcher;
  entries: readonly TermEntry[];
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
  const entries = lists.flatMap((l) => l.entries);
  const labels = new Map(lists.map((l) => [l.category, l.label] as const));
  const extra = options.extraTerms ?? [];
  const matcher = TermMatcher.build(
    [
      ...entries.map((e) => ({ term: e.term, pinyin: e.flags.pinyin, segment: e.flags.segment, exact: e.flags.exact })),
      ...extra.map((term) => ({ term })),
    ],
    whitelist.map((w) => w.term),
    { automaton: options.automaton ?? DEFAULT_AUTOMATON_OPTIONS, segmenter: env.segmenter, phraseVariants: options.phraseVariants },
  );
  const matchBoth = (text: string) => {
    const out: Array<TermHit & { entry: TermEntry }> = [];
    const extras: Array<TermHit & { extra: number }> = [];
    for (const h of matcher.match(text)) {
      if (h.term < entries.length) out.push({ ...h, entry: entries[h.term]! });
      else extras.push({ ...h, extra: h.term - entries.length });
    }
    return { entries: out, extras };
  };
  return {
    matcher,
    entries,
    labels,
    match: (text) => matchBoth(text).entries,
    extraHits: (text) => matchBoth(text).extras,
    matchBoth,
  };
}
