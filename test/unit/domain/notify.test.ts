import { notificationEvents, quietUntil, type StateChange } from '../../../src/domain/notify';
import type { Transition } from '../../../src/domain/workflow';

const next = (over: Partial<Transition>): Transition => ({ status: 'in_review', stage: 'first', round: 1, escalated: false, everReleased: false, ...over });
const change = (over: Partial<StateChange>): StateChange => ({
  before: { status: 'checking', stage: null, escalated: false },
  next: next({}),
  command: { type: 'checks_completed', hasBlocking: false, escalate: false },
  platformLevel: 'unit',
  ...over,
});
const events = (c: StateChange) => notificationEvents(c).map((e) => `${e.event}→${e.audience.kind}${'stage' in e.audience ? `:${e.audience.stage}` : ''}`);

describe('who hears what', () => {
  it.each<[string, StateChange, string[]]>([
    ['checks pass: 初审 reviewers', change({}), ['review.waiting→stage_reviewers:first']],
    ['school-level platform: 宣传部 too', change({ platformLevel: 'school' }), ['review.waiting→stage_reviewers:first', 'draft.school_level→propaganda']],
    ['checks escalate', change({ next: next({ escalated: true }) }), ['review.waiting→stage_reviewers:first', 'draft.escalated→propaganda']],
    [
      'checks block: the editor hears of the return',
      change({ next: next({ status: 'returned', stage: null }), command: { type: 'checks_completed', hasBlocking: true, escalate: false }, blockingFindings: 2 }),
      ['draft.returned→author'],
    ],
    [
      'approve 初审: 复审 reviewers',
      change({ before: { status: 'in_review', stage: 'first', escalated: false }, next: next({ stage: 'second' }), command: { type: 'decide', stage: 'first', decision: 'approve', comment: '' } }),
      ['review.waiting→stage_reviewers:second'],
    ],
    [
      'approve the last stage',
      change({
        before: { status: 'in_review', stage: 'final', escalated: false },
        next: next({ status: 'approved', stage: null }),
        command: { type: 'decide', stage: 'final', decision: 'approve', comment: '' },
      }),
      ['draft.approved→author'],
    ],
    [
      'a waiver changes nothing anyone must hear',
      change({ before: { status: 'in_review', stage: 'first', escalated: false }, next: next({}), command: { type: 'waive', reason: 'x', policy: 'stage' } }),
      [],
    ],
    ['release', change({ before: { status: 'approved', stage: null, escalated: false }, next: next({ status: 'released', stage: null }), command: { type: 'release' } }), ['draft.released→author']],
    [
      'correction',
      change({ before: { status: 'released', stage: null, escalated: false }, next: next({ status: 'checking', stage: null }), command: { type: 'correct', reason: '日期有误' } }),
      ['draft.correction_requested→author'],
    ],
  ])('%s', (_name, c, expected) => {
    expect(events(c)).toEqual(expected);
  });

  it('carries the reasons of a return to the editor', () => {
    const [e] = notificationEvents(
      change({
        before: { status: 'in_review', stage: 'first', escalated: false },
        next: next({ status: 'returned', stage: null }),
        command: { type: 'decide', stage: 'first', decision: 'return', comment: '标题需修改' },
      }),
    );
    expect(e).toMatchObject({ event: 'draft.returned', reasons: '标题需修改' });
  });
});

describe('quiet hours in TZ_REVIEW', () => {
  const tz = 'Asia/Shanghai';
  const at = (iso: string) => new Date(iso);
  it.each<[string, string, string | null]>([
    ['23:30 local is inside 22:00–07:00', '2026-12-04T15:30:00Z', '2026-12-04T23:00:00.000Z'],
    ['06:59 local is inside', '2026-12-04T22:59:00Z', '2026-12-04T23:00:00.000Z'],
    ['07:00 local is outside', '2026-12-04T23:00:00Z', null],
    ['noon local is outside', '2026-12-04T04:00:00Z', null],
  ])('%s', (_n, now, until) => {
    const got = quietUntil(at(now), tz, { start: '22:00', end: '07:00' });
    expect(got?.toISOString() ?? null).toBe(until);
  });
  it('a same-day window and no window', () => {
    expect(quietUntil(at('2026-12-04T05:00:00Z'), tz, { start: '12:00', end: '14:00' })?.toISOString()).toBe('2026-12-04T06:00:00.000Z');
    expect(quietUntil(at('2026-12-04T05:00:00Z'), tz, null)).toBeNull();
    expect(quietUntil(at('2026-12-04T05:00:00Z'), tz, { start: 'bad', end: '14:00' })).toBeNull();
  });
});
