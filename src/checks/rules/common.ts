import type { ChecksConfig } from '../../../config/checks';
import type { RevisionContent } from '../../domain/content';
import type { MediaAnalysis } from '../../domain/media';
import type { Finding, FindingSource, Severity } from '../../domain/findings';
import type { Segmenter } from '../segmenter';
import type { FoldedView } from '../text/fold';
import { toSourceSpan, type RevisionText } from '../text/extract';

/** Extra facts a check may use that are not in the revision itself (filled in by the service). */
export interface CheckContext {
  /** Released texts to compare against for near-duplicate detection. */
  referenceTexts?: ReadonlyArray<{ id: string; label: string; text: string }> | undefined;
  /** What the media analysers found in the files the revision references (text in pictures, codes, metadata). */
  media?: readonly MediaAnalysis[] | undefined;
  /** Earlier pictures that look the same as one of this revision's (perceptual hash), found by the service. */
  mediaMatches?: readonly MediaMatch[] | undefined;
  /** The draft's 体裁 (src/shared/genres.ts), when the editor gave one: a document-level context cue. */
  genre?: string | undefined;
}

/** A stored picture that looks like one of the revision's: released in another draft, or in the admin gallery. */
export interface MediaMatch {
  /** This revision's file. */
  media: string;
  /** The look-alike file. */
  matchedMedia: string;
  /** Bits of 64 that differ. */
  distance: number;
  /** Where the look-alike comes from. */
  source: { kind: 'released'; draftId: string; draftNumber: string; unitName?: string | undefined; otherUnit: boolean; licence?: string | null | undefined } | { kind: 'gallery'; list: 'licensed' | 'forbidden'; note?: string | undefined; holder?: string | undefined };
}

/** A revision prepared once for all checks: plain text with offset maps, and its width/case-folded twin. */
export interface PreparedRevision {
  readonly content: RevisionContent;
  readonly rt: RevisionText;
  /** rt.text */
  readonly text: string;
  /** rt.text folded full-width → half-width and upper → lower case; same length, same offsets. */
  readonly folded: string;
  /** The contact view (text/digits.ts): numbers of every script and separators normalised, with an offset map. */
  readonly contact: FoldedView;
  /** The draft's 体裁, when known (CheckContext.genre). */
  readonly genre?: string | undefined;
}

/** What every check gets besides the revision. */
export interface CheckEnv {
  readonly version: string;
  readonly config: ChecksConfig;
  readonly segmenter: () => Segmenter;
}

/** A check: pure function of the prepared revision and context. */
export type CheckFn = (revision: PreparedRevision, context: CheckContext) => Finding[];

export interface FindingDraft {
  category: string;
  severity: Severity;
  start: number;
  end: number;
  ruleId: string;
  message: string;
  suggestion?: string | undefined;
  escalate?: boolean | undefined;
  evidence?: Record<string, unknown> | undefined;
  /** Overrides the mapped source span (links in markup, metadata findings). */
  source?: FindingSource | undefined;
}

export function makeFinding(check: string, p: PreparedRevision, env: CheckEnv, d: FindingDraft): Finding {
  const f: Finding = {
    check,
    category: d.category,
    severity: d.severity,
    start: d.start,
    end: d.end,
    source: d.source ?? toSourceSpan(p.rt, d.start, d.end),
    matched: p.text.slice(d.start, d.end),
    ruleId: d.ruleId,
    rulesetVersion: env.version,
    message: d.message,
  };
  if (d.suggestion !== undefined) f.suggestion = d.suggestion;
  if (d.escalate !== undefined) f.escalate = d.escalate;
  if (d.evidence !== undefined) f.evidence = d.evidence;
  return f;
}

/** Findings in a stable order: by position, then rule. */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => a.start - b.start || a.end - b.end || (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0));
}

/** All matches of a global regex with their offsets. */
export function* matchAll(re: RegExp, text: string): Generator<RegExpExecArray> {
  const g = re.global ? re : new RegExp(re.source, `${re.flags}g`);
  g.lastIndex = 0;
  for (let m = g.exec(text); m; m = g.exec(text)) {
    if (m[0].length === 0) {
      g.lastIndex++;
      continue;
    }
    yield m;
  }
}

/** True if any of `words` occurs in text[from, to). */
export function hasWordNear(text: string, from: number, to: number, words: readonly string[]): string | undefined {
  const window = text.slice(Math.max(0, from), Math.max(0, to));
  return words.find((w) => window.includes(w));
}

export const SEVERITY_RANK: Record<Severity, number> = { block: 3, review: 2, info: 1 };

/** Masks the middle of an identifier for messages (no personal data echoed in full). */
export function mask(value: string, keepStart = 3, keepEnd = 4): string {
  if (value.length <= keepStart + keepEnd) return '*'.repeat(value.length);
  return value.slice(0, keepStart) + '*'.repeat(value.length - keepStart - keepEnd) + value.slice(-keepEnd);
}
