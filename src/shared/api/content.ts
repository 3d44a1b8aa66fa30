/**
 * What a revision holds besides its text, as the API sends it and the domain stores it. The domain
 * (src/domain/content.ts, src/domain/findings.ts) re-exports these, so the workflow and the browser read one
 * definition.
 */

/** How a draft's body is written. */
export const BODY_FORMATS = ['markdown', 'html', 'text'] as const;
export type BodyFormat = (typeof BODY_FORMATS)[number];

export const ORIGIN_KINDS = ['original', 'repost', 'adapted'] as const;
export type OriginKind = (typeof ORIGIN_KINDS)[number];

/** Where the text comes from (原创 / 转载 / 改编) and whom it credits. */
export interface Origin {
  kind: OriginKind;
  sourceName?: string | undefined;
  sourceUrl?: string | undefined;
  originalAuthor?: string | undefined;
  originalTitle?: string | undefined;
  /** 权利人: who holds the rights to the original (转载). */
  rightsHolder?: string | undefined;
  /**
   * The original's text as the editor pasted it (转载). Part of the reviewed bytes; the copyright check compares
   * the body against it, and once a draft has one, no later revision may change it.
   */
  originalText?: string | undefined;
}

export const ASSET_KINDS = ['image', 'video', 'audio', 'font'] as const;
export type AssetKind = (typeof ASSET_KINDS)[number];

export const LICENCE_KINDS = ['own_work', 'authorized', 'public_domain', 'licensed'] as const;
export type LicenceKind = (typeof LICENCE_KINDS)[number];

/** A declared image, video, audio clip or font, with the licence that allows its use. */
export interface Asset {
  kind: AssetKind;
  /** Fonts (and legacy declarations) are named; media files are declared by their SHA-256 (`media`). */
  name: string;
  /** SHA-256 of the stored media file this declaration is about (images, video, audio). */
  media?: string | undefined;
  licence?: LicenceKind | null | undefined;
  holder?: string | undefined;
  note?: string | undefined;
}

/** A stored media file a revision's body references (`media:<sha256>`): the content hash covers its bytes' hash. */
export interface MediaRef {
  hash: string;
  kind: 'image' | 'video' | 'audio';
  mime: string;
}

/** How much a finding matters: `block` stops the draft, `review` asks a human to look, `info` is a hint. */
export const SEVERITIES = ['block', 'review', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Where a finding sits in the original input (title or body, offsets in UTF-16 code units). */
export interface SourceSpan {
  field: 'title' | 'body';
  start: number;
  end: number;
}

/**
 * Where a finding sits inside a media file: text recognised in a picture (`via: "ocr"`), a decoded QR code or
 * barcode (`"qr"`), metadata (`"exif"`), or the file as a whole (`"file"`). `start`/`end` index the recognised text
 * of that file (its OCR lines joined by newlines, or the code's text); `box` is in the original picture's pixels;
 * `timeMs` is the keyframe's time in a video.
 */
export interface MediaSourceSpan {
  field: 'media';
  media: string;
  via: 'ocr' | 'qr' | 'exif' | 'file';
  start: number;
  end: number;
  box?: { x: number; y: number; width: number; height: number } | undefined;
  timeMs?: number | undefined;
}

/** Where a finding sits: in the text of the title or body, or inside a media file. */
export type FindingSource = SourceSpan | MediaSourceSpan;
