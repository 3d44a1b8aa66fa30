import type { Finding, Severity } from '../domain/findings';
import { SEVERITY_RANK } from './rules/common';

/** Rule id of the one summary finding a check adds when it found more than it may list. */
export const TRUNCATED_RULE_SUFFIX = ':truncated';

/**
 * At most `limit` findings of one check on one revision, plus one summary finding carrying the total: a draft of
 * 120,000 hits must not become 120,000 rows, a 60 MB detail response and a review page that never renders. The
 * most severe findings are kept (then the earliest); the summary stands for the rest with their highest severity
 * (waiving it waives what it stands for, so a hidden `block` still blocks), their escalation flag, the span of the
 * first of them, counts by severity and rule, and the category of the one hardest to waive (`strictness`), so that
 * waiver policies treat it like that one. `findings` are sorted by position; so is the result.
 */
export function boundFindings(
  check: string,
  findings: Finding[],
  limit: number,
  rulesetVersion: string,
  /** How hard a finding is to waive (higher = stricter); the summary takes the category of the strictest it stands for. */
  strictness: (f: Finding) => number = () => 0,
): Finding[] {
  if (findings.length <= limit) return findings;
  const ranked = findings.map((f, i) => ({ f, i })).sort((a, b) => SEVERITY_RANK[b.f.severity] - SEVERITY_RANK[a.f.severity] || a.i - b.i);
  const keptIdx = new Uint8Array(findings.length);
  for (let k = 0; k < limit; k++) keptIdx[ranked[k]!.i] = 1;
  const kept: Finding[] = [];
  const omitted: Finding[] = [];
  findings.forEach((f, i) => (keptIdx[i] === 1 ? kept : omitted).push(f));

  const bySeverity: Record<Severity, number> = { block: 0, review: 0, info: 0 };
  const byRule = new Map<string, number>();
  let severity: Severity = 'info';
  for (const f of omitted) {
    bySeverity[f.severity]++;
    byRule.set(f.ruleId, (byRule.get(f.ruleId) ?? 0) + 1);
    if (SEVERITY_RANK[f.severity] > SEVERITY_RANK[severity]) severity = f.severity;
  }
  const topRules = [...byRule.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, 10)
    .map(([ruleId, count]) => ({ ruleId, count }));
  const first = omitted[0]!;
  // The summary is waived like the hardest-to-waive finding it stands for (a hidden 密级 or 身份证号 stays
  // unwaivable): it carries that finding's category, which is what waiver policies read.
  let strictest = first;
  for (const f of omitted) if (strictness(f) > strictness(strictest)) strictest = f;
  const summary: Finding = {
    check,
    category: `${check}.truncated`,
    severity,
    start: first.start,
    end: first.end,
    source: first.source,
    matched: first.matched,
    ruleId: `${check}${TRUNCATED_RULE_SUFFIX}`,
    rulesetVersion,
    message: `本项检查共发现 ${findings.length} 处问题，逐条列出 ${limit} 处；其余 ${omitted.length} 处（拦截 ${bySeverity.block}、审核 ${bySeverity.review}、提示 ${bySeverity.info}）合并为本条，首处见此位置`,
    evidence: { total: findings.length, shown: limit, omitted: omitted.length, bySeverity, topRules },
  };
  if (omitted.some((f) => f.escalate)) summary.escalate = true;
  if (strictness(strictest) > strictness(summary)) summary.category = strictest.category;
  kept.push(summary);
  return kept;
}
