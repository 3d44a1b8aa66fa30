import {
  getDraft,
  listDecisions,
  listDrafts,
  listFindings,
  listRevisions,
  listRuns,
  loadAggregate,
  type CheckRunRow,
  type DecisionRow,
  type DraftListFilter,
  type DraftRow,
  type FindingRow,
  type RevisionRow,
} from '../db/draft.repository';
import { usersByIds, type UserRow } from '../db/directory.repository';
import type { Db } from '../db/pool';
import { latestResubmission, type ResubmissionRow } from '../db/waiver.repository';
import { canReadDraft, unitScope, type AuthUser } from '../domain/access';
import { forbidden, notFound } from '../domain/errors';
import type { DraftAggregate } from '../domain/workflow';

/** Everything the draft page shows, as rows: what `draftDetail` reads and the presenter and the 审稿单 render. */
export interface DraftDetailParts {
  draft: DraftRow;
  aggregate: DraftAggregate & { revision: RevisionRow };
  revisions: RevisionRow[];
  runs: CheckRunRow[];
  findings: FindingRow[];
  decisions: DecisionRow[];
  people: Map<string, UserRow>;
  /** The author's latest 送审说明. */
  resubmission?: ResubmissionRow | undefined;
}

/** The draft if this user may read it. @throws DomainError not_found | forbidden */
export async function readableDraft(db: Db, viewer: AuthUser, draftId: string): Promise<DraftRow> {
  const draft = await getDraft(db, draftId);
  if (!draft) throw notFound('稿件');
  if (!canReadDraft(viewer, draft)) throw forbidden('无权查看其他单位的稿件');
  return draft;
}

export async function peopleById(db: Db, ids: Iterable<string>): Promise<Map<string, UserRow>> {
  const list = [...new Set(ids)];
  if (list.length === 0) return new Map();
  const rows = await usersByIds(db, list);
  return new Map(rows.map((u) => [u.id, u]));
}

export async function draftDetail(db: Db, viewer: AuthUser, draftId: string): Promise<DraftDetailParts> {
  const draft = await readableDraft(db, viewer, draftId);
  const aggregate = await loadAggregate(db, draft);
  const [revisions, runs, findings, decisions] = await Promise.all([
    listRevisions(db, draft.id),
    listRuns(db, aggregate.revision.id),
    listFindings(db, aggregate.revision.id),
    listDecisions(db, draft.id),
  ]);
  const people = await peopleById(db, [draft.authorId, ...decisions.map((d) => d.actorId), ...findings.flatMap((f) => (f.waivedBy ? [f.waivedBy] : []))]);
  const resubmission = await latestResubmission(db, draft.id);
  return { draft, aggregate, revisions, runs, findings, decisions, people, resubmission };
}

export async function searchDrafts(db: Db, viewer: AuthUser, filter: Omit<DraftListFilter, 'unitScope' | 'authorId'>) {
  return listDrafts(db, { ...filter, unitScope: unitScope(viewer), authorId: viewer.id });
}
