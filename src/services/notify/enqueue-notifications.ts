import { sql } from 'drizzle-orm';
import { NOTIFICATION_EVENT_LABELS, type NotificationEvent } from '../../../config/notifications';
import type { DraftRow } from '../../db/draft.repository';
import {
  channelsFor,
  draftNotifyContext,
  insertDeliveries,
  insertInbox,
  insertNotification,
  peopleByIds,
  peopleWithRole,
  type DraftNotifyContext,
  type PersonRow,
} from '../../db/notification.repository';
import type { Executor, Tx } from '../../db/pool';
import { decisionsAfter, notificationEvents, type Audience } from '../../domain/notify';
import { afterCommit, type ServiceDeps } from '../deps';
import { STAGE_LABELS, STAGE_ROLE, stageEligibility, type Command, type DraftAggregate, type StageId, type Transition } from '../../domain/workflow';

/** One committed-to-be state change, as the transition path sees it inside its transaction. */
export interface NotifyTransition {
  before: DraftRow;
  after: DraftRow;
  aggregate: DraftAggregate;
  next: Transition;
  command: Command;
  actorId: string | null;
}

/** What the transaction made owed: delivered after COMMIT by the notification worker (or its sweeper). */
export interface OwedNotifications {
  deliveryIds: string[];
  /** People whose in-app inbox got a row (their bell is told over the socket). */
  userIds: string[];
}

export const NO_NOTIFICATIONS: OwedNotifications = { deliveryIds: [], userIds: [] };

/** What every payload may carry: number, title (not for 密级 drafts), stage, unit, a link — never the body. */
export function payloadOf(ctx: DraftNotifyContext, event: NotificationEvent, stage: string | null, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event,
    label: NOTIFICATION_EVENT_LABELS[event],
    number: ctx.number,
    title: ctx.secrecy ? null : ctx.title,
    secrecy: ctx.secrecy,
    stage: stage ? (STAGE_LABELS[stage as StageId] ?? stage) : null,
    stageId: stage,
    unit: ctx.unitName,
    link: `/#/drafts/${ctx.id}`,
    ...extra,
  };
}

/** The stage's eligible reviewers for this draft: the unit's (school-wide stages: anyone's), never the author. */
export async function stageReviewers(db: Executor, draft: DraftAggregate, stage: StageId): Promise<PersonRow[]> {
  const candidates = await peopleWithRole(db, STAGE_ROLE[stage], stage === 'propaganda' ? null : draft.unitId);
  return candidates.filter((c) => stageEligibility(draft, { id: c.id, isStaff: c.isStaff, roles: c.roles as never, unitId: c.unitId }, stage).length === 0);
}

/**
 * Writes one notification with its inbox rows and deliveries (one per person with e-mail who wants it now, one
 * per channel that hears the event). A dedup key already used writes nothing.
 */
export async function writeNotification(
  tx: Tx,
  input: {
    event: NotificationEvent;
    draftId: string | null;
    unitId: string | null;
    dedupKey?: string;
    payload: Record<string, unknown>;
    people: readonly PersonRow[];
    channels?: boolean;
    inbox?: boolean;
  },
): Promise<OwedNotifications> {
  const id = await insertNotification(tx, { event: input.event, draftId: input.draftId, dedupKey: input.dedupKey ?? null, payload: input.payload });
  if (!id) return NO_NOTIFICATIONS;
  const people = [...new Map(input.people.map((p) => [p.id, p])).values()];
  if (input.inbox !== false)
    await insertInbox(
      tx,
      id,
      people.map((p) => p.id),
    );
  const channels = input.channels !== false && input.unitId ? await channelsFor(tx, input.unitId, input.event) : [];
  const deliveryIds = await insertDeliveries(tx, id, [
    ...people.filter((p) => p.email && p.emailEnabled && !p.digest).map((p) => ({ userId: p.id, kind: 'email' })),
    ...channels.map((c) => ({ channelId: c.id, kind: c.kind })),
  ]);
  return { deliveryIds, userIds: input.inbox === false ? [] : people.map((p) => p.id) };
}

async function audienceOf(tx: Tx, audience: Audience, t: NotifyTransition, ctx: DraftNotifyContext): Promise<PersonRow[]> {
  switch (audience.kind) {
    case 'stage_reviewers':
      return stageReviewers(tx, decisionsAfter(t.aggregate, t.next), audience.stage);
    case 'author':
      return peopleByIds(tx, [ctx.authorId]);
    case 'propaganda':
      return peopleWithRole(tx, 'propaganda', null);
  }
}

/**
 * The outbox write of a transition: called inside its transaction, so a rolled-back change notifies no one and a
 * committed one owes every delivery it caused. Inserts only (no network): a channel that is down cannot slow it.
 */
export async function enqueueNotifications(tx: Tx, t: NotifyTransition): Promise<OwedNotifications> {
  // Most transitions that tell nobody (a waiver, a proofreading edit) cost no query at all.
  if (notificationEvents({ before: t.before, next: t.next, command: t.command, platformLevel: 'school', blockingFindings: 0 }).length === 0) return NO_NOTIFICATIONS;
  const ctx0 = await draftNotifyContext(tx, t.after.id);
  if (!ctx0) return NO_NOTIFICATIONS;
  const blocking =
    t.command.type === 'checks_completed' && t.next.status === 'returned'
      ? Number(
          (
            (await tx.execute(sql`SELECT count(*)::int AS n FROM findings WHERE revision_id = ${t.after.currentRevisionId} AND severity = 'block' AND waived_at IS NULL`)).rows[0] as
              { n: number } | undefined
          )?.n ?? 0,
        )
      : 0;
  const events = notificationEvents({ before: t.before, next: t.next, command: t.command, platformLevel: ctx0.platformLevel, blockingFindings: blocking });
  const ctx = { ...ctx0, title: t.after.title };
  const owed: OwedNotifications = { deliveryIds: [], userIds: [] };
  for (const e of events) {
    // Nobody is told about what they did themselves.
    const people = (await audienceOf(tx, e.audience, t, ctx)).filter((p) => p.id !== t.actorId);
    const stage = e.audience.kind === 'stage_reviewers' ? e.audience.stage : (t.next.stage ?? t.before.stage);
    const written = await writeNotification(tx, {
      event: e.event,
      draftId: t.after.id,
      unitId: ctx.unitId,
      payload: payloadOf(ctx, e.event, stage, e.reasons ? { reasons: e.reasons } : {}),
      people,
    });
    owed.deliveryIds.push(...written.deliveryIds);
    owed.userIds.push(...written.userIds);
  }
  return owed;
}

/** Post-commit: queue the owed deliveries and ring the bells. Neither may fail the committed work. */
export function kickNotifications(deps: Pick<ServiceDeps, 'notifications' | 'logger'>, owed: OwedNotifications): void {
  const port = deps.notifications;
  if (!port) return;
  if (owed.deliveryIds.length > 0) afterCommit(deps, 'enqueue notifications', () => port.deliver(owed.deliveryIds));
  if (owed.userIds.length > 0) afterCommit(deps, 'notify bells', () => port.inboxChanged(owed.userIds));
}
