import type { Asset, BodyFormat, FindingSource, MediaRef, Origin, Severity } from './content';
import type { AuditEventPayloads, AuditEventType } from '../../domain/audit-events';
import type { IsoTime, Person } from './people';

/** Drafts, findings, decisions, marks and revision diffs as the API sends them (src/http/presenters.ts). */

export type WaiverPolicy = 'never' | 'propaganda' | 'stage';
export type DecisionAction = 'approve' | 'return' | 'reject';

export interface Finding {
  id: string;
  revisionId: string;
  check: string;
  category: string;
  severity: Severity;
  /** Offsets into the revision's plain text (title, "\n", body text); `source` maps them back. */
  start: number;
  end: number;
  source: FindingSource;
  matched: string;
  ruleId: string;
  rulesetVersion: string;
  message: string;
  suggestion: string | null;
  escalate: boolean;
  evidence: Record<string, unknown> | null;
  waived: { by: string | null; at: IsoTime; reason: string | null } | null;
  /** Who may waive it (config/waivers.ts). */
  waiverPolicy: WaiverPolicy;
  waiverPolicyLabel: string;
}

/** A finding on the draft page, with whether the viewer may waive it now (the workflow's own rule). */
export interface DraftFinding extends Finding {
  waivable: boolean;
}

export interface Decision {
  id: string;
  stage: string;
  stageLabel: string;
  action: DecisionAction;
  comment: string;
  marks: unknown[];
  round: number;
  revisionId: string;
  revisionHash: string;
  reviewer: Person;
  at: IsoTime;
}

export interface RevisionSummary {
  id: string;
  number: number;
  kind: string;
  hash: string;
  createdAt: IsoTime;
  createdBy: string;
  note: string | null;
  diff: unknown;
}

/** The current revision, with its content. */
export interface RevisionWithContent extends RevisionSummary {
  title: string;
  body: string;
  format: BodyFormat;
  origin: Origin;
  assets: Asset[];
  media: MediaRef[];
}

export interface CheckRunView {
  check: string;
  status: string;
  attempts: number;
  rulesetVersion: string | null;
  error: string | null;
  finishedAt: IsoTime | null;
}

/** GET /api/drafts/:id */
export interface DraftDetail {
  id: string;
  number: string;
  title: string;
  status: string;
  statusLabel: string;
  stage: string | null;
  stageLabel: string | null;
  version: number;
  round: number;
  major: boolean;
  /** 体裁 (src/shared/genres.ts), null when the editor gave none. */
  genre: string | null;
  escalated: boolean;
  unitId: string;
  platformId: string;
  author: Person;
  createdAt: IsoTime;
  updatedAt: IsoTime;
  stageEnteredAt: IsoTime;
  released: { hash: string; at: IsoTime | null } | null;
  requiredStages: string[];
  platformLevel: 'school' | 'unit';
  route: { stages: string[]; label: string };
  /** The author's 送审说明, while the revision it was written for is current. */
  resubmission: { statement: string; by: string; at: IsoTime } | null;
  /** An automatic return: the findings that sent the draft back. */
  autoReturn: { findings: Array<{ id: string; message: string; matched: string; check: string; waiverPolicy: WaiverPolicy; waiverPolicyLabel: string }> } | null;
  currentRevision: RevisionWithContent;
  revisions: RevisionSummary[];
  checkRuns: CheckRunView[];
  findings: DraftFinding[];
  decisions: Decision[];
  /** What still stands between the draft and its release (empty: it may be released). */
  releaseGate: Array<{ code: string; stage?: string | undefined; message: string }>;
  allowedActions: string[];
}

/** One row of GET /api/drafts (the desks and the audit list). */
export interface DraftListItem {
  id: string;
  number: string;
  title: string;
  status: string;
  stage: string | null;
  version: number;
  major: boolean;
  /** 体裁, null when none was given. */
  genre: string | null;
  escalated: boolean;
  unitId: string;
  unitName: string;
  platformId: string;
  platformName: string;
  authorId: string;
  authorName: string;
  createdAt: IsoTime;
  updatedAt: IsoTime;
  stageEnteredAt: IsoTime;
}

/** A 校对 mark (GET /api/drafts/:id/marks and every mark change). */
export interface ProofMark {
  id: string;
  draftId: string;
  revisionId: string;
  stage: string;
  stageLabel: string;
  kind: 'correction' | 'comment';
  start: number;
  end: number;
  source: FindingSource;
  original: string;
  replacement: string | null;
  note: string;
  findingId: string | null;
  status: 'open' | 'accepted' | 'rejected' | 'applied';
  author: Person | null;
  createdAt: IsoTime;
  resolution: { by: Person | null; at: IsoTime; note: string | null } | null;
  appliedRevisionId: string | null;
}

export interface RevisionRef {
  id: string;
  number: number;
  kind: string;
  hash: string;
  createdAt: IsoTime;
  note: string | null;
  /** A proofreading edit's record of the proofreading bound (config/review.ts), or null. */
  proofreadBound: unknown;
}

export interface DiffChange {
  field: 'title' | 'body';
  /** Offset of the change in the older revision's field, and in the newer one's. */
  start: number;
  at: number;
  removed: string;
  inserted: string;
  /** Unchanged text just before and after the change (in the newer revision). */
  before: string;
  after: string;
}

/** GET /api/drafts/:id/diff?from=&to= */
export interface RevisionDiffView {
  from: RevisionRef;
  to: RevisionRef;
  changes: DiffChange[];
  totalChanges: number;
  changedFields: string[];
  checksPending: boolean;
  findings: { fixed: Finding[]; waived: Finding[]; introduced: Finding[]; remaining: Finding[] };
}

/** The fields every trail event carries besides its type and payload. */
interface TrailEventEnvelope {
  id: number;
  chain: string;
  seq: number;
  draftId: string | null;
  revisionId: string | null;
  actorId: string | null;
  actorName: string;
  outcome: 'success' | 'failure' | 'denied';
  createdAt: IsoTime;
  prevHash: string;
  hash: string;
}

/** A trail event of a catalogued type, its `data` typed by the audit-event catalog (narrow on `type`). */
export type CataloguedTrailEvent = { [T in AuditEventType]: TrailEventEnvelope & { type: T; data: AuditEventPayloads[T] } }[AuditEventType];

/** A trail event of a type the catalog does not know (written by an older release): shown as stored. */
export type UncataloguedTrailEvent = TrailEventEnvelope & { type: string; data: Record<string, unknown> };

/** One event of a draft's hash-chained trail (GET /api/drafts/:id/trail). */
export type TrailEvent = CataloguedTrailEvent | UncataloguedTrailEvent;
