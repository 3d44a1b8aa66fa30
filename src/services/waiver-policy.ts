import { DEFAULT_WAIVER_POLICY, WAIVER_RULES } from '../../config/waivers';
import { waiverPolicyFor, type WaiverPolicyConfig } from '../domain/waivers';
import type { WaiverPolicy } from '../domain/workflow';

export const WAIVER_CONFIG: WaiverPolicyConfig = { rules: WAIVER_RULES, defaults: DEFAULT_WAIVER_POLICY };

/** The configured waiver policy of a finding (config/waivers.ts). */
export function configuredPolicy(f: { check: string; category: string; ruleId: string; severity: string }): { policy: WaiverPolicy; label: string | null } {
  return waiverPolicyFor(WAIVER_CONFIG, f);
}

/** A stored finding's policy: the one recorded with it, else (rows from before policies) the configured one. */
export function storedPolicy(row: { checkId: string; category: string; ruleId: string; severity: string; waiverPolicy: string | null }): WaiverPolicy {
  if (row.waiverPolicy === 'never' || row.waiverPolicy === 'propaganda' || row.waiverPolicy === 'stage') return row.waiverPolicy;
  return configuredPolicy({ check: row.checkId, category: row.category, ruleId: row.ruleId, severity: row.severity }).policy;
}
