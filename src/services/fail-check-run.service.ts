import { draftOfRuns, failRun, lockRun } from '../db/check-run.repository';
import { lockDraft, loadAggregate } from '../db/draft.repository';
import { announce, commitTransition } from './apply-transition';
import type { CheckJob, ServiceDeps } from './deps';
import { kickNotifications } from './notify/enqueue-notifications';

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
    // A run of an older revision (or of a draft that moved on) is recorded as failed without moving the draft.
    const moves = draft.currentRevisionId === job.revisionId && draft.status === 'checking';
    return commitTransition(tx, deps.stages, { draft, aggregate }, moves ? { type: 'checks_failed' } : null, {
      type: 'check.failed',
      actor: null,
      revisionId: job.revisionId,
      outcome: 'failure',
      data: { check: job.checkId, reason },
    });
  });
  if (!committed) return false;
  announce(deps, committed.saved, committed.event.id, []);
  kickNotifications(deps, committed.owed);
  return true;
}
