import { listFindings, type FindingRow } from '../db/finding.repository';
import { listRevisions, type RevisionRow } from '../db/revision.repository';
import { listRuns } from '../db/check-run.repository';
import type { AuthUser } from '../domain/access';
import { compareFindings, diffContent, type FindingComparison, type TextChange } from '../domain/diff';
import { notFound } from '../domain/errors';
import type { ServiceDeps } from './deps';
import { readableDraft } from './draft-queries.service';
import { contentOf } from './review.service';

/** Changes listed in one answer; a rewrite of a long text is summarised by the count beyond this. */
const MAX_CHANGES = 500;
/** Characters of unchanged text shown on each side of a change. */
const CONTEXT = 24;

/** Drops a surrogate half a context cut left at either end. */
const whole = (s: string) => s.replace(/^[\udc00-\udfff]|[\ud800-\udbff]$/g, '');

export interface ChangeWithContext extends TextChange {
  /** Unchanged text just before and after the change (in the newer revision). */
  before: string;
  after: string;
}

export interface RevisionDiff {
  from: RevisionRow;
  to: RevisionRow;
  changes: ChangeWithContext[];
  totalChanges: number;
  changedFields: string[];
  findings: FindingComparison<FindingRow & { waived: boolean }>;
  /** Checks still owed on either revision: the findings comparison is not final yet. */
  checksPending: boolean;
}

/**
 * The difference between any two revisions of a draft (by number): text changes with context, the non-text
 * fields that changed, and which findings were fixed, waived or introduced (matched by check, rule and text).
 * @throws DomainError not_found | forbidden
 */
export async function diffRevisions(deps: ServiceDeps, viewer: AuthUser, draftId: string, fromNumber: number, toNumber: number): Promise<RevisionDiff> {
  await readableDraft(deps.db, viewer, draftId);
  const revisions = await listRevisions(deps.db, draftId);
  const from = revisions.find((r) => r.number === fromNumber);
  const to = revisions.find((r) => r.number === toNumber);
  if (!from) throw notFound(`第 ${fromNumber} 稿`);
  if (!to) throw notFound(`第 ${toNumber} 稿`);
  const [fromFindings, toFindings, fromRuns, toRuns] = await Promise.all([listFindings(deps.db, from.id), listFindings(deps.db, to.id), listRuns(deps.db, from.id), listRuns(deps.db, to.id)]);
  const diff = diffContent(contentOf(from), contentOf(to));
  const changes = diff.changes.slice(0, MAX_CHANGES).map((c) => {
    const text = c.field === 'title' ? to.title : to.body;
    const end = c.at + c.inserted.length;
    return { ...c, before: whole(text.slice(Math.max(0, c.at - CONTEXT), c.at)), after: whole(text.slice(end, end + CONTEXT)) };
  });
  const comparable = (f: FindingRow) => ({ ...f, waived: f.waivedAt !== null });
  return {
    from,
    to,
    changes,
    totalChanges: diff.changes.length,
    changedFields: diff.changedFields,
    findings: compareFindings(fromFindings.map(comparable), toFindings.map(comparable)),
    checksPending: [...fromRuns, ...toRuns].some((r) => r.status !== 'done'),
  };
}
