import type { StageId } from '../src/domain/workflow';

/** The ordinary review sequence: 初审（一校）→ 复审（二校）→ 终审（三校）. */
export const REVIEW_STAGES: readonly StageId[] = ['first', 'second', 'final'];

/** Added after the last ordinary stage for 重大事项/突发事件 (declared or flagged by the checks). */
export const ESCALATION_STAGE: StageId = 'propaganda';

/** Hours a draft may sit in a stage before the board colours it amber / red. */
export const STAGE_SLA_HOURS = { warn: 24, overdue: 48 } as const;
