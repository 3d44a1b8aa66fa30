import type { DraftListItem as DraftListRow } from '../db/draft-search.repository';
import type { FindingRow } from '../db/finding.repository';
import type { RevisionRow } from '../db/revision.repository';
import type { UserRow } from '../db/directory.repository';
import type { MarkRow } from '../db/mark.repository';
import type { AuthUser } from '../domain/access';
import type { StoredAuditEvent } from '../domain/audit';
import { isAuditEventType, type AuditEventPayloads } from '../domain/audit-events';
import { storedPolicy } from '../services/waiver-policy';
import { allowedActions, mayWaive, WAIVER_POLICY_LABELS, type StagePlan, releaseGate, requiredStages, STAGE_LABELS, STATUS_LABELS, type DraftStatus, type StageId } from '../domain/workflow';
import { toActor } from '../services/apply-transition';
import type {
  AdminUser,
  DecisionAction,
  DraftDetail,
  DraftListItem,
  Finding,
  Me,
  Person,
  ProofMark,
  Role,
  RevisionDiffView,
  RevisionRef,
  RevisionSummary,
  RevisionWithContent,
  Severity,
  TrailEvent,
} from '../shared/api';
import { iso } from '../shared/api';
import type { DraftDetailParts } from '../services/draft-queries.service';
import type { RevisionDiff } from '../services/revision-diff.service';

export const presentRevision = (r: RevisionRow): RevisionSummary => ({
  id: r.id,
  number: r.number,
  kind: r.kind,
  hash: r.contentHash,
  createdAt: iso(r.createdAt),
  createdBy: r.createdBy,
  note: r.note,
  diff: r.diff,
});

/** The current revision, with its content. */
export const presentRevisionWithContent = (r: RevisionRow): RevisionWithContent => ({
  ...presentRevision(r),
  title: r.title,
  body: r.body,
  format: r.format as RevisionWithContent['format'],
  origin: r.origin,
  assets: r.assets,
  media: r.media ?? [],
});

export const presentFinding = (f: FindingRow): Finding => ({
  id: f.id,
  revisionId: f.revisionId,
  check: f.checkId,
  category: f.category,
  severity: f.severity as Severity,
  start: f.startOffset,
  end: f.endOffset,
  source: f.source,
  matched: f.matched,
  ruleId: f.ruleId,
  rulesetVersion: f.rulesetVersion,
  message: f.message,
  suggestion: f.suggestion,
  escalate: f.escalate,
  evidence: f.evidence,
  waived: f.waivedAt ? { by: f.waivedBy, at: iso(f.waivedAt), reason: f.waiveReason } : null,
  waiverPolicy: storedPolicy(f),
  waiverPolicyLabel: WAIVER_POLICY_LABELS[storedPolicy(f)],
});

/** Short names for the 流程 line on a draft. */
const ROUTE_LABELS: Readonly<Record<StageId, string>> = { first: '初审', second: '复审', final: '终审', propaganda: '宣传部' };

/** A stage's short name (初审, 复审, 终审, 宣传部): the 流程 line and the board's column headings. */
export const stageShortLabel = (stage: StageId): string => ROUTE_LABELS[stage] ?? stage;

/** "流程：初审 → 复审 → 终审 → 宣传部" for the stages a draft must pass. */
export const routeLabel = (stages: readonly StageId[]) => `流程：${stages.map((s) => ROUTE_LABELS[s]).join(' → ')}`;

export const presentUser = (u: UserRow): AdminUser => ({
  id: u.id,
  username: u.username,
  displayName: u.displayName,
  staffId: u.staffId,
  unitId: u.unitId,
  isStaff: u.isStaff,
  // The column holds only ROLES (the API validates every write against them).
  roles: u.roles as Role[],
  locked: Boolean(u.lockedUntil && u.lockedUntil > new Date()),
  lockedUntil: u.lockedUntil ? u.lockedUntil.toISOString() : null,
  disabled: u.disabled,
  mustChangePassword: u.mustChangePassword,
  staffIdConflict: u.staffIdConflict,
  email: u.email ?? null,
});

export const presentMe = (u: AuthUser): Me => ({
  id: u.id,
  username: u.username,
  displayName: u.displayName,
  staffId: u.staffId,
  unitId: u.unitId,
  isStaff: u.isStaff,
  roles: [...u.roles],
  mustChangePassword: u.mustChangePassword === true,
});

export function presentDraft(stages: StagePlan, viewer: AuthUser, p: DraftDetailParts): DraftDetail {
  const required = requiredStages(stages, p.aggregate);
  const actor = toActor(viewer);
  const unwaivedBlocking = p.findings.filter((f) => f.severity === 'block' && (!f.waivedAt || storedPolicy(f) === 'never'));
  const person = (id: string): Person => {
    const u = p.people.get(id);
    return u ? { id, displayName: u.displayName, username: u.username, staffId: u.staffId } : { id };
  };
  return {
    id: p.draft.id,
    number: p.draft.number,
    title: p.draft.title,
    status: p.draft.status,
    statusLabel: STATUS_LABELS[p.draft.status as DraftStatus],
    stage: p.draft.stage,
    stageLabel: p.draft.stage ? STAGE_LABELS[p.draft.stage as StageId] : null,
    version: p.draft.version,
    round: p.draft.round,
    major: p.draft.major,
    genre: p.draft.genre,
    escalated: p.draft.escalated,
    unitId: p.draft.unitId,
    platformId: p.draft.platformId,
    author: person(p.draft.authorId),
    createdAt: iso(p.draft.createdAt),
    updatedAt: iso(p.draft.updatedAt),
    stageEnteredAt: iso(p.draft.stageEnteredAt),
    released: p.draft.releasedHash ? { hash: p.draft.releasedHash, at: iso(p.draft.releasedAt) } : null,
    requiredStages: required,
    platformLevel: p.aggregate.platformLevel ?? 'unit',
    route: { stages: required, label: routeLabel(required) },
    // 送审说明 next to the findings it concerns: shown while the revision it was written for is current.
    resubmission: p.resubmission && p.resubmission.revisionId === p.aggregate.revision.id ? { statement: p.resubmission.statement, by: p.resubmission.actorName, at: iso(p.resubmission.at) } : null,
    // An automatic return tells the editor which findings sent it back.
    autoReturn:
      p.draft.status === 'returned' && unwaivedBlocking.length > 0
        ? {
            findings: unwaivedBlocking.map((f) => ({
              id: f.id,
              message: f.message,
              matched: f.matched,
              check: f.checkId,
              waiverPolicy: storedPolicy(f),
              waiverPolicyLabel: WAIVER_POLICY_LABELS[storedPolicy(f)],
            })),
          }
        : null,
    currentRevision: presentRevisionWithContent(p.aggregate.revision),
    revisions: p.revisions.map(presentRevision),
    checkRuns: p.runs.map((r) => ({ check: r.checkId, status: r.status, attempts: r.attempts, rulesetVersion: r.rulesetVersion, error: r.error, finishedAt: iso(r.finishedAt) })),
    findings: p.findings.map((f) => ({
      ...presentFinding(f),
      // Whether this viewer may waive this finding now (the workflow's own rule).
      waivable: f.severity === 'block' && !f.waivedAt && mayWaive(p.aggregate, actor, storedPolicy(f)),
    })),
    decisions: p.decisions.map((d) => ({
      id: d.id,
      stage: d.stage,
      stageLabel: STAGE_LABELS[d.stage as StageId],
      action: d.action as DecisionAction,
      comment: d.comment,
      marks: d.marks,
      round: d.round,
      revisionId: d.revisionId,
      revisionHash: d.revisionHash,
      reviewer: person(d.actorId),
      at: iso(d.createdAt),
    })),
    releaseGate: releaseGate(stages, p.aggregate),
    allowedActions: allowedActions(stages, p.aggregate, actor),
  };
}

export const presentMark = (m: MarkRow, people: Map<string, UserRow>): ProofMark => {
  const person = (id: string | null): Person | null => {
    if (!id) return null;
    const u = people.get(id);
    return u ? { id, displayName: u.displayName, username: u.username, staffId: u.staffId } : { id };
  };
  return {
    id: m.id,
    draftId: m.draftId,
    revisionId: m.revisionId,
    stage: m.stage,
    stageLabel: STAGE_LABELS[m.stage as StageId] ?? m.stage,
    kind: m.kind as ProofMark['kind'],
    start: m.startOffset,
    end: m.endOffset,
    source: m.source,
    original: m.original,
    replacement: m.replacement,
    note: m.note,
    findingId: m.findingId,
    status: m.status as ProofMark['status'],
    author: person(m.createdBy),
    createdAt: iso(m.createdAt),
    resolution: m.resolvedAt ? { by: person(m.resolvedBy), at: iso(m.resolvedAt), note: m.resolutionNote } : null,
    appliedRevisionId: m.appliedRevisionId,
  };
};

/** What a proofreading edit's revision recorded about the bound (config/review.ts), if anything. */
const proofreadBoundOf = (r: RevisionRow): unknown => {
  const diff = r.diff as { proofreadBound?: unknown } | null;
  return diff && typeof diff === 'object' && diff.proofreadBound ? diff.proofreadBound : null;
};

const revisionRef = (r: RevisionRow): RevisionRef => ({
  id: r.id,
  number: r.number,
  kind: r.kind,
  hash: r.contentHash,
  createdAt: iso(r.createdAt),
  note: r.note,
  proofreadBound: proofreadBoundOf(r),
});

export const presentRevisionDiff = (d: RevisionDiff): RevisionDiffView => ({
  from: revisionRef(d.from),
  to: revisionRef(d.to),
  changes: d.changes,
  totalChanges: d.totalChanges,
  changedFields: d.changedFields,
  checksPending: d.checksPending,
  findings: {
    fixed: d.findings.fixed.map(presentFinding),
    waived: d.findings.waived.map(presentFinding),
    introduced: d.findings.introduced.map(presentFinding),
    remaining: d.findings.remaining.map(presentFinding),
  },
});

/** One row of the draft list (GET /api/drafts): the card columns, without the keyset cursor. */
export const presentDraftListItem = ({ cursor: _cursor, ...d }: DraftListRow & { cursor?: unknown }): DraftListItem => ({
  ...d,
  createdAt: iso(d.createdAt),
  updatedAt: iso(d.updatedAt),
  stageEnteredAt: iso(d.stageEnteredAt),
});

/**
 * One event of a draft's trail as the API shows it, in the stored column order. A catalogued type's `data` is typed
 * by the catalog (the writers are held to it when they append); a type the catalog does not know is shown as stored.
 */
export function presentTrailEvent(e: StoredAuditEvent): TrailEvent {
  const envelope = { id: e.id, chain: e.chain, seq: e.seq, draftId: e.draftId, revisionId: e.revisionId, actorId: e.actorId, actorName: e.actorName };
  const tail = { createdAt: iso(e.createdAt), prevHash: e.prevHash, hash: e.hash };
  if (!isAuditEventType(e.type)) return { ...envelope, type: e.type, outcome: e.outcome, data: e.data, ...tail };
  return { ...envelope, type: e.type, outcome: e.outcome, data: e.data as AuditEventPayloads[typeof e.type], ...tail } as TrailEvent;
}
