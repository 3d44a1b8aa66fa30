import { appendAuditEvent } from '../db/audit.repository';
import { loadAggregate, lockDraft, saveTransition, type DraftRow, type RevisionRow } from '../db/draft.repository';
import type { Tx } from '../db/pool';
import type { AuthUser } from '../domain/access';
import { draftChain, auditActor } from '../domain/audit';
import { transition, type Actor, type Command, type DraftAggregate, type Transition } from '../domain/workflow';
import { afterCommit, type CheckJob, type ServiceDeps } from './deps';
import { enqueueNotifications, kickNotifications } from './notify/enqueue-notifications';

export interface TransitionContext {
  tx: Tx;
  draft: DraftRow;
  aggregate: DraftAggregate & { revision: RevisionRow };
  next: Transition;
}

export interface TransitionWrites<R> {
  /** Columns to set on the draft besides the workflow state. */
  extra?: Partial<Pick<DraftRow, 'currentRevisionId' | 'title' | 'releasedHash' | 'releasedAt'>>;
  /** Audit payload; the event type is the request's. */
  data?: Record<string, unknown>;
  revisionId?: string;
  jobs?: CheckJob[];
  /** The jobs re-run work whose earlier jobs may still sit in Redis as completed or failed. */
  replaceJobs?: boolean;
  result?: R;
}

export interface TransitionRequest<R> {
  draftId: string;
  expectedVersion?: number | undefined;
  actor: AuthUser | null;
  /** The command, or a function of the locked draft that gives it (when it depends on what is locked). */
  command: Command | ((ctx: { tx: Tx; draft: DraftRow; aggregate: DraftAggregate & { revision: RevisionRow } }) => Command | Promise<Command>);
  eventType: string;
  /** Writes that belong to the same state change; runs only once the workflow has allowed it. */
  write?: (ctx: TransitionContext) => Promise<TransitionWrites<R>>;
}

export interface TransitionOutcome<R> {
  draft: DraftRow;
  eventId: number;
  result: R | undefined;
}

export const toActor = (user: AuthUser): Actor => ({
  id: user.id,
  isStaff: user.isStaff,
  roles: user.roles,
  unitId: user.unitId,
  staffId: user.staffId,
});

/**
 * The one path for every state change of a draft: lock, check version, decide with the pure workflow, write,
 * append exactly one audit event, COMMIT; then enqueue and broadcast.
 * @throws DomainError from the workflow, `not_found`, or `conflict` on a stale version
 */
export async function applyTransition<R = undefined>(
  deps: ServiceDeps,
  request: TransitionRequest<R>,
): Promise<TransitionOutcome<R>> {
  const committed = await deps.db.transaction(async (tx) => {
    const draft = await lockDraft(tx, request.draftId, request.expectedVersion);
    const aggregate = await loadAggregate(tx, draft);
    const command = typeof request.command === 'function' ? await request.command({ tx, draft, aggregate }) : request.command;
    const next = transition(deps.stages, aggregate, command, request.actor ? toActor(request.actor) : null);
    const writes = request.write ? await request.write({ tx, draft, aggregate, next }) : {};
    const saved = await saveTransition(tx, draft, next, writes.extra);
    const event = await appendAuditEvent(tx, {
      chain: draftChain(draft.id),
      draftId: draft.id,
      revisionId: writes.revisionId ?? saved.currentRevisionId,
      actorId: request.actor?.id ?? null,
      actorName: auditActor(request.actor),
      type: request.eventType,
      data: {
        from: { status: draft.status, stage: draft.stage },
        to: { status: saved.status, stage: saved.stage },
        version: saved.version,
        ...writes.data,
      },
    });
    const owed = await enqueueNotifications(tx, { before: draft, after: saved, aggregate, next, command, actorId: request.actor?.id ?? null });
    return { draft: saved, eventId: event.id, writes, owed };
  });
  announce(deps, committed.draft, committed.eventId, committed.writes.jobs ?? [], committed.writes.replaceJobs);
  kickNotifications(deps, committed.owed);
  return { draft: committed.draft, eventId: committed.eventId, result: committed.writes.result };
}

/** Post-commit: queue the owed checks and tell the boards. Neither may fail the request. */
export function announce(deps: ServiceDeps, draft: Pick<DraftRow, 'id' | 'unitId' | 'status' | 'stage' | 'version'>, eventId: number, jobs: readonly CheckJob[], replaceJobs = false): void {
  if (jobs.length > 0) afterCommit(deps, 'enqueue checks', () => deps.queue.enqueue(jobs, { replaceFinished: replaceJobs }));
  afterCommit(deps, 'publish draft.changed', () =>
    deps.events.publish({
      id: draft.id,
      unitId: draft.unitId,
      status: draft.status,
      stage: draft.stage,
      version: draft.version,
      eventId,
    }),
  );
}
