import type { CheckRunRow, DecisionRow, DraftRow, FindingRow, RevisionRow } from '../db/draft.repository';
import type { UserRow } from '../db/directory.repository';
import type { MarkRow } from '../db/mark.repository';
import type { AuthUser } from '../domain/access';
import {
  allowedActions,
  releaseGate,
  requiredStages,
  STAGE_LABELS,
  STATUS_LABELS,
  type DraftAggregate,
  type DraftStatus,
  type StageId,
} from '../domain/workflow';
import { toActor } from '../services/apply-transition';
import type { RevisionDiff } from '../services/revision-diff.service';

export const presentRevision = (r: RevisionRow, withContent: boolean) => ({
  id: r.id,
  number: r.number,
  kind: r.kind,
  hash: r.contentHash,
  createdAt: r.createdAt,
  createdBy: r.createdBy,
  note: r.note,
  diff: r.diff,
  ...(withContent ? { title: r.title, body: r.body, format: r.format, origin: r.origin, assets: r.assets, media: r.media ?? [] } : {}),
});

export const presentFinding = (f: FindingRow) => ({
  id: f.id,
  revisionId: f.revisionId,
  check: f.checkId,
  category: f.category,
  severity: f.severity,
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
  waived: f.waivedAt ? { by: f.waivedBy, at: f.waivedAt, reason: f.waiveReason } : null,
});

export const presentUser = (u: UserRow) => ({
  id: u.id,
  username: u.username,
  displayName: u.displayName,
  staffId: u.staffId,
  unitId: u.unitId,
  isStaff: u.isStaff,
  roles: u.roles,
  locked: Boolean(u.lockedUntil && u.lockedUntil > new Date()),
  disabled: u.disabled,
});

export const presentMe = (u: AuthUser) => ({
  id: u.id,
  username: u.username,
  displayName: u.displayName,
  staffId: u.staffId,
  unitId: u.unitId,
  isStaff: u.isStaff,
  roles: u.roles,
});

export interface DraftDetailParts {
  draft: DraftRow;
  aggregate: DraftAggregate & { revision: RevisionRow };
  revisions: RevisionRow[];
  runs: CheckRunRow[];
  findings: FindingRow[];
  decisions: DecisionRow[];
  people: Map<string, UserRow>;
}

export function presentDraft(stages: readonly StageId[], viewer: AuthUser, p: DraftDetailParts) {
  const person = (id: string) => {
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
    escalated: p.draft.escalated,
    unitId: p.draft.unitId,
    platformId: p.draft.platformId,
    author: person(p.draft.authorId),
    createdAt: p.draft.createdAt,
    updatedAt: p.draft.updatedAt,
    stageEnteredAt: p.draft.stageEnteredAt,
    released: p.draft.releasedHash ? { hash: p.draft.releasedHash, at: p.draft.releasedAt } : null,
    requiredStages: requiredStages(stages, p.aggregate),
    currentRevision: presentRevision(p.aggregate.revision, true),
    revisions: p.revisions.map((r) => presentRevision(r, false)),
    checkRuns: p.runs.map((r) => ({ check: r.checkId, status: r.status, attempts: r.attempts, rulesetVersion: r.rulesetVersion, error: r.error, finishedAt: r.finishedAt })),
    findings: p.findings.map(presentFinding),
    decisions: p.decisions.map((d) => ({
      id: d.id,
      stage: d.stage,
      stageLabel: STAGE_LABELS[d.stage as StageId],
      action: d.action,
      comment: d.comment,
      marks: d.marks,
      round: d.round,
      revisionId: d.revisionId,
      revisionHash: d.revisionHash,
      reviewer: person(d.actorId),
      at: d.createdAt,
    })),
    releaseGate: releaseGate(stages, p.aggregate),
    allowedActions: allowedActions(stages, p.aggregate, toActor(viewer)),
  };
}

export const presentMark = (m: MarkRow, people: Map<string, UserRow>) => {
  const person = (id: string | null) => {
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
    kind: m.kind,
    start: m.startOffset,
    end: m.endOffset,
    source: m.source,
    original: m.original,
    replacement: m.replacement,
    note: m.note,
    findingId: m.findingId,
    status: m.status,
    author: person(m.createdBy),
    createdAt: m.createdAt,
    resolution: m.resolvedAt ? { by: person(m.resolvedBy), at: m.resolvedAt, note: m.resolutionNote } : null,
    appliedRevisionId: m.appliedRevisionId,
  };
};

const revisionRef = (r: RevisionRow) => ({ id: r.id, number: r.number, kind: r.kind, hash: r.contentHash, createdAt: r.createdAt, note: r.note });

export const presentRevisionDiff = (d: RevisionDiff) => ({
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
