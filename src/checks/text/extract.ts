import type { BodyFormat, RevisionContent } from '../../domain/content';
import type { SourceSpan } from '../../domain/findings';
import { readDoc, type DocMediaField } from '../../shared/document/canonicalise';

/**
 * Plain-text extraction with an offset map, read from the canonical document model (src/shared/document). Every
 * plain-text code unit i comes from range [starts[i], ends[i]) of the canonical serialization — "&amp;" yields one
 * "&" spanning five characters; a separator (block boundary, table cell) is zero-width at the tag it stands for.
 * Markup never reaches the plain text; image alt text does (it is shown on the review page); link targets (as
 * WHATWG URL reads them) and media references are returned as their own located fields.
 */

export interface ExtractedLink {
  href: string;
  /** Range of the href in the source. */
  start: number;
  end: number;
}

export interface ExtractedText {
  text: string;
  starts: Int32Array;
  ends: Int32Array;
  links: ExtractedLink[];
  /** Media the body references (img/video/audio), with alt text and the range of the reference. */
  media?: DocMediaField[];
  /**
   * The canonical serialization the offsets index (html/markdown). It differs from the stored body only for a
   * revision written before the canonical document model (a legacy revision, canonicalised when read).
   */
  source?: string;
}

// ------------------------------------------------------------------------------------------ public

function extractText(source: string): ExtractedText {
  const starts = new Int32Array(source.length);
  const ends = new Int32Array(source.length);
  for (let i = 0; i < source.length; i++) {
    starts[i] = i;
    ends[i] = i + 1;
  }
  const links: ExtractedLink[] = [];
  return { text: source, starts, ends, links };
}

/** Extracts the plain text of a body written in `format`, with the offset map back into `source`. */
export function extractPlainText(source: string, format: BodyFormat): ExtractedText {
  switch (format) {
    case 'text':
      return extractText(source);
    case 'html':
    case 'markdown': {
      // One parser (parse5 / markdown-it via the canonical document model), the same one the review page and
      // release use: offsets index the canonical serialization, which is the stored body of every new revision.
      const doc = readDoc(source, format);
      return { text: doc.plain.text, starts: doc.plain.starts, ends: doc.plain.ends, links: doc.plain.links, media: doc.plain.media, source: doc.source };
    }
  }
}

/** Maps a plain-text span [start, end) back into the source it was extracted from. */
export function mapToSource(extracted: ExtractedText, start: number, end: number): { start: number; end: number } {
  const n = extracted.text.length;
  if (n === 0) return { start: 0, end: 0 };
  const s = Math.min(Math.max(start, 0), n - 1);
  if (end <= start) {
    const at = start >= n ? extracted.ends[n - 1]! : extracted.starts[s]!;
    return { start: at, end: at };
  }
  const e = Math.min(end, n) - 1;
  return { start: extracted.starts[s]!, end: Math.max(extracted.ends[e]!, extracted.starts[s]!) };
}

/**
 * A revision's plain text — title, "\n", body plain text — as every check sees it, with the maps back to the
 * original fields. Built once per revision and shared by all checks.
 */
export interface RevisionText {
  readonly text: string;
  readonly titleLength: number;
  /** Offset of the body's first plain-text character in `text`. */
  readonly bodyOffset: number;
  readonly body: ExtractedText;
  /** Link targets found in the body markup (href/src), with their source offsets. */
  readonly links: readonly ExtractedLink[];
}

export function buildRevisionText(content: Pick<RevisionContent, 'title' | 'body' | 'format'>): RevisionText {
  const body = extractPlainText(content.body, content.format);
  return {
    text: `${content.title}\n${body.text}`,
    titleLength: content.title.length,
    bodyOffset: content.title.length + 1,
    body,
    links: body.links,
  };
}

/** Maps a span of the revision's plain text to the original title or body. */
export function toSourceSpan(rt: RevisionText, start: number, end: number): SourceSpan {
  if (start < rt.titleLength || (start === rt.titleLength && end <= rt.titleLength)) {
    return { field: 'title', start, end: Math.min(Math.max(end, start), rt.titleLength) };
  }
  const bs = Math.max(0, start - rt.bodyOffset);
  const be = Math.max(bs, end - rt.bodyOffset);
  const mapped = mapToSource(rt.body, bs, be);
  return { field: 'body', start: mapped.start, end: mapped.end };
}
