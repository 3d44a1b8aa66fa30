/** Types of the labelled quality corpus (bench/quality/corpus.json). */
import type { RevisionContent } from '../../src/domain/content';
import type { Severity } from '../../src/domain/findings';

/**
 * What a careful reviewer expects: a finding of `check` at `severity` (at least) overlapping [start, end) of the
 * revision text (title + "\n" + body), or — for metadata findings with no place in the text — one whose rule id
 * starts with `rule`.
 */
export type CorpusLabel =
  | { check: string; severity: Severity; start: number; end: number; text: string; rule?: undefined }
  | { check: string; severity: Severity; rule: string; start?: undefined; end?: undefined; text?: undefined };

export interface CorpusDraft {
  id: string;
  /** `tuning`: rules were adjusted while looking at it; `heldout`: never looked at, scored only. */
  split: 'tuning' | 'heldout';
  genre: string;
  /** No labels: a careful reviewer would pass it as is. */
  clean: boolean;
  content: RevisionContent;
  labels: CorpusLabel[];
}
