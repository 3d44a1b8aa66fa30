/**
 * Draft bodies as the review page shows them: the canonical document tree (src/shared/document), built by the
 * SAME parser the server uses for checks and release (parse5 / markdown-it → allow-listed tree → canonical
 * serialization), so a finding's offsets select the same text here as in the checks and on the released page.
 * The board never hands a draft's markup to the browser's HTML parser: React creates only the elements of the
 * allow-list, with only its attributes, and every piece of text goes in as text.
 */
import { readDoc, readLink } from '../../shared/document/canonicalise';
import { DOC_TAGS, type DocElement, type DocNode, type DocText } from '../../shared/document/model';

export const ALLOWED_TAGS = DOC_TAGS;
export type AllowedTag = (typeof ALLOWED_TAGS)[number];
export type TextNode = DocText;
export type ElementNode = DocElement;
export type SafeNode = DocNode;

/** A link target the board may render: absolute http(s) or mailto, read as WHATWG URL reads it. */
export function safeHref(raw: string): string | undefined {
  return readLink(raw);
}

/** Parses a stored body into the located canonical tree (legacy bodies are canonicalised the same way as on the server). */
export function parseBody(source: string, format: string): SafeNode[] {
  return readDoc(source, format).nodes;
}

// ------------------------------------------------------------------------------------------ highlights

export interface Highlight {
  id: string;
  start: number;
  end: number;
  /** Lower wins when highlights overlap (e.g. 0 = block, 1 = review, 2 = info). */
  rank: number;
  className: string;
  /** Findings (default) and proofreading marks are drawn as separate layers, so one never hides the other. */
  kind?: 'finding' | 'mark';
}

export interface Piece {
  text: string;
  /** Source range of this piece; `exact` when text is source[start, end) verbatim. */
  start: number;
  end: number;
  exact: boolean;
  highlight?: Highlight;
  /** Every highlight covering this piece, best first (the first one also opens the finding). */
  ids?: string[];
  covering?: Highlight[];
}

/** Splits one text node into pieces by the highlights that cover it. */
export function splitText(node: TextNode, highlights: readonly Highlight[]): Piece[] {
  const whole = { text: node.text, start: node.start, end: node.end, exact: node.exact };
  const covering = highlights.filter((h) => h.end > h.start && h.start < Math.max(node.end, node.start + 1) && h.end > node.start);
  if (covering.length === 0) return [whole];
  const pick = (hs: Highlight[]): Pick<Piece, 'highlight' | 'ids' | 'covering'> | undefined => {
    if (hs.length === 0) return undefined;
    const sorted = [...hs].sort((a, b) => a.rank - b.rank || a.start - b.start);
    return { highlight: sorted[0]!, ids: sorted.map((h) => h.id), covering: sorted };
  };
  if (!node.exact) return [{ ...pick(covering), ...whole }];
  const cuts = new Set<number>([node.start, node.end]);
  for (const h of covering) {
    if (h.start > node.start && h.start < node.end) cuts.add(h.start);
    if (h.end > node.start && h.end < node.end) cuts.add(h.end);
  }
  const points = [...cuts].sort((a, b) => a - b);
  const out: Piece[] = [];
  for (let k = 0; k + 1 < points.length; k++) {
    const a = points[k]!;
    const b = points[k + 1]!;
    const here = covering.filter((h) => h.start <= a && h.end >= b);
    const piece = { text: node.text.slice(a - node.start, b - node.start), start: a, end: b, exact: true };
    out.push({ ...pick(here), ...piece });
  }
  return out;
}
