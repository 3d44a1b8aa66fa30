import { DomainError, conflict, forbidden, invalidTransition, validationFailed } from './errors';
import { STATUS_LABELS as SHARED_STATUS_LABELS } from '../shared/labels';

export const ROLES = ['editor', 'reviewer1', 'reviewer2', 'reviewer3', 'propaganda', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const STAGE_IDS = ['first', 'second', 'final', 'propaganda'] as const;
export type StageId = (typeof STAGE_IDS)[number];

/** Which role may act at which stage. */
export const STAGE_ROLE: Readonly<Record<StageId, Role>> = {
  first: 'reviewer1',
  second: 'reviewer2',
  final: 'reviewer3',
  propaganda: 'propaganda',
};

export const STAGE_LABELS: Readonly<Record<StageId, string>> = {
  first: '初审（一校）',
  second: '复审（二校）',
  final: '终审（三校）',
  propaganda: '宣传部审核',
};

/** 一级 (school-level) platforms speak for the school; 二级 (unit) platforms for one unit. */
export const PLATFORM_LEVELS = ['school', 'unit'] as const;
export type PlatformLevel = (typeof PLATFORM_LEVELS)[number];

/**
 * The stages a draft passes: one list for every draft, or one list per platform level (config/stages.ts).
 * Whatever the configuration says, a draft for a school-level platform ends with 宣传部 (see requiredStages).
 */
export type StagePlan = readonly StageId[] | Readonly<Record<PlatformLevel, readonly StageId[]>>;

/** The stage every school-level (一级) platform's drafts end with: 宣传部 is their 终审. */
export const SCHOOL_FINAL_STAGE: StageId = 'propaganda';

/**
 * Who may waive a blocking finding (config/waivers.ts gives every rule one):
 * `never` — nobody; only a revision that removes it makes it go away (密级 markings, ID/bank-card numbers,
 * politics/porn/terror); `propaganda` — only a 宣传部 reviewer, with a reason; `stage` — an eligible reviewer of
 * the stage under review, with a reason.
 */
export const WAIVER_POLICIES = ['never', 'propaganda', 'stage'] as const;
export type WaiverPolicy = (typeof WAIVER_POLICIES)[number];

export const WAIVER_POLICY_LABELS: Readonly<Record<WaiverPolicy, string>> = {
  never: '不可豁免',
  propaganda: '仅宣传部可豁免',
  stage: '本环节审核人可豁免',
};

/** Stages whose reviewers are school-wide rather than bound to the draft's unit. */
const SCHOOL_WIDE_STAGES: ReadonlySet<StageId> = new Set<StageId>(['propaganda']);

export const DRAFT_STATUSES = ['checking', 'checks_failed', 'in_review', 'returned', 'approved', 'released', 'rejected', 'withdrawn', 'corrected', 'retracted'] as const;
export type DraftStatus = (typeof DRAFT_STATUSES)[number];

export const STATUS_LABELS: Readonly<Record<DraftStatus, string>> = SHARED_STATUS_LABELS;

/** No content change is possible in these. */
const CLOSED_STATUSES: ReadonlySet<DraftStatus> = new Set<DraftStatus>(['released', 'corrected', 'rejected', 'withdrawn', 'retracted']);

export type DecisionAction = 'approve' | 'return' | 'reject';

export interface Actor {
  id: string;
  isStaff: boolean;
  roles: readonly Role[];
  unitId: string | null;
  /** 工号: one person, however many accounts; separation of duties compares it (absent: the account alone). */
  staffId?: string | null | undefined;
}

export interface DecisionRecord {
  stage: StageId;
  action: DecisionAction;
  actorId: string;
  /** The reviewer's 工号 when deciding. */
  actorStaffId?: string | null | undefined;
  revisionHash: string;
  round: number;
}

/** What the workflow needs to know about a draft to decide a command. Loaded under the draft's row lock. */
export interface DraftAggregate {
  authorId: string;
  /** The author's 工号. */
  authorStaffId?: string | null | undefined;
  unitId: string;
  major: boolean;
  escalated: boolean;
  status: DraftStatus;
  /** Stage under review; while `checking` after a proofreading edit, the stage to resume at. */
  stage: StageId | null;
  /** Review round; a new round voids the approvals of earlier rounds. */
  round: number;
  everReleased: boolean;
  revisionHash: string;
  /** Every decision on the draft, across all rounds, oldest first. */
  decisions: readonly DecisionRecord[];
  /** Owed check runs on the current revision that have not completed. */
  checksOwed: number;
  /** Blocking findings on the current revision without a waiver. */
  blockingUnwaived: number;
  /** The level of the draft's platform (absent: `unit`). */
  platformLevel?: PlatformLevel | undefined;
  /**
   * `blockingUnwaived` by waiver policy (absent: all `stage`). A `never` finding counts here, and in
   * `blockingUnwaived`, even if it carries a waiver from before policies existed.
   */
  blockingByPolicy?: Partial<Record<WaiverPolicy, number>> | undefined;
}

export type Command =
  | { type: 'checks_completed'; hasBlocking: boolean; escalate: boolean }
  | { type: 'checks_failed' }
  | { type: 'retry_checks' }
  | { type: 'decide'; stage: StageId; decision: DecisionAction; comment: string }
  | { type: 'waive'; reason: string; policy: WaiverPolicy }
  | { type: 'revise' }
  /** `restart`: the edit exceeds the proofreading bound (config/review.ts), so review starts again at 初审. */
  | { type: 'proofread'; stage: StageId; restart?: boolean | undefined }
  | { type: 'resubmit'; statement: string }
  | { type: 'withdraw' }
  | { type: 'release' }
  | { type: 'correct'; reason: string }
  | { type: 'retract'; reason: string };

export type CommandType = Command['type'];

/** The state after a command, plus the decision it records (if any). */
export interface Transition {
  status: DraftStatus;
  stage: StageId | null;
  round: number;
  escalated: boolean;
  everReleased: boolean;
  decision?: DecisionRecord;
}

/** `null` is the system (queue workers); everything a person does carries an Actor. */
export type CommandActor = Actor | null;

const isStageList = (plan: StagePlan): plan is readonly StageId[] => Array.isArray(plan);

/**
 * The stages this draft must pass, in order: the plan for its platform's level, 宣传部 last for a school-level
 * platform whatever the plan says, and the escalation stage after the others for a major or escalated draft.
 */
export function requiredStages(plan: StagePlan, draft: Pick<DraftAggregate, 'major' | 'escalated' | 'platformLevel'>, escalationStage: StageId = 'propaganda'): StageId[] {
  const level: PlatformLevel = draft.platformLevel ?? 'unit';
  const stages = [...(isStageList(plan) ? plan : plan[level])];
  if (level === 'school' && stages[stages.length - 1] !== SCHOOL_FINAL_STAGE) {
    const at = stages.indexOf(SCHOOL_FINAL_STAGE);
    if (at >= 0) stages.splice(at, 1);
    stages.push(SCHOOL_FINAL_STAGE);
  }
  if ((draft.major || draft.escalated) && !stages.includes(escalationStage)) stages.push(escalationStage);
  return stages;
}

/** The unwaived blocking findings of a draft with this policy. */
export function blockingWith(draft: Pick<DraftAggregate, 'blockingUnwaived' | 'blockingByPolicy'>, policy: WaiverPolicy): number {
  if (!draft.blockingByPolicy) return policy === 'stage' ? draft.blockingUnwaived : 0;
  return draft.blockingByPolicy[policy] ?? 0;
}

const personKey = (staffId: string | null | undefined) => {
  const key = staffId?.trim().toUpperCase();
  return key ? key : null;
};

/**
 * Whether two accounts are one person: the same account, or the same 工号 (an account without one is only itself).
 * Separation of duties is about people, so a second account with the same 工号 is the same reviewer.
 */
export function samePerson(a: { id: string; staffId?: string | null | undefined }, b: { id: string; staffId?: string | null | undefined }): boolean {
  if (a.id === b.id) return true;
  const ka = personKey(a.staffId);
  return ka !== null && ka === personKey(b.staffId);
}

const decider = (d: DecisionRecord) => ({ id: d.actorId, staffId: d.actorStaffId });
const authorOf = (draft: DraftAggregate) => ({ id: draft.authorId, staffId: draft.authorStaffId });

export type EligibilityViolation = 'self_review' | 'not_staff' | 'missing_role' | 'wrong_unit' | 'acted_at_other_stage';

/** Why `actor` may not act at `stage` of this draft (empty when they may). */
export function stageEligibility(draft: DraftAggregate, actor: Actor, stage: StageId): EligibilityViolation[] {
  const out: EligibilityViolation[] = [];
  if (samePerson(actor, authorOf(draft))) out.push('self_review');
  if (!actor.isStaff) out.push('not_staff');
  if (!actor.roles.includes(STAGE_ROLE[stage])) out.push('missing_role');
  if (!SCHOOL_WIDE_STAGES.has(stage) && actor.unitId !== draft.unitId) out.push('wrong_unit');
  // One person, one stage of a draft, across all its revisions and rounds.
  if (draft.decisions.some((d) => samePerson(decider(d), actor) && d.stage !== stage)) out.push('acted_at_other_stage');
  return out;
}

const VIOLATION_MESSAGES: Record<EligibilityViolation, string> = {
  self_review: '不能审核本人撰写的稿件',
  not_staff: '审核人须为在编工作人员',
  missing_role: '没有该审核环节的角色',
  wrong_unit: '只能审核本单位的稿件',
  acted_at_other_stage: '同一人只能在一个审核环节处理同一稿件',
};

function assertEligible(draft: DraftAggregate, actor: Actor, stage: StageId): void {
  const violations = stageEligibility(draft, actor, stage);
  if (violations.length > 0) {
    throw forbidden(violations.map((v) => VIOLATION_MESSAGES[v]).join('；'), { violations });
  }
}

/** `403 waiver_not_allowed`, naming the policy that refuses it. */
export function waiverNotAllowed(policy: WaiverPolicy): DomainError {
  const message =
    policy === 'never'
      ? '该问题不可豁免（涉密标识、个人信息或政治有害等）：只能修改稿件删除后重新提交'
      : policy === 'propaganda'
        ? '该问题只能由宣传部审核人说明理由后豁免'
        : '只有本环节的审核人可以豁免该问题';
  return new DomainError('waiver_not_allowed', message, { policy, policyLabel: WAIVER_POLICY_LABELS[policy] });
}

function assertMayWaive(draft: DraftAggregate, actor: Actor, policy: WaiverPolicy): void {
  if (policy === 'never') throw waiverNotAllowed('never');
  if (policy === 'propaganda') {
    if (actor.id === draft.authorId) throw forbidden(VIOLATION_MESSAGES.self_review, { violations: ['self_review'] });
    if (!actor.isStaff || !actor.roles.includes('propaganda')) throw waiverNotAllowed('propaganda');
    return;
  }
  assertEligible(draft, actor, draft.stage as StageId);
}

/** Whether `actor` may waive a blocking finding with this policy on this draft now. */
export function mayWaive(draft: DraftAggregate, actor: Actor, policy: WaiverPolicy): boolean {
  if (draft.status !== 'in_review') return false;
  try {
    assertMayWaive(draft, actor, policy);
    return true;
  } catch (error) {
    if (error instanceof DomainError) return false;
    throw error;
  }
}

export interface UnmetCondition {
  code:
    | 'not_approved'
    | 'stage_not_approved'
    | 'approvals_out_of_order'
    | 'approvers_not_distinct'
    | 'author_approved'
    | 'hash_mismatch'
    | 'checks_incomplete'
    | 'blocking_findings'
    | 'unwaivable_findings';
  message: string;
  stage?: StageId;
}

/** Current-round approvals, one per stage (the first, should a bug ever record two). */
function currentApprovals(draft: DraftAggregate): Map<StageId, { index: number; decision: DecisionRecord }> {
  const approvals = new Map<StageId, { index: number; decision: DecisionRecord }>();
  draft.decisions.forEach((decision, index) => {
    if (decision.round === draft.round && decision.action === 'approve' && !approvals.has(decision.stage)) {
      approvals.set(decision.stage, { index, decision });
    }
  });
  return approvals;
}

/**
 * 先审后发: everything that must hold for the current revision to be released. Empty means releasable.
 */
export function releaseGate(stages: StagePlan, draft: DraftAggregate): UnmetCondition[] {
  const unmet: UnmetCondition[] = [];
  if (draft.status !== 'approved') {
    unmet.push({ code: 'not_approved', message: `稿件状态为「${STATUS_LABELS[draft.status]}」，未完成审核` });
  }
  const required = requiredStages(stages, draft);
  const approvals = currentApprovals(draft);
  let lastIndex = -1;
  const approvers: Array<{ id: string; staffId?: string | null | undefined }> = [];
  for (const stage of required) {
    const approval = approvals.get(stage);
    if (!approval) {
      unmet.push({ code: 'stage_not_approved', stage, message: `${STAGE_LABELS[stage]}未通过` });
      continue;
    }
    if (approval.index < lastIndex) {
      unmet.push({ code: 'approvals_out_of_order', stage, message: `${STAGE_LABELS[stage]}的审核顺序不正确` });
    }
    lastIndex = approval.index;
    const person = decider(approval.decision);
    if (approvers.some((p) => samePerson(p, person))) {
      unmet.push({ code: 'approvers_not_distinct', stage, message: `${STAGE_LABELS[stage]}与其他环节为同一审核人` });
    }
    approvers.push(person);
    if (samePerson(person, authorOf(draft))) {
      unmet.push({ code: 'author_approved', stage, message: `${STAGE_LABELS[stage]}由作者本人审核` });
    }
  }
  const finalStage = required[required.length - 1];
  const finalApproval = finalStage ? approvals.get(finalStage) : undefined;
  if (finalApproval && finalApproval.decision.revisionHash !== draft.revisionHash) {
    unmet.push({ code: 'hash_mismatch', message: '当前版本与最终审核通过的版本不一致' });
  }
  if (draft.checksOwed > 0) {
    unmet.push({ code: 'checks_incomplete', message: `还有 ${draft.checksOwed} 项机审未完成` });
  }
  if (draft.blockingUnwaived > 0) {
    unmet.push({ code: 'blocking_findings', message: `还有 ${draft.blockingUnwaived} 个阻断性问题未处理` });
  }
  const never = blockingWith(draft, 'never');
  if (never > 0) {
    unmet.push({ code: 'unwaivable_findings', message: `有 ${never} 个不可豁免的问题（涉密标识、个人信息或政治有害等），只能修改稿件删除后重新送审` });
  }
  return unmet;
}

function keep(draft: DraftAggregate): Transition {
  return {
    status: draft.status,
    stage: draft.stage,
    round: draft.round,
    escalated: draft.escalated,
    everReleased: draft.everReleased,
  };
}

function requireActor(actor: CommandActor): Actor {
  if (!actor) throw invalidTransition('该操作需要用户身份');
  return actor;
}

function requireAuthor(draft: DraftAggregate, actor: CommandActor, what: string): Actor {
  const a = requireActor(actor);
  if (a.id !== draft.authorId) throw forbidden(`只有作者本人可以${what}`);
  return a;
}

function requireStatus(draft: DraftAggregate, allowed: readonly DraftStatus[], what: string): void {
  if (!allowed.includes(draft.status)) {
    throw invalidTransition(`稿件状态为「${STATUS_LABELS[draft.status]}」，不能${what}`, {
      status: draft.status,
      allowed,
    });
  }
}

function requireText(value: string, what: string): void {
  if (value.trim().length === 0) throw validationFailed(`${what}不能为空`);
}

/** The stage under review must be the one the caller acted on; otherwise someone got there first. */
function requireCurrentStage(draft: DraftAggregate, stage: StageId): void {
  requireStatus(draft, ['in_review'], '审核');
  if (draft.stage !== stage) {
    throw conflict(`稿件已不在${STAGE_LABELS[stage]}环节`, { currentStage: draft.stage });
  }
}

/**
 * The whole review workflow: the state a command leads to, or a DomainError saying why it may not happen.
 * Pure; the caller holds the draft's row lock and persists the result with one audit event.
 * @throws DomainError invalid_transition | forbidden | conflict | validation_failed | release_blocked
 */
export function transition(stages: StagePlan, draft: DraftAggregate, command: Command, actor: CommandActor): Transition {
  const same = keep(draft);
  switch (command.type) {
    case 'checks_completed': {
      if (actor) throw forbidden('机审结果只能由系统写入');
      requireStatus(draft, ['checking'], '完成机审');
      const escalated = draft.escalated || command.escalate;
      if (command.hasBlocking) return { ...same, escalated, status: 'returned', stage: null };
      const first = requiredStages(stages, { ...draft, escalated })[0];
      if (!first) throw invalidTransition('没有配置审核环节');
      return { ...same, escalated, status: 'in_review', stage: draft.stage ?? first };
    }
    case 'checks_failed': {
      if (actor) throw forbidden('机审结果只能由系统写入');
      requireStatus(draft, ['checking'], '标记机审失败');
      return { ...same, status: 'checks_failed' };
    }
    case 'retry_checks': {
      const a = requireActor(actor);
      if (!a.roles.includes('admin')) throw forbidden('只有管理员可以重新机审');
      requireStatus(draft, ['checks_failed'], '重新机审');
      return { ...same, status: 'checking' };
    }
    case 'decide': {
      const a = requireActor(actor);
      requireCurrentStage(draft, command.stage);
      assertEligible(draft, a, command.stage);
      if (draft.decisions.some((d) => d.round === draft.round && d.stage === command.stage && d.actorId !== a.id && d.action === 'approve')) {
        throw conflict(`${STAGE_LABELS[command.stage]}已有审核结论`);
      }
      const decision: DecisionRecord = {
        stage: command.stage,
        action: command.decision,
        actorId: a.id,
        actorStaffId: personKey(a.staffId),
        revisionHash: draft.revisionHash,
        round: draft.round,
      };
      if (command.decision === 'approve') {
        if (draft.blockingUnwaived > 0) {
          throw invalidTransition(`还有 ${draft.blockingUnwaived} 个阻断性问题，须先退回修改或说明理由豁免`);
        }
        const required = requiredStages(stages, draft);
        const next = required[required.indexOf(command.stage) + 1];
        return next ? { ...same, stage: next, decision } : { ...same, status: 'approved', stage: null, decision };
      }
      requireText(command.comment, command.decision === 'return' ? '退回意见' : '否决意见');
      return command.decision === 'return' ? { ...same, status: 'returned', stage: null, decision } : { ...same, status: 'rejected', stage: null, decision };
    }
    case 'waive': {
      const a = requireActor(actor);
      // Another unit's people learn nothing about this draft's findings.
      if (a.unitId !== draft.unitId && !a.roles.some((r) => r === 'propaganda' || r === 'auditor' || r === 'admin')) {
        throw forbidden(VIOLATION_MESSAGES.wrong_unit, { violations: ['wrong_unit'] });
      }
      // Whatever the draft's state: a `never` finding is not waivable, and the refusal says so.
      if (command.policy === 'never') throw waiverNotAllowed('never');
      requireStatus(draft, ['in_review'], '豁免问题');
      assertMayWaive(draft, a, command.policy);
      requireText(command.reason, '豁免理由');
      return same;
    }
    case 'revise': {
      requireAuthor(draft, actor, '修改稿件');
      if (CLOSED_STATUSES.has(draft.status)) requireStatus(draft, [], '修改（发布后请走纠错流程）');
      return { ...same, status: 'checking', stage: null, round: draft.round + 1 };
    }
    case 'proofread': {
      const a = requireActor(actor);
      requireCurrentStage(draft, command.stage);
      assertEligible(draft, a, command.stage);
      // A proofreading edit keeps the stage and the round: earlier approvals stand. One beyond the bound is a
      // rewrite: a new round from 初审, so every stage approves the new text.
      if (command.restart) return { ...same, status: 'checking', stage: null, round: draft.round + 1 };
      return { ...same, status: 'checking' };
    }
    case 'resubmit': {
      requireAuthor(draft, actor, '说明理由后重新送审');
      requireStatus(draft, ['returned'], '重新送审');
      requireText(command.statement, '送审说明');
      // A statement asks a reviewer to waive; nobody may waive a `never` finding.
      if (blockingWith(draft, 'never') > 0) throw waiverNotAllowed('never');
      const first = requiredStages(stages, draft)[0];
      if (!first) throw invalidTransition('没有配置审核环节');
      return { ...same, status: 'in_review', stage: first, round: draft.round + 1 };
    }
    case 'withdraw': {
      requireAuthor(draft, actor, '撤回稿件');
      requireStatus(draft, ['checking', 'checks_failed', 'in_review', 'returned', 'approved'], '撤回');
      return { ...same, status: 'withdrawn', stage: null };
    }
    case 'release': {
      const a = requireActor(actor);
      if (a.id !== draft.authorId && !a.roles.includes('propaganda')) {
        throw forbidden('只有作者本人或宣传部可以发布');
      }
      const unmet = releaseGate(stages, draft);
      if (unmet.length > 0) {
        throw new DomainError('release_blocked', unmet.map((u) => u.message).join('；'), { unmet });
      }
      return { ...same, status: draft.everReleased ? 'corrected' : 'released', everReleased: true };
    }
    case 'correct': {
      const a = requireActor(actor);
      const mayCorrect = a.id === draft.authorId || a.roles.includes('propaganda') || (a.isStaff && a.roles.includes('reviewer3') && a.unitId === draft.unitId);
      if (!mayCorrect) throw forbidden('只有作者、终审人或宣传部可以发起纠错');
      requireStatus(draft, ['released', 'corrected'], '纠错');
      requireText(command.reason, '纠错原因');
      return { ...same, status: 'checking', stage: null, round: draft.round + 1 };
    }
    case 'retract': {
      const a = requireActor(actor);
      const mayRetract = a.roles.includes('propaganda') || (a.isStaff && a.roles.includes('reviewer3') && a.unitId === draft.unitId);
      if (!mayRetract) throw forbidden('只有终审人或宣传部可以撤稿');
      requireStatus(draft, ['released', 'corrected'], '撤稿');
      requireText(command.reason, '撤稿原因');
      return { ...same, status: 'retracted', stage: null };
    }
  }
}

/** What a person may do to this draft now, with the same rules the server enforces. */
export const ACTION_NAMES = ['approve', 'return', 'reject', 'waive', 'proofread', 'revise', 'resubmit', 'withdraw', 'release', 'correct', 'retract', 'retry_checks'] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

export function allowedActions(stages: StagePlan, draft: DraftAggregate, actor: Actor): ActionName[] {
  const probe = 'x';
  const candidates: Array<[ActionName, Command]> = [
    ['approve', { type: 'decide', stage: draft.stage ?? 'first', decision: 'approve', comment: probe }],
    ['return', { type: 'decide', stage: draft.stage ?? 'first', decision: 'return', comment: probe }],
    ['reject', { type: 'decide', stage: draft.stage ?? 'first', decision: 'reject', comment: probe }],
    ['waive', { type: 'waive', reason: probe, policy: 'stage' }],
    ['proofread', { type: 'proofread', stage: draft.stage ?? 'first' }],
    ['revise', { type: 'revise' }],
    ['resubmit', { type: 'resubmit', statement: probe }],
    ['withdraw', { type: 'withdraw' }],
    ['release', { type: 'release' }],
    ['correct', { type: 'correct', reason: probe }],
    ['retract', { type: 'retract', reason: probe }],
    ['retry_checks', { type: 'retry_checks' }],
  ];
  return candidates
    .filter(([name, command]) => {
      if (name === 'waive') {
        return (['propaganda', 'stage'] as const).some((policy) => blockingWith(draft, policy) > 0 && mayWaive(draft, actor, policy));
      }
      try {
        transition(stages, draft, command, actor);
        return true;
      } catch (error) {
        if (error instanceof DomainError) return false;
        throw error;
      }
    })
    .map(([name]) => name);
}
