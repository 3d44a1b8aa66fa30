import type { StageId } from '../src/domain/workflow';
import { STAGE_SLA_HOURS } from './stages';

/**
 * Who hears what (issue 14). Events are `aggregate.pastTense`; the README's events table mirrors this list.
 */
export const NOTIFICATION_EVENTS = [
  'review.waiting',
  'review.reminder',
  'draft.returned',
  'draft.approved',
  'draft.rejected',
  'draft.released',
  'draft.correction_requested',
  'draft.escalated',
  'draft.school_level',
  'digest.daily',
] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

export const NOTIFICATION_EVENT_LABELS: Readonly<Record<NotificationEvent, string>> = {
  'review.waiting': '待审稿件',
  'review.reminder': '催办',
  'draft.returned': '稿件被退回',
  'draft.approved': '稿件审核通过',
  'draft.rejected': '稿件未通过',
  'draft.released': '稿件已发布',
  'draft.correction_requested': '发起纠错',
  'draft.escalated': '重大事项，提交宣传部',
  'draft.school_level': '校级平台稿件',
  'digest.daily': '每日汇总',
};

/**
 * 催办: a stage holding a draft longer than its SLA (config/stages.ts, the board's amber line) reminds the stage's
 * reviewers, once per SLA period; from the second period on the unit's 宣传 lead is reminded too.
 */
export const STAGE_SLA_REMIND_HOURS: Readonly<Record<StageId, number>> = {
  first: STAGE_SLA_HOURS.warn,
  second: STAGE_SLA_HOURS.warn,
  final: STAGE_SLA_HOURS.warn,
  propaganda: STAGE_SLA_HOURS.warn,
};

/** Reminders wait while it is night in TZ_REVIEW (hours, local; start > end spans midnight). */
export const REMINDER_QUIET_HOURS = { start: '22:00', end: '07:00' } as const;

/** Daily digests go out at this local time (TZ_REVIEW). */
export const DIGEST_AT = '08:00';

/** A send that takes longer is cut off and counts as a failed attempt. */
export const DELIVERY_TIMEOUT_MS = 10_000;
