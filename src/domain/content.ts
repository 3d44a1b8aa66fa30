import { createHash } from 'node:crypto';

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

/** What the canonicaliser removed from the submitted body (shown to reviewers as info findings; not hashed). */
export interface ContentNote {
  code: string;
  construct: string;
  count: number;
  line?: number;
  col?: number;
  message: string;
}

/** Everything a revision fixes: the bytes that are reviewed, approved and released. */
export interface RevisionContent {
  title: string;
  body: string;
  format: BodyFormat;
  origin: Origin;
  assets: Asset[];
  /** Media the canonical body references, in document order (absent on revisions written before media). */
  media?: MediaRef[] | undefined;
  /** Canonicalisation notes of the submission (not part of the hash: they say what was removed). */
  notes?: ContentNote[] | undefined;
}

/** Deterministic JSON: object keys sorted, undefined dropped, so equal content always serialises equally. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The canonical byte form of a revision: what approvals bind to and what release hands out. */
export function canonicalContent(content: RevisionContent): string {
  return canonicalJson({
    title: content.title,
    body: content.body,
    format: content.format,
    origin: content.origin,
    assets: content.assets,
    // Only revisions that reference media carry the field, so hashes of earlier revisions are unchanged.
    media: content.media && content.media.length > 0 ? content.media : undefined,
  });
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** SHA-256 of the canonical content form. */
export function contentHash(content: RevisionContent): string {
  return sha256Hex(canonicalContent(content));
}
