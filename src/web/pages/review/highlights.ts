import { categoryClass } from '../../labels';
import type { Highlight } from '../../render/safe-content';
import type { Finding } from '../../../shared/api';

const RANK = { block: 0, review: 1, info: 2 } as const;

/** The findings of one text field as highlights (waived ones rank last). */
export function highlightsFor(findings: readonly Finding[], field: 'title' | 'body'): Highlight[] {
  return findings
    .filter((f) => f.source.field === field && f.source.end > f.source.start)
    .map((f) => ({
      id: f.id,
      start: f.source.start,
      end: f.source.end,
      rank: f.waived ? 3 : RANK[f.severity],
      className: `${categoryClass(f.category)} sev-${f.waived ? 'waived' : f.severity}`,
    }));
}
