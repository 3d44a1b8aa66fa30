import { DIGEST_AT, REMINDER_QUIET_HOURS, STAGE_SLA_REMIND_HOURS } from '../../../config/notifications';
import { getDraft, loadAggregate } from '../../db/draft.repository';
import { digestSubscribers, draftNotifyContext, draftsInReviewSince, inboxSince, owedDeliveries, peopleWithRole, releaseStaleSending } from '../../db/notification.repository';
import { localDate, localMinutes, minutesOf, quietUntil } from '../../domain/notify';
import type { StageId } from '../../domain/workflow';
import type { ServiceDeps } from '../deps';
import { kickNotifications, payloadOf, stageReviewers, writeNotification } from './enqueue-notifications';

export interface SweepNotificationsOptions {
  /** Re-adds a lost job for a delivery's next attempt. */
  redrive(deliveryId: string, attempts: number): Promise<'added' | 'present'>;
  leaseMs: number;
  /** A pending, due delivery is re-driven once it has waited this long (its job may be lost). */
  idleMs: number;
  tz: string;
  now?: () => Date;
  slaHours?: Readonly<Record<StageId, number>>;
}

export interface NotificationSweepReport {
  released: number;
  redriven: number;
  reminders: number;
  digests: number;
}

/**
 * PostgreSQL holds what is owed; Redis only speeds it up. Each pass: deliveries stuck "sending" past the lease are
 * owed again, owed deliveries without a live job are re-driven, 催办 reminders are written for stages past their
 * SLA (once per period, not at night), and daily digests are written after DIGEST_AT.
 */
export async function sweepNotifications(deps: ServiceDeps, options: SweepNotificationsOptions): Promise<NotificationSweepReport> {
  const report: NotificationSweepReport = { released: 0, redriven: 0, reminders: 0, digests: 0 };
  report.released = await releaseStaleSending(deps.db, options.leaseMs);
  for (const owed of await owedDeliveries(deps.db, options.idleMs, 500)) {
    if ((await options.redrive(owed.id, owed.attempts)) === 'added') report.redriven++;
  }
  const now = options.now?.() ?? new Date();
  report.reminders = await writeReminders(deps, now, options);
  report.digests = await writeDigests(deps, now, options.tz);
  return report;
}

/** 催办: one reminder per (draft, stage visit, SLA period); from the second period on, the unit's 宣传 lead as well. */
export async function writeReminders(deps: ServiceDeps, now: Date, options: Pick<SweepNotificationsOptions, 'tz' | 'slaHours'>): Promise<number> {
  if (quietUntil(now, options.tz, REMINDER_QUIET_HOURS)) return 0;
  const sla = options.slaHours ?? STAGE_SLA_REMIND_HOURS;
  const shortest = Math.min(...Object.values(sla));
  let written = 0;
  for (const candidate of await draftsInReviewSince(deps.db, now, shortest, 500)) {
    const stage = candidate.stage as StageId;
    const periodMs = (sla[stage] ?? shortest) * 3_600_000;
    const period = Math.floor((now.getTime() - candidate.stageEnteredAt.getTime()) / periodMs);
    if (period < 1) continue;
    const owed = await deps.db.transaction(async (tx) => {
      const draft = await getDraft(tx, candidate.id);
      // Moved on since the scan: the next pass sees its new stage.
      if (!draft || draft.status !== 'in_review' || draft.stage !== stage || draft.stageEnteredAt.getTime() !== candidate.stageEnteredAt.getTime()) return null;
      const ctx = await draftNotifyContext(tx, draft.id);
      if (!ctx) return null;
      const reviewers = await stageReviewers(tx, await loadAggregate(tx, draft), stage);
      let leads: Awaited<ReturnType<typeof peopleWithRole>> = [];
      if (period >= 2) {
        leads = await peopleWithRole(tx, 'propaganda', draft.unitId);
        if (leads.length === 0) leads = await peopleWithRole(tx, 'propaganda', null);
      }
      const hours = Math.floor((now.getTime() - draft.stageEnteredAt.getTime()) / 3_600_000);
      return writeNotification(tx, {
        event: 'review.reminder',
        draftId: draft.id,
        unitId: draft.unitId,
        dedupKey: `remind:${draft.id}:${stage}:${draft.round}:${draft.stageEnteredAt.getTime()}:${period}`,
        payload: payloadOf(ctx, 'review.reminder', stage, { period, hoursInStage: hours, reasons: `已在本环节停留 ${hours} 小时，超过 ${sla[stage] ?? shortest} 小时时限` }),
        people: [...reviewers, ...leads.filter((l) => l.id !== draft.authorId)],
      });
    });
    if (owed && owed.userIds.length + owed.deliveryIds.length > 0) {
      written++;
      kickNotifications(deps, owed);
    }
  }
  return written;
}

/** The daily digest: after DIGEST_AT (TZ_REVIEW), one e-mail per subscriber and day listing the last day's notifications. */
export async function writeDigests(deps: ServiceDeps, now: Date, tz: string): Promise<number> {
  if (localMinutes(now, tz) < (minutesOf(DIGEST_AT) ?? 0)) return 0;
  const day = localDate(now, tz);
  let written = 0;
  for (const person of await digestSubscribers(deps.db)) {
    const items = await inboxSince(deps.db, person.id, new Date(now.getTime() - 24 * 3_600_000));
    if (items.length === 0) continue;
    const owed = await deps.db.transaction((tx) =>
      writeNotification(tx, {
        event: 'digest.daily',
        draftId: null,
        unitId: null,
        dedupKey: `digest:${person.id}:${day}`,
        payload: { event: 'digest.daily', label: '每日汇总', number: day, title: `${items.length} 条通知`, unit: '', link: '/#/notifications', items: items.map((i) => i.payload) },
        people: [{ ...person, digest: false }],
        channels: false,
        inbox: false,
      }),
    );
    if (owed.deliveryIds.length > 0) {
      written++;
      kickNotifications(deps, owed);
    }
  }
  return written;
}
