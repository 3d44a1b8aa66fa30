import type { WaiverPolicy } from './workflow';

export { SEVERITIES, type FindingSource, type MediaSourceSpan, type Severity, type SourceSpan } from '../shared/api/content';
import type { FindingSource, Severity } from '../shared/api/content';

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
