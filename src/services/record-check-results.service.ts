import { appendAuditEvents, type NewAuditEvent } from '../db/audit.repository';
import { completeRuns, lockRuns, type CheckRunRow, type RevisionToCheck } from '../db/check-run.repository';
import { lockDraft, loadAggregate, type DraftRow } from '../db/draft.repository';
import { listFindings } from '../db/finding.repository';
import { draftChain } from '../domain/audit';
import type { CheckResult } from '../domain/findings';
import { announce, commitTransition } from './apply-transition';
import type { ServiceDeps } from './deps';
import { kickNotifications, NO_NOTIFICATIONS } from './notify/enqueue-notifications';
import type { CheckJob } from './deps';
import { configuredPolicy } from './waiver-policy';

/** A run computed and waiting for its revision's commit. */
export interface Computed {
  job: CheckJob;
  result: CheckResult;
  /** Version (hash of ids) of the unit/genre whitelist entries applied, '' for none. */
  scopedVersion: string;
  settle: (outcome: 'completed' | 'skipped' | 'failed' | Error) => void;
}

/* The check worker's writer: the batcher (run-check.service.ts) hands it a revision's computed runs. */

/**
 * Records computed runs of one revision in one transaction and returns those it recorded; runs no longer
 * pending (done by a duplicate delivery, failed, reset) are left alone.
 */
export async function recordResults(deps: ServiceDeps, read: RevisionToCheck, computed: readonly Computed[]): Promise<Set<Computed>> {
  const revisionId = read.revision.id;
  const committed = await deps.db.transaction(async (tx) => {
    const draft = await lockDraft(tx, read.revision.draftId);
    const runs = await lockRuns(tx, revisionId);
    const pending = new Map(runs.filter((r) => r.status === 'pending').map((r) => [r.checkId, r]));
    // A check reported twice in one batch (a duplicate delivery) is recorded once.
    const byCheck = new Map<string, { run: CheckRunRow; result: CheckResult; computed: Computed }>();
    for (const c of computed) {
      const run = pending.get(c.job.checkId);
      if (run && !byCheck.has(run.checkId)) byCheck.set(run.checkId, { run, result: c.result, computed: c });
    }
    if (byCheck.size === 0) return null;
    const done = [...byCheck.values()];
    await completeRuns(
      tx,
      done.map(({ run, result }) => ({
        run,
        rulesetVersion: result.rulesetVersion,
        // Each finding keeps the waiver policy its rule has now (config/waivers.ts).
        findings: result.findings.map((f) => ({ ...f, waiverPolicy: configuredPolicy(f).policy })),
      })),
    );
    const summaries = done.map(({ run, result, computed: c }) => ({
      check: run.checkId,
      rulesetVersion: result.rulesetVersion,
      ...(c.scopedVersion ? { scopedWhitelistVersion: c.scopedVersion } : {}),
      findings: result.findings.length,
      blocking: result.findings.filter((f) => f.severity === 'block').length,
    }));
    const events: NewAuditEvent[] = summaries.map((data) => ({ chain: draftChain(draft.id), draftId: draft.id, revisionId, actorId: null, actorName: '系统', type: 'check.completed', data }));
    const saved: DraftRow = draft;
    const owed = NO_NOTIFICATIONS;
    const recorded = new Set(done.map((r) => r.computed));
    // Only the last owed run of the current revision moves the draft; the others just record their result
    // (the run row is their state, the audit event their trail) and leave the draft's version alone.
    const owedAfter = runs.filter((r) => r.status !== 'done' && !byCheck.has(r.checkId)).length;
    if (draft.currentRevisionId === revisionId && draft.status === 'checking' && owedAfter === 0) {
      const aggregate = await loadAggregate(tx, draft, read.revision);
      const all = await listFindings(tx, revisionId);
      const hasBlocking = all.some((f) => f.severity === 'block' && !f.waivedAt);
      const escalate = all.some((f) => f.escalate);
      // The last result's event is the transition's own: checks.completed, with the totals.
      events.pop();
      const committed = await commitTransition(
        tx,
        deps.stages,
        { draft, aggregate },
        { type: 'checks_completed', hasBlocking, escalate },
        { type: 'checks.completed', actor: null, revisionId, data: summaries.at(-1) },
        {
          before: events,
          write: async (next) => ({
            data: { totalFindings: all.length, blockingFindings: all.filter((f) => f.severity === 'block').length, escalated: next.escalated, autoReturned: hasBlocking },
          }),
        },
      );
      return { saved: committed.saved, eventId: committed.event.id, moved: true, recorded, owed: committed.owed };
    }
    const appended = await appendAuditEvents(tx, draftChain(draft.id), events);
    return { saved, eventId: appended.at(-1)!.id, moved: false, recorded, owed };
  });
  if (!committed) return new Set();
  // Boards care about the draft's state; an intermediate run did not change it.
  if (committed.moved) announce(deps, committed.saved, committed.eventId, []);
  kickNotifications(deps, committed.owed);
  return committed.recorded;
}
