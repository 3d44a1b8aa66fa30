import type { Command, DraftAggregate, DraftStatus, StageId, Transition } from './workflow';

/** A notification event and whom it concerns, derived from one state change (pure: no I/O). */
export type Audience = { kind: 'stage_reviewers'; stage: StageId } | { kind: 'author' } | { kind: 'propaganda' };

export interface DerivedEvent {
  event: 'review.waiting' | 'draft.returned' | 'draft.approved' | 'draft.rejected' | 'draft.released' | 'draft.correction_requested' | 'draft.escalated' | 'draft.school_level';
  audience: Audience;
  /** Reasons shown to the editor (a return's or rejection's comment, a correction's reason). */
  reasons?: string;
}

export interface StateChange {
  before: { status: DraftStatus | string; stage: StageId | string | null; escalated: boolean };
  next: Transition;
  command: Command;
  platformLevel: 'school' | 'unit' | string;
  /** Blocking findings when the checks returned the draft. */
  blockingFindings?: number;
}

/**
 * Who hears what, as data: the events one transition causes. Entering a stage tells that stage's eligible
 * reviewers; the editor hears of returns (with reasons), approval, rejection, release and correction requests;
 * 宣传部 hears of escalation and of school-level drafts entering review.
 */
export function notificationEvents(change: StateChange): DerivedEvent[] {
  const { before, next, command } = change;
  const out: DerivedEvent[] = [];
  const entered = next.status === 'in_review' && next.stage !== null && (before.status !== 'in_review' || before.stage !== next.stage);
  if (entered) out.push({ event: 'review.waiting', audience: { kind: 'stage_reviewers', stage: next.stage as StageId } });
  if (entered && before.status !== 'in_review' && change.platformLevel === 'school' && next.stage !== 'propaganda') {
    out.push({ event: 'draft.school_level', audience: { kind: 'propaganda' } });
  }
  if (!before.escalated && next.escalated) out.push({ event: 'draft.escalated', audience: { kind: 'propaganda' } });
  if (next.status !== before.status) {
    if (next.status === 'returned') {
      const reasons = command.type === 'decide' ? command.comment : command.type === 'checks_completed' ? `机审发现 ${change.blockingFindings ?? 0} 个阻断性问题` : undefined;
      out.push({ event: 'draft.returned', audience: { kind: 'author' }, ...(reasons ? { reasons } : {}) });
    }
    if (next.status === 'approved') out.push({ event: 'draft.approved', audience: { kind: 'author' } });
    if (next.status === 'rejected') out.push({ event: 'draft.rejected', audience: { kind: 'author' }, ...(command.type === 'decide' ? { reasons: command.comment } : {}) });
    if ((next.status === 'released' || next.status === 'corrected') && command.type === 'release') out.push({ event: 'draft.released', audience: { kind: 'author' } });
  }
  if (command.type === 'correct') out.push({ event: 'draft.correction_requested', audience: { kind: 'author' }, reasons: command.reason });
  return out;
}

/** The decisions the draft carries once `next` is saved (for eligibility of the next stage's reviewers). */
export function decisionsAfter(aggregate: DraftAggregate, next: Transition): DraftAggregate {
  return {
    ...aggregate,
    status: next.status,
    stage: next.stage,
    round: next.round,
    escalated: next.escalated,
    decisions: next.decision ? [...aggregate.decisions, next.decision] : aggregate.decisions,
  };
}

/** "HH:MM" → minutes after midnight; null for anything else. */
export function minutesOf(hhmm: string | null | undefined): number | null {
  const m = hhmm?.match(/^([01]\d|2[0-3]):([0-5]\d)$/);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** Local wall-clock minutes after midnight of `at` in time zone `tz`. */
export function localMinutes(at: Date, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const hour = Number(parts.find((p) => p.type === 'hour')?.value ?? 0);
  const minute = Number(parts.find((p) => p.type === 'minute')?.value ?? 0);
  return hour * 60 + minute;
}

/** Local calendar date (YYYY-MM-DD) of `at` in `tz`. */
export function localDate(at: Date, tz: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/**
 * When a quiet window [start, end) (local times; start > end spans midnight) is on at `at`, the instant it ends;
 * otherwise null. Minute precision, which is what quiet hours are set in.
 */
export function quietUntil(at: Date, tz: string, window: { start: string | null; end: string | null } | null): Date | null {
  const start = minutesOf(window?.start);
  const end = minutesOf(window?.end);
  if (start === null || end === null || start === end) return null;
  const now = localMinutes(at, tz);
  const inside = start < end ? now >= start && now < end : now >= start || now < end;
  if (!inside) return null;
  const wait = (end - now + 24 * 60) % (24 * 60);
  const until = new Date(at.getTime() + wait * 60_000);
  until.setUTCSeconds(0, 0);
  return until;
}
