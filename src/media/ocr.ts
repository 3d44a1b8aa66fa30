import type { MediaBox, OcrLine } from '../domain/media';
import { runTool } from './spawn';

interface Word {
  text: string;
  conf: number;
  left: number;
  top: number;
  width: number;
  height: number;
}

const CJK = /[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]/u;

/** Joins recognised words: no space between Chinese words (tesseract splits them), one between Latin words. */
function joinWords(words: readonly Word[]): string {
  let text = '';
  for (const w of words) {
    if (text && !(CJK.test(text.at(-1) ?? '') || CJK.test(w.text[0] ?? ''))) text += ' ';
    text += w.text;
  }
  return text;
}

function union(words: readonly Word[], scale: number): MediaBox {
  const x0 = Math.min(...words.map((w) => w.left));
  const y0 = Math.min(...words.map((w) => w.top));
  const x1 = Math.max(...words.map((w) => w.left + w.width));
  const y1 = Math.max(...words.map((w) => w.top + w.height));
  return { x: Math.round(x0 / scale), y: Math.round(y0 / scale), width: Math.round((x1 - x0) / scale), height: Math.round((y1 - y0) / scale) };
}

/**
 * Parses tesseract's TSV output into lines (words grouped by block, paragraph and line), boxes divided by `scale`
 * (the factor the picture was shrunk by before OCR) so they are in the original picture's pixels.
 */
export function parseTesseractTsv(tsv: string, scale = 1, minConfidence = 0): OcrLine[] {
  const groups = new Map<string, Word[]>();
  for (const row of tsv.split('\n').slice(1)) {
    const cols = row.split('\t');
    if (cols.length < 12 || cols[0] !== '5') continue;
    const text = (cols.slice(11).join('\t') ?? '').trim();
    const conf = Number(cols[10]);
    if (!text || !Number.isFinite(conf) || conf < 0) continue;
    const key = `${cols[1]}:${cols[2]}:${cols[3]}:${cols[4]}`;
    const word: Word = { text, conf, left: Number(cols[6]), top: Number(cols[7]), width: Number(cols[8]), height: Number(cols[9]) };
    const list = groups.get(key);
    if (list) list.push(word);
    else groups.set(key, [word]);
  }
  const lines: OcrLine[] = [];
  for (const words of groups.values()) {
    const confidence = words.reduce((s, w) => s + w.conf, 0) / words.length;
    if (confidence < minConfidence) continue;
    lines.push({ text: joinWords(words), box: union(words, scale), confidence: Math.round(confidence * 10) / 10 });
  }
  return lines;
}

/** Recognises the text of a PNG with the local tesseract (one thread, killed after `timeoutMs`). */
export async function recogniseText(png: Buffer, options: { languages: string; timeoutMs: number; scale: number; minConfidence: number }): Promise<OcrLine[]> {
  const tsv = await runTool('tesseract', ['stdin', 'stdout', '-l', options.languages, '--psm', '3', 'tsv'], {
    input: png,
    timeoutMs: options.timeoutMs,
    env: { OMP_THREAD_LIMIT: '1' },
  });
  return parseTesseractTsv(tsv.toString('utf8'), options.scale, options.minConfidence);
}
