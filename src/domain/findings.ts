import type { WaiverPolicy } from './workflow';

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

/**
 * One thing an automated check found. `start`/`end` index the revision's plain text, which is the title,
 * one "\n", then the body's extracted plain text; `source` maps the same span back into the original field.
 */
export interface Finding {
  check: string;
  category: string;
  severity: Severity;
  start: number;
  end: number;
  source: FindingSource;
  matched: string;
  ruleId: string;
  rulesetVersion: string;
  message: string;
  suggestion?: string | undefined;
  /** Set by escalation rules: the draft then needs the 宣传部 stage. */
  escalate?: boolean | undefined;
  /** Who may waive it (config/waivers.ts), set when it is recorded. */
  waiverPolicy?: WaiverPolicy | undefined;
  /** Machine-readable evidence (scores, contact kinds, similarity...). */
  evidence?: Record<string, unknown> | undefined;
}

/** The result of one check on one revision. */
export interface CheckResult {
  findings: Finding[];
  rulesetVersion: string;
}
