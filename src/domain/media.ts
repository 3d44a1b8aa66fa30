/**
 * What the media analysers found inside one stored file (image, video or audio), keyed by its SHA-256. Pure data:
 * produced by src/media (OCR, barcode decoding, metadata, perceptual hash, keyframes), cached in PostgreSQL by hash,
 * and read by the text checks as located fields of the document.
 */

/** A rectangle in the original image's pixels (not the downscaled copy OCR may have read). */
export interface MediaBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One line of text recognised in a picture or a video keyframe. */
export interface OcrLine {
  text: string;
  box: MediaBox;
  /** Mean word confidence, 0–100. */
  confidence: number;
  /** Keyframe time for video. */
  timeMs?: number | undefined;
}

/** A QR code or barcode decoded from a picture or keyframe. */
export interface DecodedCode {
  format: string;
  text: string;
  box: MediaBox;
  timeMs?: number | undefined;
}

/** Metadata a photo may carry about where, with what and by whom it was taken. */
export interface MediaMetadata {
  gps?: { latitude: number; longitude: number } | undefined;
  /** Camera body / lens serial numbers. */
  serials?: string[] | undefined;
  /** Artist, author, creator, owner and copyright fields. */
  people?: string[] | undefined;
  /** Make and model, kept for the reviewer's information. */
  camera?: string | undefined;
  /** Whether anything above is present (then "去除元数据" applies). */
  present: boolean;
}

/** Why part of the analysis could not be done; each becomes a visible finding, never a silent pass. */
export interface MediaProblem {
  code: 'ocr_unavailable' | 'ocr_failed' | 'codes_failed' | 'video_tools_unavailable' | 'decode_failed' | 'too_large' | 'too_long' | 'timeout' | 'empty' | 'not_transcribed';
  message: string;
}

export const MEDIA_ANALYSIS_KINDS = ['image', 'video', 'audio'] as const;
export type MediaAnalysisKind = (typeof MEDIA_ANALYSIS_KINDS)[number];

export interface MediaAnalysis {
  /** SHA-256 of the file's bytes. */
  media: string;
  kind: MediaAnalysisKind;
  /** Analyser version: a cached analysis of an older version is redone. */
  version: string;
  width?: number | undefined;
  height?: number | undefined;
  durationMs?: number | undefined;
  codec?: string | undefined;
  /** Whether OCR ran (false: tesseract or its Chinese data is missing, or it failed). */
  ocr: boolean;
  lines: OcrLine[];
  codes: DecodedCode[];
  metadata: MediaMetadata;
  /** 64-bit difference hash (16 hex digits) of the picture (first keyframe for video). */
  dhash?: string | undefined;
  /** Keyframe times for video (ms), in order. */
  keyframes?: number[] | undefined;
  problems: MediaProblem[];
}

/** Hamming distance between two 64-bit hashes written as 16 hex digits. */
export function hashDistance(a: string, b: string): number {
  let distance = 0;
  for (let i = 0; i < 16; i += 4) {
    let x = Number.parseInt(a.slice(i, i + 4), 16) ^ Number.parseInt(b.slice(i, i + 4), 16);
    while (x) {
      distance += x & 1;
      x >>>= 1;
    }
  }
  return distance;
}
