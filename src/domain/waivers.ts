import type { WaiverPolicy } from './workflow';

/** A rule of config/waivers.ts, as the domain reads it. */
export interface WaiverPolicyRule {
  match: { check?: string; category?: string; ruleIdPrefix?: string; severity?: string };
  policy: WaiverPolicy;
  label: string;
}

export interface WaiverPolicyConfig {
  rules: readonly WaiverPolicyRule[];
  defaults: Readonly<Record<'block' | 'review' | 'info', WaiverPolicy>>;
}

/** The waiver policy of one finding: the first matching rule, else the default for its severity. */
export function waiverPolicyFor(config: WaiverPolicyConfig, finding: { check: string; category: string; ruleId: string; severity: string }): { policy: WaiverPolicy; label: string | null } {
  for (const rule of config.rules) {
    const m = rule.match;
    if (m.check !== undefined && m.check !== finding.check) continue;
    if (m.category !== undefined && m.category !== finding.category) continue;
    if (m.severity !== undefined && m.severity !== finding.severity) continue;
    if (m.ruleIdPrefix !== undefined && !finding.ruleId.startsWith(m.ruleIdPrefix)) continue;
    return { policy: rule.policy, label: rule.label };
  }
  const severity = finding.severity === 'block' || finding.severity === 'review' ? finding.severity : 'info';
  return { policy: config.defaults[severity], label: null };
}
