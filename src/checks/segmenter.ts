import { createRequire } from 'node:module';

/**
 * Word segmentation (nodejieba). Loading the dictionaries takes ~1 s and ~250 MB, so it happens once per
 * process, on first use or on `preloadSegmenter()` (workers call it at start-up, off the request path), and it
 * is only used on small windows around candidate hits and for keyword/near-duplicate features.
 */
export interface Segmenter {
  /** Tokens whose concatenation is the input. */
  cut(text: string): string[];
  /** Top keywords by TF-IDF weight. */
  keywords?(text: string, topN: number): Array<{ word: string; weight: number }>;
}

interface NodeJieba {
  load(): void;
  cut(sentence: string, strict?: boolean): string[];
  extract(sentence: string, topN: number): Array<{ word: string; weight: number }>;
}

let jieba: NodeJieba | undefined;

function loadJieba(): NodeJieba {
  if (!jieba) {
    const require = createRequire(__filename);
    const lib = require('nodejieba') as NodeJieba;
    lib.load();
    jieba = lib;
  }
  return jieba;
}

/** The process-wide nodejieba segmenter (loaded lazily, once). */
export const JIEBA_SEGMENTER: Segmenter = {
  cut: (text) => loadJieba().cut(text),
  keywords: (text, topN) => loadJieba().extract(text, topN),
};

/** Loads nodejieba now, so the first check that needs it does not pay ~1 s. */
export function preloadSegmenter(): void {
  loadJieba();
}

/** Token boundaries (offsets into `text`) from a segmenter; undefined if the tokens do not tile the text. */
export function tokenBoundaries(segmenter: Segmenter, text: string): Set<number> | undefined {
  const tokens = segmenter.cut(text);
  const out = new Set<number>([0]);
  let at = 0;
  for (const t of tokens) {
    if (text.startsWith(t, at)) at += t.length;
    else return undefined;
    out.add(at);
  }
  return at === text.length ? out : undefined;
}
