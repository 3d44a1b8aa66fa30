/**
 * The canonical document model: an allow-listed tree that is the one truth of a draft's body. Submission parses
 * markdown / HTML / plain text into it once (parse5, the WHATWG parser browsers implement; markdown-it for
 * markdown); its canonical serialization is what is stored, hashed, checked, shown to reviewers and released.
 * Pure TypeScript, importable by the server and by the browser.
 */

/** Elements the canonical form may contain. Everything else is dropped (with a note) or refused. */
export const DOC_TAGS = [
  'p',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'blockquote',
  'ul',
  'ol',
  'li',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'br',
  'hr',
  'strong',
  'em',
  'u',
  's',
  'sub',
  'sup',
  'code',
  'pre',
  'a',
  'span',
  'div',
  'figure',
  'figcaption',
  'img',
  'video',
  'audio',
] as const;
export type DocTag = (typeof DOC_TAGS)[number];

export const BLOCK_TAGS: ReadonlySet<string> = new Set([
  'p',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'blockquote',
  'ul',
  'ol',
  'li',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'hr',
  'pre',
  'div',
  'figure',
  'figcaption',
  'video',
  'audio',
]);
export const VOID_TAGS: ReadonlySet<string> = new Set(['br', 'hr', 'img']);
/** Blocks that may carry text-align. */
export const ALIGNABLE: ReadonlySet<string> = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'div', 'li', 'td', 'th', 'figure', 'figcaption', 'blockquote']);

export const ALIGNS = ['left', 'center', 'right', 'justify'] as const;
export type Align = (typeof ALIGNS)[number];

export const MEDIA_KINDS = ['image', 'video', 'audio'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

/** Font sizes (CSS px) a span may set; anything outside is clamped, with a note. */
export const FONT_SIZE_MIN = 12;
export const FONT_SIZE_MAX = 36;
/** Minimum WCAG contrast of a text colour against the white page: paler colours are removed (near-invisible text). */
export const MIN_CONTRAST = 2;
export const OL_START_MAX = 1000;
export const SPAN_MAX = 20;

/** `media:<sha256>`: how a body references a stored media file. */
export const MEDIA_REF = /^media:([0-9a-f]{64})$/;

export interface DocAttrs {
  /** a: absolute http(s)/mailto URL as WHATWG URL serialises it. */
  href?: string;
  /** img/video/audio: SHA-256 of the stored file. */
  media?: string;
  alt?: string;
  align?: Align;
  /** span: #rrggbb. */
  color?: string;
  /** span: px. */
  size?: number;
  /** ol */
  start?: number;
  colspan?: number;
  rowspan?: number;
}

export interface DocText {
  kind: 'text';
  text: string;
  /** Range in the canonical serialization this text stands for. */
  start: number;
  end: number;
  /** True when `text` is exactly serialization[start, end) (it can be split at any offset). */
  exact: boolean;
}

export interface DocElement {
  kind: 'element';
  tag: DocTag;
  attrs: DocAttrs;
  children: DocNode[];
  /** img alt: range of the attribute value in the canonical serialization (alt text is checked and shown). */
  altStart?: number;
  altEnd?: number;
}

export type DocNode = DocText | DocElement;

/** Something the canonicaliser removed or changed, shown to reviewers as an info finding. */
export interface DocNote {
  /** Stable code, e.g. `element-dropped`, `attribute-dropped`, `comment-dropped`, `hidden-style`, `bidi-control`. */
  code: string;
  /** What was removed, e.g. `<script>`, `onerror 属性`, `display:none`. */
  construct: string;
  /** How many times. */
  count: number;
  /** First position in the submitted body (1-based), when known. */
  line?: number;
  col?: number;
  message: string;
}

/** Something that cannot be accepted at all: submission is refused with 400 validation_failed. */
export interface DocRefusal {
  code: string;
  construct: string;
  line?: number;
  col?: number;
  message: string;
}

export interface MediaUse {
  hash: string;
  kind: MediaKind;
}
