import type { PlatformLevel, StageId } from '../src/domain/workflow';

/** The ordinary review sequence: 初审（一校）→ 复审（二校）→ 终审（三校）. */
export const REVIEW_STAGES: readonly StageId[] = ['first', 'second', 'final'];

/** Added after the last ordinary stage for 重大事项/突发事件 (declared or flagged by the checks). */
export const ESCALATION_STAGE: StageId = 'propaganda';

/** Hours a draft may sit in a stage before the board colours it amber / red. */
export const STAGE_SLA_HOURS = { warn: 24, overdue: 48 } as const;

/**
 * Stages per platform level (issue 10): a 二级 (unit) platform's drafts pass the unit's three stages; a 一级
 * (school-level) platform's drafts end with 宣传部 as their 终审, whoever submits them. The workflow enforces the
 * school-level rule even if this table forgets it.
 */
export const PLATFORM_STAGES: Readonly<Record<PlatformLevel, readonly StageId[]>> = {
  unit: REVIEW_STAGES,
  school: [...REVIEW_STAGES, 'propaganda'],
};
