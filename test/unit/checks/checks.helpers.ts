import { join } from 'node:path';
import { createCheckEngine, type CheckEngine } from '../../../src/checks/engine';
import type { Segmenter } from '../../../src/checks/segmenter';
import type { RevisionContent } from '../../../src/domain/content';
import type { Finding } from '../../../src/domain/findings';
import { readDictionaryDir } from '../../../src/services/load-check-engine';

export const DICTIONARY_DIR = join(__dirname, '../../../dictionaries');

/** One token per character: every offset is a boundary (keeps nodejieba out of parallel unit workers). */
export const CHAR_SEGMENTER: Segmenter = { cut: (text) => [...text] };

let shipped: Promise<CheckEngine> | undefined;
/** The engine over the shipped starter dictionaries, with the per-character segmenter. */
export function shippedEngine(): Promise<CheckEngine> {
  shipped ??= readDictionaryDir(DICTIONARY_DIR).then((sources) => createCheckEngine({ sources, segmenter: CHAR_SEGMENTER }));
  return shipped;
}

/** The fields a fixture test pins down. */
export function brief(f: Finding): Record<string, unknown> {
  return { category: f.category, severity: f.severity, matched: f.matched, start: f.start, end: f.end, source: f.source };
}

/** Plain-text offset of the n-th occurrence of `needle` in a text-format revision (title + "\n" + body). */
export function at(content: RevisionContent, needle: string, nth = 0): { start: number; end: number } {
  const text = `${content.title}\n${content.body}`;
  let i = -1;
  for (let k = 0; k <= nth; k++) {
    i = text.indexOf(needle, i + 1);
    if (i < 0) throw new Error(`${needle} not found`);
  }
  return { start: i, end: i + needle.length };
}

/** Expected finding fields for a text-format revision, offsets computed independently of the engine. */
export function expectAt(content: RevisionContent, needle: string, category: string, severity: Finding['severity'], nth = 0): Record<string, unknown> {
  const { start, end } = at(content, needle, nth);
  const inTitle = end <= content.title.length;
  const off = content.title.length + 1;
  return {
    category,
    severity,
    matched: needle,
    start,
    end,
    source: inTitle ? { field: 'title', start, end } : { field: 'body', start: start - off, end: end - off },
  };
}
