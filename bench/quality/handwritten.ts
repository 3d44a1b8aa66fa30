/**
 * Hand-written drafts for the quality corpus: the tricky cases a sentence bank would not produce. Same markup as
 * ./banks.ts (`[[text|check|severity]]`); `meta` holds labels for findings with no place in the text.
 */
import type { Origin } from '../../src/domain/content';
import type { CorpusLabel } from './corpus';

export interface HandwrittenDraft {
  split: 'tuning' | 'heldout';
  genre: string;
  title: string;
  body: string;
  origin?: Origin;
  meta?: CorpusLabel[];
}

export const HANDWRITTEN: HandwrittenDraft[] = [];
