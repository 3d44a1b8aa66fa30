import type { WaiverPolicy } from '../src/domain/workflow';

/**
 * Who may waive what (issue 10). The first rule that matches a finding gives its policy; a finding no rule
 * matches gets the default for its severity. `match` fields are exact; `ruleIdPrefix` matches the start of the
 * rule id. Changing this file changes the policy of findings recorded from then on (each finding stores its own).
 */
export interface WaiverRule {
  match: { check?: string; category?: string; ruleIdPrefix?: string; severity?: 'block' | 'review' | 'info' };
  policy: WaiverPolicy;
  /** Why, in the words the office uses (shown with the finding). */
  label: string;
}

export const WAIVER_RULES: readonly WaiverRule[] = [
  // 涉密不上网: a 密级 marking or 保密期限 is never published, whatever anyone says.
  { match: { check: 'secrecy', category: 'secrecy.marking' }, policy: 'never', label: '涉密标识（密级、保密期限）' },
  // Third parties' personal data: valid ID and bank-card numbers.
  { match: { check: 'secrecy', category: 'personal.id-card' }, policy: 'never', label: '公民身份号码' },
  { match: { check: 'secrecy', category: 'personal.bank-card' }, policy: 'never', label: '银行卡号' },
  // The categories no statement can justify.
  { match: { check: 'sensitive', category: 'politics', severity: 'block' }, policy: 'never', label: '政治有害信息' },
  { match: { check: 'sensitive', category: 'porn', severity: 'block' }, policy: 'never', label: '色情低俗信息' },
  { match: { check: 'sensitive', category: 'violence-terror', severity: 'block' }, policy: 'never', label: '暴恐信息' },
];

/** Any other `block` finding (ad diversion, exam material, unlicensed assets…): only 宣传部 may waive it. */
export const DEFAULT_WAIVER_POLICY: Readonly<Record<'block' | 'review' | 'info', WaiverPolicy>> = {
  block: 'propaganda',
  review: 'stage',
  info: 'stage',
};
