/**
 * 转载不得改动原文: compares a repost's body with the original text the editor pasted, ignoring what a repost may
 * change (punctuation, whitespace, line breaks, width and case, markup). Returns the first difference as offsets
 * into `body`, or undefined when the two read the same.
 */

/** Characters a repost may change: punctuation, separators, whitespace, format controls. */
const IGNORABLE = /[\p{P}\p{Z}\s\p{Cf}]/u;

interface Significant {
  chars: string[];
  at: number[];
}

function significant(text: string): Significant {
  const chars: string[] = [];
  const at: number[] = [];
  let i = 0;
  for (const ch of text) {
    if (!IGNORABLE.test(ch)) {
      chars.push(ch.normalize('NFKC').toLowerCase());
      at.push(i);
    }
    i += ch.length;
  }
  return { chars, at };
}

export interface RepostDifference {
  /** Offsets into the body's plain text of the first differing stretch. */
  start: number;
  end: number;
  /** Significant characters in the body and in the original. */
  bodyChars: number;
  originalChars: number;
  /** Significant characters differing, counted from both ends inwards (a cheap upper bound of the change). */
  differing: number;
}

export function repostDifference(body: string, original: string): RepostDifference | undefined {
  const a = significant(body);
  const b = significant(original);
  let head = 0;
  const min = Math.min(a.chars.length, b.chars.length);
  while (head < min && a.chars[head] === b.chars[head]) head++;
  if (head === a.chars.length && head === b.chars.length) return undefined;
  let tail = 0;
  while (tail < min - head && a.chars[a.chars.length - 1 - tail] === b.chars[b.chars.length - 1 - tail]) tail++;
  const lastA = a.chars.length - 1 - tail;
  const start = head < a.at.length ? (a.at[head] as number) : body.length;
  const end = lastA >= head ? (a.at[lastA] as number) + (a.chars[lastA]?.length ?? 1) : Math.min(body.length, start + 1);
  return {
    start: Math.min(start, body.length),
    end: Math.max(Math.min(end, body.length), Math.min(start, body.length)),
    bodyChars: a.chars.length,
    originalChars: b.chars.length,
    differing: Math.max(a.chars.length, b.chars.length) - head - tail,
  };
}
