import { canonicalJson, type RevisionContent } from '../../domain/content';
import { diffText } from '../../domain/diff';
import { extractPlainText } from './extract';

/**
 * How big an edit is, measured the way the proofreading bound (config/review.ts) needs it. Characters are
 * counted on the body's plain text (what a reader reads; markup does not count), links and images on what the
 * text extraction reports (href/src targets) plus the declared image assets. Kept in one function so the
 * measure can be re-pointed at another document model without touching the rule.
 */
export interface EditMagnitude {
  /** Plain-text code units changed: per change, the larger of removed and inserted. */
  charsChanged: number;
  /** Plain-text length of the longer of the two bodies. */
  textLength: number;
  linksChanged: boolean;
  imagesChanged: boolean;
  titleChanged: boolean;
  originChanged: boolean;
}

const IMAGE_URL = /\.(?:png|jpe?g|gif|webp|svg|bmp|avif)(?:[?#].*)?$/i;

function targets(content: Pick<RevisionContent, 'body' | 'format'>) {
  const extracted = extractPlainText(content.body, content.format);
  const links: string[] = [];
  // Issue 9: images are stored media referenced by hash (the canonical document lists them as their own field).
  const images: string[] = (extracted.media ?? []).map((m) => `media:${m.hash}`);
  for (const l of extracted.links) (IMAGE_URL.test(l.href) ? images : links).push(l.href);
  return { text: extracted.text, links: links.sort(), images: images.sort() };
}

function commonEnds(a: string, b: string): { head: number; tail: number } {
  const max = Math.min(a.length, b.length);
  let head = 0;
  while (head < max && a.charCodeAt(head) === b.charCodeAt(head)) head++;
  let tail = 0;
  while (tail < max - head && a.charCodeAt(a.length - 1 - tail) === b.charCodeAt(b.length - 1 - tail)) tail++;
  return { head, tail };
}

/** Characters changed between two strings: the larger side once their common prefix and suffix are set aside. */
function changedWithin(removed: string, inserted: string): number {
  const { head, tail } = commonEnds(removed, inserted);
  return Math.max(removed.length, inserted.length) - head - tail;
}

export function editMagnitude(before: RevisionContent, after: RevisionContent): EditMagnitude {
  const a = targets(before);
  const b = targets(after);
  // The diff merges nearby hunks for reading; within each change, the common ends are not changed characters.
  // The common ends are set aside first, so one edit in repetitive text is not aligned against a neighbour.
  const { head, tail } = commonEnds(a.text, b.text);
  const charsChanged = diffText('body', a.text.slice(head, a.text.length - tail), b.text.slice(head, b.text.length - tail)).reduce((n, c) => n + changedWithin(c.removed, c.inserted), 0);
  const imageAssets = (c: RevisionContent) => canonicalJson(c.assets.filter((x) => x.kind === 'image'));
  return {
    charsChanged,
    textLength: Math.max(a.text.length, b.text.length),
    linksChanged: canonicalJson(a.links) !== canonicalJson(b.links),
    imagesChanged: canonicalJson(a.images) !== canonicalJson(b.images) || imageAssets(before) !== imageAssets(after),
    titleChanged: before.title !== after.title,
    originChanged: canonicalJson(before.origin) !== canonicalJson(after.origin),
  };
}

export type BoundReason = 'chars' | 'links' | 'images' | 'title' | 'origin';

export const BOUND_REASON_LABELS: Readonly<Record<BoundReason, string>> = {
  chars: '改动字数超过校对上限',
  links: '改动了链接',
  images: '改动了图片',
  title: '改动了标题',
  origin: '改动了稿源信息',
};

export interface ProofreadVerdict {
  exceeded: boolean;
  reasons: BoundReason[];
  charsChanged: number;
  limit: number;
}

/** Whether a proofreading edit stays a proofreading edit under `bound`. */
export function proofreadVerdict(m: EditMagnitude, bound: { maxChars: number; maxRatio: number; restartOn: readonly ('links' | 'images' | 'title' | 'origin')[] }): ProofreadVerdict {
  const limit = Math.max(bound.maxChars, Math.floor(m.textLength * bound.maxRatio));
  const reasons: BoundReason[] = [];
  if (m.charsChanged > limit) reasons.push('chars');
  const flags = { links: m.linksChanged, images: m.imagesChanged, title: m.titleChanged, origin: m.originChanged };
  for (const k of bound.restartOn) if (flags[k]) reasons.push(k);
  return { exceeded: reasons.length > 0, reasons, charsChanged: m.charsChanged, limit };
}
