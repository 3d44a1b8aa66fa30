/**
 * 年检 (annual inspection) arithmetic over the trail. Pure: periods and months in the office's time zone,
 * review completeness and time in stage from a draft's chain.
 */
import type { StoredAuditEvent } from './audit';
import { STAGE_LABELS } from './workflow';

export type PeriodKind = 'calendar' | 'academic';

/** The UTC offset (ms) of a time zone at an instant. */
function offsetAt(at: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(at));
  const n = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second')) - Math.floor(at / 1000) * 1000;
}

/** The instant local midnight of the 1st of `month` (1–12, may overflow into the next year) begins in a zone. */
export function zonedMonthStart(year: number, month: number, timeZone: string): Date {
  const guess = Date.UTC(year, month - 1, 1);
  let at = guess - offsetAt(guess, timeZone);
  at = guess - offsetAt(at, timeZone);
  return new Date(at);
}

/** `YYYY-MM` of an instant in a zone. */
export function monthKey(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit' }).formatToParts(at);
  return `${parts.find((p) => p.type === 'year')?.value}-${parts.find((p) => p.type === 'month')?.value}`;
}

export interface PeriodMonth {
  key: string;
  start: Date;
  end: Date;
}

/** A calendar year, or the 学年 ending in June of `year` (July of the year before through June). */
export function periodMonths(year: number, kind: PeriodKind, timeZone: string): PeriodMonth[] {
  const first = kind === 'calendar' ? { y: year, m: 1 } : { y: year - 1, m: 7 };
  return Array.from({ length: 12 }, (_, i) => {
    const m = first.m + i;
    const y = first.y + Math.floor((m - 1) / 12);
    const mm = ((m - 1) % 12) + 1;
    return { key: `${y}-${String(mm).padStart(2, '0')}`, start: zonedMonthStart(y, mm, timeZone), end: zonedMonthStart(y, mm + 1, timeZone) };
  });
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export interface ReleaseReview {
  draftId: string;
  releasedAt: Date;
  complete: boolean;
  problems: string[];
  approvals: Array<{ stage: string; actorId: string | null; actorName: string; staffId: string | null; at: Date }>;
}

const ORDINARY = ['first', 'second', 'final'] as const;

/**
 * For every release on one draft's chain: were 初审, 复审 and 终审 of the round approved by three distinct people
 * (and 宣传部 where required), with 终审 on exactly the released hash? Read from the chain, which must verify.
 */
export function reviewsOfReleases(events: readonly StoredAuditEvent[], needsPropaganda: boolean, chainOk: boolean): ReleaseReview[] {
  const out: ReleaseReview[] = [];
  let approvals: Array<{ stage: string; actorId: string | null; actorName: string; staffId: string | null; at: Date; round: number; hash: string }> = [];
  for (const e of events) {
    const data = e.data as Record<string, unknown>;
    if (e.type === 'review.approved') {
      approvals.push({
        stage: String(data.stage),
        actorId: e.actorId,
        actorName: e.actorName,
        staffId: (data.staffId as string | null) ?? null,
        at: e.createdAt,
        round: Number(data.round),
        hash: String(data.revisionHash),
      });
    }
    if (e.type === 'draft.released') {
      const round = Math.max(0, ...approvals.map((a) => a.round));
      const current = approvals.filter((a) => a.round === round);
      const byStage = new Map(current.map((a) => [a.stage, a]));
      const problems: string[] = [];
      if (!chainOk) problems.push('审计链校验未通过');
      for (const stage of ORDINARY) if (!byStage.has(stage)) problems.push(`缺少${STAGE_LABELS[stage]}审批`);
      if (needsPropaganda && !byStage.has('propaganda')) problems.push('缺少宣传部审批');
      const people = ORDINARY.map((s) => byStage.get(s)?.actorId).filter(Boolean);
      if (new Set(people).size !== people.length) problems.push('三审未由三位不同人员完成');
      const final = needsPropaganda ? (byStage.get('propaganda') ?? byStage.get('final')) : byStage.get('final');
      if (final && data.contentHash && final.hash !== data.contentHash) problems.push('终审版本与发布版本哈希不一致');
      out.push({ draftId: e.draftId ?? '', releasedAt: e.createdAt, complete: problems.length === 0, problems, approvals: current.map(({ round: _r, hash: _h, ...a }) => a) });
    }
    // A correction starts a new review round; approvals of earlier rounds no longer count.
    if (e.type === 'draft.correction_submitted') approvals = [];
  }
  return out;
}

/** Seconds each visit to a review stage took (entered → left), from the transitions recorded on the chain. */
export function stageDurations(events: readonly StoredAuditEvent[]): Array<{ stage: string; seconds: number }> {
  const out: Array<{ stage: string; seconds: number }> = [];
  let open: { stage: string; since: Date } | null = null;
  for (const e of events) {
    const data = e.data as { from?: { status?: string; stage?: string | null }; to?: { status?: string; stage?: string | null } };
    if (!data.to) continue;
    const to = data.to.status === 'in_review' ? (data.to.stage ?? null) : null;
    if (open && to !== open.stage) {
      out.push({ stage: open.stage, seconds: (e.createdAt.getTime() - open.since.getTime()) / 1000 });
      open = null;
    }
    if (to && !open) open = { stage: to, since: e.createdAt };
  }
  return out;
}
