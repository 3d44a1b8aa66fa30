import { median, monthKey, periodMonths, reviewsOfReleases, stageDurations, zonedMonthStart } from '../../../src/domain/annual';
import type { StoredAuditEvent } from '../../../src/domain/audit';
import { acceptsDrafts, addWorkingDays, filingDeadline, localDay, registryDiff } from '../../../src/domain/registry';

describe('备案 rules', () => {
  it.each([
    ['2025-03-03', 5, '2025-03-10'], // Monday → next Monday
    ['2025-03-07', 5, '2025-03-14'], // Friday → next Friday
    ['2025-03-08', 5, '2025-03-14'], // Saturday counts from Monday
    ['2025-12-31', 1, '2026-01-01'],
  ])('%s + %i working days = %s', (day, n, due) => expect(addWorkingDays(day, n)).toBe(due));

  it('flags a filing after its deadline only', () => {
    expect(filingDeadline('2025-03-03', '2025-03-10', 5)).toEqual({ dueOn: '2025-03-10', late: false });
    expect(filingDeadline('2025-03-03', '2025-03-11', 5)).toEqual({ dueOn: '2025-03-10', late: true });
  });

  it('only registered accounts take drafts', () => {
    expect(['pending', 'returned', 'registered', 'deregistered'].filter((status) => acceptsDrafts({ status }))).toEqual(['registered']);
  });

  it('diffs only the fields a change names and that differ', () => {
    expect(registryDiff({ name: 'a', responsibleId: 'x', admins: [] }, { name: 'a', responsibleId: 'y' })).toEqual([{ field: 'responsibleId', before: 'x', after: 'y' }]);
    expect(registryDiff({ name: 'a' }, {})).toEqual([]);
  });

  it('reads the day in the office time zone', () => {
    expect(localDay(new Date('2025-02-28T16:30:00Z'), 'Asia/Shanghai')).toBe('2025-03-01');
    expect(localDay(new Date('2025-02-28T16:30:00Z'), 'UTC')).toBe('2025-02-28');
  });
});

describe('年检 arithmetic', () => {
  it('months start at local midnight of TZ_REVIEW', () => {
    expect(zonedMonthStart(2025, 3, 'Asia/Shanghai').toISOString()).toBe('2025-02-28T16:00:00.000Z');
    expect(zonedMonthStart(2025, 13, 'UTC').toISOString()).toBe('2026-01-01T00:00:00.000Z');
    // Daylight saving time: New York is UTC-4 in July, UTC-5 in January.
    expect(zonedMonthStart(2025, 7, 'America/New_York').toISOString()).toBe('2025-07-01T04:00:00.000Z');
    expect(zonedMonthStart(2025, 1, 'America/New_York').toISOString()).toBe('2025-01-01T05:00:00.000Z');
    expect(monthKey(new Date('2025-02-28T16:30:00Z'), 'Asia/Shanghai')).toBe('2025-03');
  });

  it('a calendar year and a 学年 ending in June', () => {
    expect(periodMonths(2025, 'calendar', 'UTC').map((m) => m.key)).toEqual(Array.from({ length: 12 }, (_, i) => `2025-${String(i + 1).padStart(2, '0')}`));
    const academic = periodMonths(2025, 'academic', 'Asia/Shanghai');
    expect([academic[0]!.key, academic[5]!.key, academic[6]!.key, academic[11]!.key]).toEqual(['2024-07', '2024-12', '2025-01', '2025-06']);
    for (let i = 1; i < 12; i++) expect(academic[i]!.start).toEqual(academic[i - 1]!.end);
  });

  it('median', () => {
    expect(median([])).toBeNull();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });

  const at = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s));
  let seq = 0;
  const ev = (type: string, data: Record<string, unknown>, actorId: string | null = null, s = seq): StoredAuditEvent => ({
    id: ++seq,
    chain: 'draft-d',
    seq,
    draftId: 'd',
    revisionId: null,
    actorId,
    actorName: actorId ?? '系统',
    type,
    outcome: 'success',
    data,
    createdAt: at(s),
    prevHash: '',
    hash: '',
  });
  const approve = (stage: string, who: string, round = 1, hash = 'h') =>
    ev('review.approved', { stage, round, revisionHash: hash, staffId: `S-${who}`, from: { status: 'in_review', stage }, to: { status: 'in_review', stage: 'x' } }, who);

  it('a release is complete with three distinct approvals of the round on the released hash', () => {
    seq = 0;
    const good = [approve('first', 'a'), approve('second', 'b'), approve('final', 'c'), ev('draft.released', { contentHash: 'h' }, 'e')];
    expect(reviewsOfReleases(good, false, true)[0]).toMatchObject({ complete: true, problems: [] });
    expect(reviewsOfReleases(good, true, true)[0]!.problems).toEqual(['缺少宣传部审批']);
    expect(reviewsOfReleases(good, false, false)[0]!.problems).toEqual(['审计链校验未通过']);
    const same = [approve('first', 'a'), approve('second', 'a'), approve('final', 'c'), ev('draft.released', { contentHash: 'h' })];
    expect(reviewsOfReleases(same, false, true)[0]!.problems).toEqual(['三审未由三位不同人员完成']);
    const otherHash = [approve('first', 'a'), approve('second', 'b'), approve('final', 'c', 1, 'old'), ev('draft.released', { contentHash: 'h' })];
    expect(reviewsOfReleases(otherHash, false, true)[0]!.problems).toEqual(['终审版本与发布版本哈希不一致']);
    // Approvals of an earlier round do not count.
    const rounds = [approve('first', 'a', 1), approve('second', 'b', 1), approve('first', 'a', 2), approve('final', 'c', 2), ev('draft.released', { contentHash: 'h' })];
    expect(reviewsOfReleases(rounds, false, true)[0]!.problems).toEqual(['缺少复审（二校）审批']);
  });

  it('time in stage from the recorded transitions', () => {
    seq = 0;
    const chain = [
      ev('checks.completed', { to: { status: 'in_review', stage: 'first' } }, null, 0),
      ev('review.approved', { to: { status: 'in_review', stage: 'second' } }, 'a', 60),
      ev('review.approved', { to: { status: 'in_review', stage: 'final' } }, 'b', 180),
      ev('review.approved', { to: { status: 'approved', stage: null } }, 'c', 190),
    ];
    expect(stageDurations(chain)).toEqual([
      { stage: 'first', seconds: 60 },
      { stage: 'second', seconds: 120 },
      { stage: 'final', seconds: 10 },
    ]);
  });
});
