import { createHash } from 'node:crypto';

export {
  ASSET_KINDS,
  BODY_FORMATS,
  LICENCE_KINDS,
  ORIGIN_KINDS,
  type Asset,
  type AssetKind,
  type BodyFormat,
  type LicenceKind,
  type MediaRef,
  type Origin,
  type OriginKind,
} from '../shared/api/content';
import type { Asset, BodyFormat, MediaRef, Origin } from '../shared/api/content';

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
