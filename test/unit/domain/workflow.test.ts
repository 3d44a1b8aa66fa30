import { DomainError } from '../../../src/domain/errors';
import { PLATFORM_STAGES } from '../../../config/stages';
import { allowedActions, requiredStages, releaseGate, transition, type Actor, type Command, type DraftAggregate, type StageId } from '../../../src/domain/workflow';

const STAGES: StageId[] = ['first', 'second', 'final'];
const author: Actor = { id: 'author', isStaff: true, roles: ['editor'], unitId: 'u1' };
const r1: Actor = { id: 'r1', isStaff: true, roles: ['reviewer1'], unitId: 'u1' };
const r2: Actor = { id: 'r2', isStaff: true, roles: ['reviewer2'], unitId: 'u1' };
const r3: Actor = { id: 'r3', isStaff: true, roles: ['reviewer3'], unitId: 'u1' };
const prop: Actor = { id: 'p', isStaff: true, roles: ['propaganda'], unitId: 'u9' };
const admin: Actor = { id: 'admin', isStaff: true, roles: ['admin'], unitId: null };

function draft(over: Partial<DraftAggregate> = {}): DraftAggregate {
  return {
    authorId: 'author',
    unitId: 'u1',
    major: false,
    escalated: false,
    status: 'in_review',
    stage: 'first',
    round: 1,
    everReleased: false,
    revisionHash: 'h1',
    decisions: [],
    checksOwed: 0,
    blockingUnwaived: 0,
    ...over,
  };
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return 'ok';
}

const approve = (stage: StageId): Command => ({ type: 'decide', stage, decision: 'approve', comment: '' });

describe('transition', () => {
  it.each<[string, Partial<DraftAggregate>, Command, Actor | null, string, Partial<ReturnType<typeof transition>>?]>([
    ['checks pass → 初审', { status: 'checking', stage: null }, { type: 'checks_completed', hasBlocking: false, escalate: false }, null, 'ok', { status: 'in_review', stage: 'first' }],
    ['checks block → returned', { status: 'checking', stage: null }, { type: 'checks_completed', hasBlocking: true, escalate: false }, null, 'ok', { status: 'returned', stage: null }],
    [
      'checks after proofread resume the stage',
      { status: 'checking', stage: 'second' },
      { type: 'checks_completed', hasBlocking: false, escalate: false },
      null,
      'ok',
      { status: 'in_review', stage: 'second' },
    ],
    ['checks escalate', { status: 'checking', stage: null }, { type: 'checks_completed', hasBlocking: false, escalate: true }, null, 'ok', { escalated: true }],
    ['a person cannot complete checks', { status: 'checking' }, { type: 'checks_completed', hasBlocking: false, escalate: false }, admin, 'forbidden'],
    ['checks fail', { status: 'checking' }, { type: 'checks_failed' }, null, 'ok', { status: 'checks_failed' }],
    ['admin retries failed checks', { status: 'checks_failed' }, { type: 'retry_checks' }, admin, 'ok', { status: 'checking' }],
    ['editor cannot retry checks', { status: 'checks_failed' }, { type: 'retry_checks' }, author, 'forbidden'],
    ['初审 approves → 复审', {}, approve('first'), r1, 'ok', { stage: 'second' }],
    ['终审 approves → approved', { stage: 'final' }, approve('final'), r3, 'ok', { status: 'approved', stage: null }],
    ['major: 终审 approves → 宣传部', { stage: 'final', major: true }, approve('final'), r3, 'ok', { stage: 'propaganda' }],
    ['宣传部 approves → approved', { stage: 'propaganda', major: true }, approve('propaganda'), prop, 'ok', { status: 'approved' }],
    ['self review', { authorId: 'r1' }, approve('first'), r1, 'forbidden'],
    ['non-staff reviewer', {}, approve('first'), { ...r1, isStaff: false }, 'forbidden'],
    ['wrong unit', {}, approve('first'), { ...r1, unitId: 'u2' }, 'forbidden'],
    ['wrong role', {}, approve('first'), r2, 'forbidden'],
    [
      'same person at two stages',
      { stage: 'second', decisions: [{ stage: 'first', action: 'approve', actorId: 'x', revisionHash: 'h1', round: 1 }] },
      approve('second'),
      { id: 'x', isStaff: true, roles: ['reviewer1', 'reviewer2'], unitId: 'u1' },
      'forbidden',
    ],
    ['skipping a stage', {}, approve('second'), r2, 'conflict'],
    ['approve with unwaived block', { blockingUnwaived: 1 }, approve('first'), r1, 'invalid_transition'],
    ['return needs a comment', {}, { type: 'decide', stage: 'first', decision: 'return', comment: ' ' }, r1, 'validation_failed'],
    ['return', {}, { type: 'decide', stage: 'first', decision: 'return', comment: '请修改' }, r1, 'ok', { status: 'returned' }],
    ['reject', {}, { type: 'decide', stage: 'first', decision: 'reject', comment: '不宜发布' }, r1, 'ok', { status: 'rejected' }],
    ['decide while checking', { status: 'checking' }, approve('first'), r1, 'invalid_transition'],
    ['waive by eligible reviewer', { blockingUnwaived: 1 }, { type: 'waive', reason: '已核实', policy: 'stage' }, r1, 'ok', { status: 'in_review' }],
    ['waive needs a reason', { blockingUnwaived: 1 }, { type: 'waive', reason: '', policy: 'stage' }, r1, 'validation_failed'],
    ['waive by the author', { blockingUnwaived: 1 }, { type: 'waive', reason: 'x', policy: 'stage' }, author, 'forbidden'],
    // Waiver policies (issue 10).
    ['a never finding: not even 宣传部', { blockingUnwaived: 1, blockingByPolicy: { never: 1 } }, { type: 'waive', reason: '已核实', policy: 'never' }, prop, 'waiver_not_allowed'],
    ['a never finding: not the stage reviewer', { blockingUnwaived: 1, blockingByPolicy: { never: 1 } }, { type: 'waive', reason: '已核实', policy: 'never' }, r1, 'waiver_not_allowed'],
    ['a propaganda finding: not the stage reviewer', { blockingUnwaived: 1, blockingByPolicy: { propaganda: 1 } }, { type: 'waive', reason: '已核实', policy: 'propaganda' }, r1, 'waiver_not_allowed'],
    [
      'a propaganda finding: 宣传部 at 初审',
      { blockingUnwaived: 1, blockingByPolicy: { propaganda: 1 } },
      { type: 'waive', reason: '已核实', policy: 'propaganda' },
      prop,
      'ok',
      { status: 'in_review', stage: 'first' },
    ],
    ['a propaganda finding needs a reason', { blockingUnwaived: 1, blockingByPolicy: { propaganda: 1 } }, { type: 'waive', reason: ' ', policy: 'propaganda' }, prop, 'validation_failed'],
    [
      'a propaganda finding: not non-staff 宣传部',
      { blockingUnwaived: 1, blockingByPolicy: { propaganda: 1 } },
      { type: 'waive', reason: 'x', policy: 'propaganda' },
      { ...prop, isStaff: false },
      'waiver_not_allowed',
    ],
    [
      'a propaganda finding: not the author even in 宣传部',
      { authorId: 'p', blockingUnwaived: 1, blockingByPolicy: { propaganda: 1 } },
      { type: 'waive', reason: 'x', policy: 'propaganda' },
      prop,
      'forbidden',
    ],
    [
      'no resubmission over a never finding',
      { status: 'returned', stage: null, blockingUnwaived: 1, blockingByPolicy: { never: 1 } },
      { type: 'resubmit', statement: '说明' },
      author,
      'waiver_not_allowed',
    ],
    [
      'resubmission over a propaganda finding',
      { status: 'returned', stage: null, blockingUnwaived: 1, blockingByPolicy: { propaganda: 1 } },
      { type: 'resubmit', statement: '说明' },
      author,
      'ok',
      { status: 'in_review', stage: 'first' },
    ],
    ['a proofread beyond the bound restarts at 初审', { stage: 'final' }, { type: 'proofread', stage: 'final', restart: true }, r3, 'ok', { status: 'checking', stage: null, round: 2 }],
    ['author revises → new round', { stage: 'second' }, { type: 'revise' }, author, 'ok', { status: 'checking', stage: null, round: 2 }],
    ['someone else revises', {}, { type: 'revise' }, r1, 'forbidden'],
    ['revise after release', { status: 'released', stage: null }, { type: 'revise' }, author, 'invalid_transition'],
    ['proofread keeps stage and round', { stage: 'second' }, { type: 'proofread', stage: 'second' }, r2, 'ok', { status: 'checking', stage: 'second', round: 1 }],
    ['resubmit with statement', { status: 'returned', stage: null }, { type: 'resubmit', statement: '已说明' }, author, 'ok', { status: 'in_review', stage: 'first', round: 2 }],
    ['withdraw', {}, { type: 'withdraw' }, author, 'ok', { status: 'withdrawn' }],
    ['release before approval', {}, { type: 'release' }, author, 'release_blocked'],
    ['correct a released draft', { status: 'released', stage: null, everReleased: true }, { type: 'correct', reason: '错字' }, author, 'ok', { status: 'checking', round: 2 }],
    ['retract by 宣传部', { status: 'released', stage: null }, { type: 'retract', reason: '失实' }, prop, 'ok', { status: 'retracted' }],
    ['editor cannot retract', { status: 'released', stage: null }, { type: 'retract', reason: '失实' }, author, 'forbidden'],
  ])('%s', (...row) => {
    // Rest parameters: jest would take a 6th declared parameter for a `done` callback on 5-element rows.
    const [, over, command, actor, expected, result] = row;
    const d = draft(over);
    expect(codeOf(() => transition(STAGES, d, command, actor))).toBe(expected);
    if (result) expect(transition(STAGES, d, command, actor)).toMatchObject(result);
  });
});

describe('releaseGate', () => {
  const approvals = (hash = 'h1') => [
    { stage: 'first' as const, action: 'approve' as const, actorId: 'r1', revisionHash: 'h0', round: 1 },
    { stage: 'second' as const, action: 'approve' as const, actorId: 'r2', revisionHash: 'h0', round: 1 },
    { stage: 'final' as const, action: 'approve' as const, actorId: 'r3', revisionHash: hash, round: 1 },
  ];

  it('passes with three distinct approvals binding the current hash', () => {
    expect(releaseGate(STAGES, draft({ status: 'approved', stage: null, decisions: approvals() }))).toEqual([]);
    expect(transition(STAGES, draft({ status: 'approved', stage: null, decisions: approvals() }), { type: 'release' }, author).status).toBe('released');
  });

  it('lists every unmet condition', () => {
    const codes = releaseGate(STAGES, draft({ status: 'approved', stage: null, decisions: approvals('h0'), checksOwed: 1, blockingUnwaived: 2 })).map((u) => u.code);
    expect(codes).toEqual(['hash_mismatch', 'checks_incomplete', 'blocking_findings']);
  });

  it('requires the 宣传部 stage for a major draft', () => {
    expect(releaseGate(STAGES, draft({ status: 'approved', stage: null, decisions: approvals(), major: true })).map((u) => u.code)).toEqual(['stage_not_approved']);
  });

  it('ignores approvals of an earlier round', () => {
    const codes = releaseGate(STAGES, draft({ status: 'approved', stage: null, round: 2, decisions: approvals() })).map((u) => u.code);
    expect(codes).toEqual(['stage_not_approved', 'stage_not_approved', 'stage_not_approved']);
  });
});

describe('routing by platform level', () => {
  it.each<[string, Partial<DraftAggregate>, unknown, StageId[]]>([
    ['unit platform', { platformLevel: 'unit' }, PLATFORM_STAGES, ['first', 'second', 'final']],
    ['school platform ends with 宣传部', { platformLevel: 'school' }, PLATFORM_STAGES, ['first', 'second', 'final', 'propaganda']],
    ['school platform, a plan that forgets 宣传部', { platformLevel: 'school' }, STAGES, ['first', 'second', 'final', 'propaganda']],
    ['school platform, a plan that puts 宣传部 first', { platformLevel: 'school' }, { unit: STAGES, school: ['propaganda', 'first', 'final'] }, ['first', 'final', 'propaganda']],
    ['school platform, major: 宣传部 once, last', { platformLevel: 'school', major: true }, PLATFORM_STAGES, ['first', 'second', 'final', 'propaganda']],
    ['unit platform, major', { platformLevel: 'unit', major: true }, PLATFORM_STAGES, ['first', 'second', 'final', 'propaganda']],
  ])('%s', (_name, over, plan, expected) => {
    expect(requiredStages(plan as typeof PLATFORM_STAGES, draft(over))).toEqual(expected);
  });

  it('a school-level draft is not approved after 终审: it goes on to 宣传部, and release waits for it', () => {
    const d = draft({ platformLevel: 'school', stage: 'final' });
    expect(transition(PLATFORM_STAGES, d, approve('final'), r3)).toMatchObject({ status: 'in_review', stage: 'propaganda' });
    const gate = releaseGate(
      STAGES,
      draft({
        platformLevel: 'school',
        status: 'approved',
        stage: null,
        decisions: [
          { stage: 'first', action: 'approve', actorId: 'r1', revisionHash: 'h1', round: 1 },
          { stage: 'second', action: 'approve', actorId: 'r2', revisionHash: 'h1', round: 1 },
          { stage: 'final', action: 'approve', actorId: 'r3', revisionHash: 'h1', round: 1 },
        ],
      }),
    );
    expect(gate).toEqual([expect.objectContaining({ code: 'stage_not_approved', stage: 'propaganda' })]);
  });
});

describe('waiver policies in the gate and the actions', () => {
  it('the gate names never findings even if a legacy waiver hid them', () => {
    const codes = releaseGate(STAGES, draft({ status: 'approved', stage: null, blockingUnwaived: 1, blockingByPolicy: { never: 1 } })).map((u) => u.code);
    expect(codes).toContain('unwaivable_findings');
  });
  it('offers waive to 宣传部 but not the stage reviewer for a propaganda finding, and to nobody for a never finding', () => {
    const propagandaOnly = draft({ blockingUnwaived: 1, blockingByPolicy: { propaganda: 1 } });
    expect(allowedActions(STAGES, propagandaOnly, r1)).not.toContain('waive');
    expect(allowedActions(STAGES, propagandaOnly, prop)).toContain('waive');
    const never = draft({ blockingUnwaived: 1, blockingByPolicy: { never: 1 } });
    for (const who of [r1, prop, author]) expect(allowedActions(STAGES, never, who)).not.toContain('waive');
    expect(allowedActions(STAGES, draft({ status: 'returned', stage: null, blockingUnwaived: 1, blockingByPolicy: { never: 1 } }), author)).toEqual(['revise', 'withdraw']);
  });
});

describe('allowedActions', () => {
  it('offers the stage reviewer exactly approve/return/reject/proofread', () => {
    expect(allowedActions(STAGES, draft(), r1)).toEqual(['approve', 'return', 'reject', 'proofread']);
  });
  it('offers waive only when something blocks', () => {
    expect(allowedActions(STAGES, draft({ blockingUnwaived: 1 }), r1)).toEqual(['return', 'reject', 'waive', 'proofread']);
  });
  it('offers the author revise and withdraw while in review', () => {
    expect(allowedActions(STAGES, draft(), author)).toEqual(['revise', 'withdraw']);
  });
});
