/** The automated checks engine (智能初校): pure checks over a revision, versioned dictionaries. */
export { CHECK_IDS, RULES_CODE_VERSION, buildCheckEngine, createCheckEngine, rulesetVersion, type CheckContext, type CheckEngine, type CheckEngineSourceOptions, type CheckId } from './engine';
export {
  DictionaryError,
  formatTermLine,
  hashSources,
  parseDictionaries,
  type Dictionaries,
  type DictionaryIssue,
  type DictionarySources,
  type TermEntry,
  type TermList,
} from './dictionary/dictionary';
export { buildRevisionText, extractPlainText, mapToSource, toSourceSpan, type ExtractedText, type RevisionText } from './text/extract';
export { foldText, NOISE_CHARS, type FoldMode } from './text/fold';
export { Automaton, DEFAULT_AUTOMATON_OPTIONS, EXACT_AUTOMATON_OPTIONS, type AutomatonOptions } from './matcher/automaton';
export { TermMatcher, type MatcherTerm, type TermHit } from './matcher/term-matcher';
export { JIEBA_SEGMENTER, preloadSegmenter, type Segmenter } from './segmenter';
export { isValidIdCard, luhnValid } from './rules/validators';
export { minhash, minhashSimilarity, shingleHashes, simhash } from './rules/similarity';
