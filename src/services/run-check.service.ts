import { appendAuditEvent } from '../db/audit.repository';
import {
  completeRun,
  countAttempt,
  countOwedRuns,
  draftOfRuns,
  failRun,
  getDraft,
  getRevision,
  listFindings,
  loadAggregate,
  lockDraft,
  lockRun,
  saveTransition,
  type DraftRow,
} from '../db/draft.repository';
import { recentReleasedTexts } from '../db/reference.repository';
import type { RevisionContent } from '../domain/content';
import { draftChain } from '../domain/audit';
import type { CheckResult } from '../domain/findings';
import { transition } from '../domain/workflow';
import type { CheckContext } from '../checks/engine';
import { announce } from './apply-transition';
import type { CheckJob, ServiceDeps } from './deps';
import { contentOf } from './review.service';

export type RunCheckOutcome = 'completed' | 'skipped' | 'failed';

/** A check threw on attempt `attempts` (as counted in PostgreSQL, which survives Redis losing the job). */
export class CheckAttemptError extends Error {
  constructor(
    readonly attempts: number,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'CheckAttemptError';
  }
}

/**
 * Runs checks for the worker: in process (an engine, swapped atomically when dictionaries change) or on a pool of
 * threads with a time limit per run (workers/check-pool.ts), which answers asynchronously.
 */
export interface CheckRunner {
  run(checkId: string, content: ReturnType<typeof contentOf>, context?: CheckContext): CheckResult | Promise<CheckResult>;
}

/**
 * How many times a run may be started before it is given up. A start that never reports back means its process
 * died (kill -9, OOM, a deploy) — rarely the check's fault now that checks run on threads with a time limit — so
 * such interruptions get an allowance of their own; a check that throws or overruns fails after checkMaxAttempts.
 */
export function startBudget(deps: Pick<ServiceDeps, 'checkMaxAttempts'>): number {
  return deps.checkMaxAttempts * 2;
}

/**
 * Runs one owed check and records its result exactly once in effect: a run already done (a duplicate delivery,
 * a job re-driven by the sweeper) is skipped. The last run of a current revision moves the draft on.
 * @throws Error when the check itself fails (the queue retries; after the last attempt call failCheckRun)
 */
export async function runCheck(deps: ServiceDeps, runner: CheckRunner, job: CheckJob): Promise<RunCheckOutcome> {
  const attempts = await countAttempt(deps.db, job.revisionId, job.checkId);
  if (attempts === undefined) return 'skipped';
  if (attempts > startBudget(deps)) {
    await failCheckRun(deps, job, `gave up after ${attempts - 1} starts without a result`);
    return 'failed';
  }
  const revision = await getRevision(deps.db, job.revisionId);
  if (!revision) return 'skipped';
  const content = contentOf(revision);
  const context = job.checkId === 'copyright' ? await copyrightContext(deps, revision.draftId, content) : undefined;
  // Computed before taking any lock: checks may take milliseconds, locks should not.
  let result: CheckResult;
  try {
    result = await runner.run(job.checkId, content, context);
  } catch (error) {
    throw new CheckAttemptError(attempts, error);
  }

  const committed = await deps.db.transaction(async (tx) => {
    const draft = await lockDraft(tx, revision.draftId);
    const run = await lockRun(tx, job.revisionId, job.checkId);
    if (!run || run.status !== 'pending') return null;
    await completeRun(tx, run, result.rulesetVersion, result.findings);
    const summary = {
      check: job.checkId,
      rulesetVersion: result.rulesetVersion,
      findings: result.findings.length,
      blocking: result.findings.filter((f) => f.severity === 'block').length,
    };
    let saved: DraftRow = draft;
    let type = 'check.completed';
    let data: Record<string, unknown> = summary;
    const isCurrent = draft.currentRevisionId === job.revisionId;
    // Only the last owed run of the current revision moves the draft; the others just record their result
    // (the run row is their state, the audit event their trail) and leave the draft's version alone.
    const owed = isCurrent && draft.status === 'checking' ? await countOwedRuns(tx, job.revisionId) : -1;
    if (owed === 0) {
      const aggregate = await loadAggregate(tx, draft);
      const all = await listFindings(tx, job.revisionId);
      const hasBlocking = all.some((f) => f.severity === 'block' && !f.waivedAt);
      const escalate = all.some((f) => f.escalate);
      const next = transition(deps.stages, aggregate, { type: 'checks_completed', hasBlocking, escalate }, null);
      saved = await saveTransition(tx, draft, next);
      type = 'checks.completed';
      data = {
        ...summary,
        from: { status: draft.status, stage: draft.stage },
        to: { status: saved.status, stage: saved.stage },
        version: saved.version,
        totalFindings: all.length,
        blockingFindings: all.filter((f) => f.severity === 'block').length,
        escalated: saved.escalated,
        autoReturned: hasBlocking,
      };
    }
    const event = await appendAuditEvent(tx, {
      chain: draftChain(draft.id),
      draftId: draft.id,
      revisionId: job.revisionId,
      actorId: null,
      actorName: '系统',
      type,
      data,
    });
    return { saved, eventId: event.id, moved: saved !== draft };
  });
  if (!committed) return 'skipped';
  // Boards care about the draft's state; an intermediate run did not change it.
  if (committed.moved) announce(deps, committed.saved, committed.eventId, []);
  return 'completed';
}

/** Near-duplicate candidates: recent released drafts of the same unit or platform, bounded. */
export const REFERENCE_TEXTS = { limit: 50, maxChars: 20_000 } as const;

/** Supplies released texts to compare a draft declared original against (the check ignores them otherwise). */
async function copyrightContext(deps: ServiceDeps, draftId: string, content: RevisionContent): Promise<CheckContext | undefined> {
  if (content.origin.kind !== 'original') return undefined;
  const draft = await getDraft(deps.db, draftId);
  if (!draft) return undefined;
  const referenceTexts = await recentReleasedTexts(deps.db, { unitId: draft.unitId, platformId: draft.platformId, excludeDraftId: draft.id, ...REFERENCE_TEXTS });
  return { referenceTexts };
}

/**
 * Gives up on a run after its bounded attempts; the draft lands in checks_failed, visible and retryable. Resolves
 * to false when there was nothing to give up: the run is no longer pending, or an admin's retry reset its count.
 */
export async function failCheckRun(deps: ServiceDeps, job: CheckJob, reason: string): Promise<boolean> {
  const committed = await deps.db.transaction(async (tx) => {
    const draftId = await draftOfRuns(tx, job.revisionId);
    if (!draftId) return null;
    const draft = await lockDraft(tx, draftId);
    const run = await lockRun(tx, job.revisionId, job.checkId);
    // Only when PostgreSQL's count says the attempts are used up: an admin may have reset the run meanwhile.
    if (!run || run.status !== 'pending' || run.attempts < deps.checkMaxAttempts) return null;
    await failRun(tx, run, reason);
    const aggregate = await loadAggregate(tx, draft);
    const moves = draft.currentRevisionId === job.revisionId && draft.status === 'checking';
    const next = moves
      ? transition(deps.stages, aggregate, { type: 'checks_failed' }, null)
      : { status: aggregate.status, stage: aggregate.stage, round: draft.round, escalated: draft.escalated, everReleased: draft.everReleased };
    const saved = await saveTransition(tx, draft, next);
    const event = await appendAuditEvent(tx, {
      chain: draftChain(draft.id),
      draftId: draft.id,
      revisionId: job.revisionId,
      actorId: null,
      actorName: '系统',
      type: 'check.failed',
      outcome: 'failure',
      data: { check: job.checkId, reason, from: { status: draft.status, stage: draft.stage }, to: { status: saved.status, stage: saved.stage }, version: saved.version },
    });
    return { saved, eventId: event.id };
  });
  if (!committed) return false;
  announce(deps, committed.saved, committed.eventId, []);
  return true;
}
