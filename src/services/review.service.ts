import { insertDecision } from '../db/decision.repository';
import { insertOwedRuns, resetFailedRuns } from '../db/check-run.repository';
import { insertRevision, type RevisionRow } from '../db/revision.repository';
import { lockFinding, waiveFindingRow } from '../db/finding.repository';
import type { AuthUser } from '../domain/access';
import { contentHash, sha256Hex, type Asset, type BodyFormat, type MediaRef, type Origin, type RevisionContent } from '../domain/content';
import { diffContent } from '../domain/diff';
import { conflict, DomainError, forbidden, notFound, validationFailed } from '../domain/errors';
import { canonicaliseContent, verifyMediaBytes } from './media.service';
import { releases } from '../db/schema';
import { renderArticle } from '../shared/document/render';
import { canReadDraft } from '../domain/access';
import { transition } from '../domain/workflow';
import type { DecisionAction, StageId } from '../domain/workflow';
import { PROOFREAD_BOUND } from '../../config/review';
import { BOUND_REASON_LABELS, editMagnitude, proofreadVerdict, type ProofreadVerdict } from '../checks/text/edit-magnitude';
import { storedPolicy } from './waiver-policy';
import { applyTransition, toActor, type TransitionContext, type TransitionOutcome } from './apply-transition';
import type { ServiceDeps } from './deps';
import { requireRegisteredPlatform } from './registry.service';
import { readableDraft } from './draft-queries.service';

/** A reviewer's proofreading mark (校对标记): a span of the plain text, what it says, what it should say. */
export interface ProofMark {
  start: number;
  end: number;
  original: string;
  suggestion: string;
  note?: string | undefined;
}

export const contentOf = (r: RevisionRow): RevisionContent => ({
  title: r.title,
  body: r.body,
  format: r.format as BodyFormat,
  origin: r.origin as Origin,
  assets: r.assets as Asset[],
  ...(r.media && r.media.length > 0 ? { media: r.media } : {}),
  ...(r.docNotes && r.docNotes.length > 0 ? { notes: r.docNotes } : {}),
});

/**
 * Writes a new revision inside the transition: it becomes the current one and owes every check again. Shared by
 * author revisions, proofreading edits and corrections so the three cannot drift apart.
 */
export async function writeNewRevision(
  deps: ServiceDeps,
  ctx: TransitionContext,
  input: { kind: 'revision' | 'proofread' | 'correction'; content: RevisionContent; createdBy: string; diffExtra?: Record<string, unknown>; note?: string | null },
) {
  // The body is stored in its canonical form (issue 9): parsed once here, refused or noted, media bound by hash.
  input = { ...input, content: await canonicaliseContent(ctx.tx, input.content) };
  const hash = contentHash(input.content);
  const diff = diffContent(contentOf(ctx.aggregate.revision), input.content);
  const revision = await insertRevision(ctx.tx, {
    draftId: ctx.draft.id,
    kind: input.kind,
    content: input.content,
    contentHash: hash,
    createdBy: input.createdBy,
    diff: input.diffExtra ? { ...diff, ...input.diffExtra } : diff,
    note: input.note ?? null,
  });
  await insertOwedRuns(ctx.tx, ctx.draft.id, revision.id, deps.checkIds);
  return {
    revision,
    hash,
    diff,
    writes: {
      extra: { currentRevisionId: revision.id, title: input.content.title },
      revisionId: revision.id,
      jobs: deps.checkIds.map((checkId) => ({ revisionId: revision.id, checkId })),
    },
  };
}

/**
 * 初审/复审/终审/宣传部 decision on the stage under review, bound to the current revision's hash.
 * @throws DomainError forbidden | conflict | invalid_transition | validation_failed
 */
export async function recordDecision(
  deps: ServiceDeps,
  actor: AuthUser,
  draftId: string,
  input: { stage: StageId; action: DecisionAction; comment: string; version: number; marks: ProofMark[] },
): Promise<TransitionOutcome<undefined>> {
  // Readability first: an outsider learns nothing of the draft, not even that its version moved on.
  await readableDraft(deps.db, actor, draftId);
  return applyTransition(deps, {
    draftId,
    expectedVersion: input.version,
    actor,
    command: { type: 'decide', stage: input.stage, decision: input.action, comment: input.comment },
    eventType: input.action === 'approve' ? 'review.approved' : input.action === 'return' ? 'review.returned' : 'review.rejected',
    write: async ({ tx, draft, aggregate, next }) => {
      if (!next.decision) throw new Error('decide produced no decision');
      const decision = await insertDecision(tx, {
        draftId: draft.id,
        revisionId: aggregate.revision.id,
        revisionHash: aggregate.revision.contentHash,
        round: next.decision.round,
        stage: input.stage,
        action: input.action,
        actorId: actor.id,
        actorStaffId: next.decision.actorStaffId ?? null,
        comment: input.comment,
        marks: input.marks,
      });
      return {
        data: {
          decisionId: decision.id,
          stage: input.stage,
          action: input.action,
          comment: input.comment,
          marks: input.marks,
          revisionHash: aggregate.revision.contentHash,
          round: next.decision.round,
          staffId: actor.staffId,
        },
      };
    },
  });
}

/**
 * Waives one blocking finding on the current revision, with the reviewer's reason.
 * @throws DomainError forbidden | not_found | validation_failed | conflict
 */
export async function waiveFinding(
  deps: ServiceDeps,
  actor: AuthUser,
  draftId: string,
  findingId: string,
  input: { reason: string; version?: number | undefined },
): Promise<TransitionOutcome<undefined>> {
  await readableDraft(deps.db, actor, draftId);
  return applyTransition(deps, {
    draftId,
    expectedVersion: input.version,
    actor,
    // The finding's policy decides who may waive it, so it is read (and locked) before the workflow decides.
    command: async ({ tx, draft, aggregate }) => {
      if (!canReadDraft(actor, draft)) throw forbidden('无权处理其他单位的稿件');
      const finding = await lockFinding(tx, findingId);
      if (!finding || finding.draftId !== draftId) throw notFound('问题');
      if (finding.revisionId !== aggregate.revision.id) throw conflict('该问题不属于当前版本');
      if (finding.severity !== 'block') throw validationFailed('只有阻断性问题需要豁免');
      if (finding.waivedAt) throw conflict('该问题已被豁免');
      return { type: 'waive', reason: input.reason, policy: storedPolicy(finding) };
    },
    eventType: 'finding.waived',
    write: async ({ tx, aggregate }) => {
      const finding = await lockFinding(tx, findingId);
      if (!finding) throw notFound('问题');
      await waiveFindingRow(tx, finding.id, actor.id, input.reason);
      // The trail names the finding: what matched, which rule, what it said, under which policy.
      return {
        data: {
          findingId,
          checkId: finding.checkId,
          ruleId: finding.ruleId,
          category: finding.category,
          matched: finding.matched,
          message: finding.message,
          policy: storedPolicy(finding),
          reason: input.reason,
          stage: aggregate.stage,
        },
      };
    },
  });
}

/**
 * A new revision. From the author it restarts review at 初审 (new round); from the reviewer of the current
 * stage it is a proofreading edit: the draft stays at that stage and earlier approvals stand. Either way the
 * checks run again on the new bytes.
 * @throws DomainError forbidden | conflict | invalid_transition
 */
export async function reviseDraft(
  deps: ServiceDeps,
  actor: AuthUser,
  draftId: string,
  input: { content: RevisionContent; version: number; stage?: StageId | undefined; note?: string | undefined; marks?: ProofMark[] | undefined },
): Promise<TransitionOutcome<{ revisionId: string; number: number; hash: string }>> {
  await readableDraft(deps.db, actor, draftId);
  const proofreading = input.stage !== undefined;
  let verdict: ProofreadVerdict | undefined;
  return applyTransition(deps, {
    draftId,
    expectedVersion: input.version,
    actor,
    command: ({ aggregate }) => {
      // Who may do it first (the workflow's own rule), then what the content may not change.
      transition(deps.stages, aggregate, proofreading ? { type: 'proofread', stage: input.stage as StageId } : { type: 'revise' }, toActor(actor));
      assertOriginalTextKept(contentOf(aggregate.revision), input.content);
      if (!proofreading) return { type: 'revise' };
      // A proofreading edit beyond the bound is a rewrite: review restarts at 初审 (config/review.ts).
      verdict = proofreadVerdict(editMagnitude(contentOf(aggregate.revision), input.content), PROOFREAD_BOUND);
      return { type: 'proofread', stage: input.stage as StageId, restart: verdict.exceeded };
    },
    eventType: proofreading ? 'revision.proofread' : 'draft.revised',
    write: async (ctx) => {
      const bound = verdict ? proofreadBoundRecord(verdict) : undefined;
      const { revision, hash, diff, writes } = await writeNewRevision(deps, ctx, {
        kind: proofreading ? 'proofread' : 'revision',
        content: input.content,
        createdBy: actor.id,
        diffExtra: { marks: input.marks ?? [], stage: input.stage ?? null, ...(bound ? { proofreadBound: bound } : {}) },
        note: input.note ?? null,
      });
      return {
        ...writes,
        data: {
          revisionNumber: revision.number,
          contentHash: hash,
          previousHash: ctx.aggregate.revision.contentHash,
          diff,
          marks: input.marks ?? [],
          note: input.note ?? null,
          stage: input.stage ?? null,
          ...(bound ? { proofreadBound: bound } : {}),
        },
        result: { revisionId: revision.id, number: revision.number, hash },
      };
    },
  });
}

/** What the revision's diff and the trail say about a proofreading edit and the bound. */
export function proofreadBoundRecord(v: ProofreadVerdict) {
  return {
    exceeded: v.exceeded,
    reasons: v.reasons,
    charsChanged: v.charsChanged,
    limit: v.limit,
    message: v.exceeded
      ? `超出校对范围（${v.reasons.map((r) => BOUND_REASON_LABELS[r]).join('、')}；改动 ${v.charsChanged} 字，上限 ${v.limit} 字）：已重新从初审开始审核`
      : `校对修改 ${v.charsChanged} 字（上限 ${v.limit} 字），此前的审核意见保留`,
  };
}

/**
 * 转载: the original text, once given, is part of the record the body is compared with; a later revision may not
 * change or drop it (a wrong paste means withdrawing and submitting anew).
 * @throws DomainError validation_failed
 */
export function assertOriginalTextKept(before: RevisionContent, after: RevisionContent): void {
  const was = before.origin.originalText;
  if (was !== undefined && was.trim() !== '' && after.origin.originalText !== was) {
    throw validationFailed('转载原文一经提交不可修改或删除；如粘贴有误，请撤回后重新投稿', { field: 'origin.originalText' });
  }
}

/** After a return, the author sends the same revision on with a statement; review restarts at 初审. */
export async function resubmitDraft(deps: ServiceDeps, actor: AuthUser, draftId: string, input: { statement: string; version: number }): Promise<TransitionOutcome<undefined>> {
  await readableDraft(deps.db, actor, draftId);
  return applyTransition(deps, {
    draftId,
    expectedVersion: input.version,
    actor,
    command: { type: 'resubmit', statement: input.statement },
    eventType: 'draft.resubmitted',
    write: async () => ({ data: { statement: input.statement } }),
  });
}

export async function withdrawDraft(deps: ServiceDeps, actor: AuthUser, draftId: string, input: { version: number; reason?: string | undefined }): Promise<TransitionOutcome<undefined>> {
  await readableDraft(deps.db, actor, draftId);
  return applyTransition(deps, {
    draftId,
    expectedVersion: input.version,
    actor,
    command: { type: 'withdraw' },
    eventType: 'draft.withdrawn',
    write: async () => ({ data: { reason: input.reason ?? null } }),
  });
}

/**
 * 先审后发: releases the current revision only if the release gate holds; returns the released bytes' hash.
 * @throws DomainError release_blocked (with the unmet conditions) | forbidden | conflict
 */
export async function releaseDraft(
  deps: ServiceDeps,
  actor: AuthUser,
  draftId: string,
  input: { version?: number | undefined; contentHash?: string | undefined },
): Promise<TransitionOutcome<{ hash: string; revisionId: string; renditionSha256: string; media: MediaRef[] }>> {
  await readableDraft(deps.db, actor, draftId);
  return applyTransition(deps, {
    draftId,
    expectedVersion: input.version,
    actor,
    command: { type: 'release' },
    eventType: 'draft.released',
    write: async ({ tx, draft, aggregate }) => {
      // 备案: nothing goes out on an account that is no longer (or not yet) on the register.
      await requireRegisteredPlatform(tx, draft.platformId);
      const revision = aggregate.revision;
      // The caller names the hash 终审 approved; any other current revision (e.g. an image replaced since) is refused.
      if (input.contentHash !== undefined && input.contentHash !== revision.contentHash) {
        throw new DomainError('release_blocked', '当前版本不是所指定的已审定版本，不能发布', { unmet: [{ code: 'hash_mismatch', expected: input.contentHash, current: revision.contentHash }] });
      }
      const refs = (revision.media ?? []) as MediaRef[];
      const bad = await verifyMediaBytes(deps, refs);
      if (bad.length) throw new DomainError('release_blocked', '媒体文件缺失或内容与哈希不符，不能发布', { unmet: [{ code: 'media_integrity', media: bad }] });
      // Release hands out the rendering of the canonical form: exactly the bytes GET /preview showed.
      const rendition = renderArticle({ title: revision.title, body: revision.body, format: revision.format }).html;
      const renditionSha256 = sha256Hex(rendition);
      await tx.insert(releases).values({ draftId, revisionId: revision.id, contentHash: revision.contentHash, renditionSha256, rendition, media: refs, releasedBy: actor.id });
      return {
        extra: { releasedHash: revision.contentHash, releasedAt: new Date() },
        data: { contentHash: revision.contentHash, revisionNumber: revision.number, renditionSha256, media: refs.map((m) => m.hash) },
        result: { hash: revision.contentHash, revisionId: revision.id, renditionSha256, media: refs },
      };
    },
  });
}

/**
 * 纠错 after release: `correct` submits corrected content that goes through review again; `retract` takes the
 * article down. Both keep the same trail.
 */
export async function correctDraft(
  deps: ServiceDeps,
  actor: AuthUser,
  draftId: string,
  input: { action: 'correct'; reason: string; content: RevisionContent; version: number } | { action: 'retract'; reason: string; version: number },
): Promise<TransitionOutcome<{ revisionId: string; hash: string } | undefined>> {
  await readableDraft(deps.db, actor, draftId);
  if (input.action === 'retract') {
    return applyTransition(deps, {
      draftId,
      expectedVersion: input.version,
      actor,
      command: { type: 'retract', reason: input.reason },
      eventType: 'draft.retracted',
      write: async () => ({ data: { reason: input.reason } }),
    });
  }
  const content = input.content;
  return applyTransition<{ revisionId: string; hash: string }, 'draft.correction_submitted'>(deps, {
    draftId,
    expectedVersion: input.version,
    actor,
    command: { type: 'correct', reason: input.reason },
    eventType: 'draft.correction_submitted',
    write: async (ctx) => {
      assertOriginalTextKept(contentOf(ctx.aggregate.revision), content);
      const { revision, hash, diff, writes } = await writeNewRevision(deps, ctx, { kind: 'correction', content, createdBy: actor.id, note: input.reason });
      return {
        ...writes,
        data: { reason: input.reason, contentHash: hash, previousHash: ctx.aggregate.revision.contentHash, diff },
        result: { revisionId: revision.id, hash },
      };
    },
  });
}

/** An admin sends a draft whose checks failed back through the checks. */
export async function retryChecks(deps: ServiceDeps, actor: AuthUser, draftId: string): Promise<TransitionOutcome<undefined>> {
  return applyTransition(deps, {
    draftId,
    actor,
    command: { type: 'retry_checks' },
    eventType: 'checks.retried',
    write: async ({ tx, aggregate }) => {
      const checkIds = await resetFailedRuns(tx, aggregate.revision.id);
      return {
        data: { checks: checkIds },
        jobs: checkIds.map((checkId) => ({ revisionId: aggregate.revision.id, checkId })),
        replaceJobs: true,
      };
    },
  });
}
