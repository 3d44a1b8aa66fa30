import { appendAuditEvents, type NewAuditEvent } from '../db/audit.repository';
import { loadAggregate, lockDraft, saveTransition, type DraftRow } from '../db/draft.repository';
import type { RevisionRow } from '../db/revision.repository';
import type { Tx } from '../db/pool';
import type { AuthUser } from '../domain/access';
import { draftChain, auditActor, type AuditOutcome, type StoredAuditEvent } from '../domain/audit';
import { auditEvent, type AuditEventPayloads, type DraftEventType, type TransitionPayload } from '../domain/audit-events';
import { transition, type Actor, type Command, type DraftAggregate, type StagePlan, type Transition } from '../domain/workflow';
import { afterCommit, type CheckJob, type ServiceDeps } from './deps';
import { enqueueNotifications, kickNotifications, NO_NOTIFICATIONS, type OwedNotifications } from './notify/enqueue-notifications';

export interface TransitionContext {
  tx: Tx;
  draft: DraftRow;
  aggregate: DraftAggregate & { revision: RevisionRow };
  next: Transition;
}

export interface TransitionWrites<R, E extends DraftEventType = DraftEventType> {
  /** Columns to set on the draft besides the workflow state. */
  extra?: Partial<Pick<DraftRow, 'currentRevisionId' | 'title' | 'releasedHash' | 'releasedAt'>>;
  /** Audit payload as the catalog types it for the request's event type (less what the core adds). */
  data?: TransitionPayload<E>;
  revisionId?: string;
  jobs?: CheckJob[];
  /** The jobs re-run work whose earlier jobs may still sit in Redis as completed or failed. */
  replaceJobs?: boolean;
  result?: R;
}

export interface TransitionRequest<R, E extends DraftEventType = DraftEventType> {
  draftId: string;
  expectedVersion?: number | undefined;
  actor: AuthUser | null;
  /** The command, or a function of the locked draft that gives it (when it depends on what is locked). */
  command: Command | ((ctx: { tx: Tx; draft: DraftRow; aggregate: DraftAggregate & { revision: RevisionRow } }) => Command | Promise<Command>);
  eventType: E;
  /** Writes that belong to the same state change; runs only once the workflow has allowed it. */
  write?: (ctx: TransitionContext) => Promise<TransitionWrites<R, E>>;
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

/** A draft locked `FOR UPDATE` in the caller's transaction, with the aggregate the workflow decides on. */
export interface LockedDraft {
  draft: DraftRow;
  aggregate: DraftAggregate & { revision: RevisionRow };
}

/** The audit event of a state change; commitTransition adds `from`, `to` and `version` to its data. */
export interface TransitionEvent<E extends DraftEventType = DraftEventType> {
  type: E;
  actor: AuthUser | null;
  /** Defaults to the draft's current revision after the change. */
  revisionId?: string | undefined;
  outcome?: AuditOutcome;
  /** The payload, or the part of it known before the write (the rest comes from `CommitOptions.write`). */
  data?: Partial<TransitionPayload<E>>;
}

export interface CommitOptions<E extends DraftEventType = DraftEventType> {
  /** Events of the same change appended before the transition's own, in one chain append (the check results). */
  before?: readonly NewAuditEvent[];
  /** Writes that belong to the change, run once the workflow has allowed it and before the draft is saved. */
  write?: (next: Transition) => Promise<{ extra?: TransitionWrites<unknown>['extra']; data?: Partial<TransitionPayload<E>> | undefined; revisionId?: string | undefined }>;
}

export interface CommittedTransition {
  before: DraftRow;
  saved: DraftRow;
  next: Transition;
  event: StoredAuditEvent;
  /** Notifications written in the transaction; kickNotifications() them after COMMIT. */
  owed: OwedNotifications;
}

/**
 * The core of every state change of a draft, inside the caller's transaction on a draft it has locked: decide with
 * the pure workflow (`command` null records an event without moving the draft), save with version + 1, append the
 * change's audit event (after `options.before`, in one append) and write the notifications it owes. The caller
 * commits, then calls announce() and kickNotifications().
 * @throws DomainError from the workflow when the command is not allowed
 */
export async function commitTransition<E extends DraftEventType>(
  tx: Tx,
  stages: StagePlan,
  locked: LockedDraft,
  command: Command | null,
  event: TransitionEvent<E>,
  options: CommitOptions<E> = {},
): Promise<CommittedTransition> {
  const { draft, aggregate } = locked;
  const next: Transition = command
    ? transition(stages, aggregate, command, event.actor ? toActor(event.actor) : null)
    : { status: aggregate.status, stage: aggregate.stage, round: draft.round, escalated: draft.escalated, everReleased: draft.everReleased };
  const writes = options.write ? await options.write(next) : {};
  const saved = await saveTransition(tx, draft, next, writes.extra);
  const own: NewAuditEvent = {
    chain: draftChain(draft.id),
    draftId: draft.id,
    revisionId: writes.revisionId ?? event.revisionId ?? saved.currentRevisionId,
    actorId: event.actor?.id ?? null,
    actorName: auditActor(event.actor),
    ...(event.outcome ? { outcome: event.outcome } : {}),
    // The catalog types each part where it is made (the event's data, the write's data); together they are the payload.
    ...auditEvent<DraftEventType>(event.type, {
      ...event.data,
      from: { status: draft.status, stage: draft.stage },
      to: { status: saved.status, stage: saved.stage },
      version: saved.version,
      ...writes.data,
    } as AuditEventPayloads[DraftEventType]),
  };
  const appended = await appendAuditEvents(tx, own.chain, [...(options.before ?? []), own]);
  const owed = command ? await enqueueNotifications(tx, { before: draft, after: saved, aggregate, next, command, actorId: event.actor?.id ?? null }) : NO_NOTIFICATIONS;
  return { before: draft, saved, next, event: appended.at(-1)!, owed };
}

/**
 * The one path for every state change of a draft from a request: lock, check version, then commitTransition()
 * (decide with the pure workflow, write, append exactly one audit event), COMMIT; then enqueue and broadcast.
 * @throws DomainError from the workflow, `not_found`, or `conflict` on a stale version
 */
export async function applyTransition<R = undefined, E extends DraftEventType = DraftEventType>(deps: ServiceDeps, request: TransitionRequest<R, E>): Promise<TransitionOutcome<R>> {
  const committed = await deps.db.transaction(async (tx) => {
    const draft = await lockDraft(tx, request.draftId, request.expectedVersion);
    const aggregate = await loadAggregate(tx, draft);
    const command = typeof request.command === 'function' ? await request.command({ tx, draft, aggregate }) : request.command;
    let writes: TransitionWrites<R, E> = {};
    const done = await commitTransition(
      tx,
      deps.stages,
      { draft, aggregate },
      command,
      { type: request.eventType, actor: request.actor },
      {
        write: async (next) => {
          writes = request.write ? await request.write({ tx, draft, aggregate, next }) : {};
          return { extra: writes.extra, data: writes.data, revisionId: writes.revisionId };
        },
      },
    );
    return { draft: done.saved, eventId: done.event.id, writes, owed: done.owed };
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
