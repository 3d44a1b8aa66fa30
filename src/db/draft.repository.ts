import { eq, sql } from 'drizzle-orm';
import { DEFAULT_REVIEW_TIME_ZONE } from '../domain/calendar';
import type { RevisionContent } from '../domain/content';
import { conflict, notFound } from '../domain/errors';
import type { DecisionRecord, DraftAggregate, DraftStatus, StageId, Transition } from '../domain/workflow';
import { listDecisions } from './decision.repository';
import type { Executor, Tx } from './pool';
import { type RevisionRow, getRevision } from './revision.repository';
import { drafts } from './schema';

/*
 * The `drafts` table: a submission (draft, first revision and owed runs in one statement), the row lock, the
 * aggregate the workflow decides on, and saving a transition.
 */

export type DraftRow = typeof drafts.$inferSelect;

export interface NewSubmission {
  draftId: string;
  revisionId: string;
  platformId: string;
  unitId: string;
  authorId: string;
  major: boolean;
  content: RevisionContent;
  contentHash: string;
  checkIds: readonly string[];
  /** 体裁 (src/shared/genres.ts), optional. */
  genre?: string | null | undefined;
  /** The zone whose calendar year numbers the draft (TZ_REVIEW); default Asia/Shanghai. */
  timeZone?: string | undefined;
  /** Test-only: the instant the running number's year is taken at (default: the database's now()). */
  at?: Date | undefined;
}

export type SubmittedDraftRow = Pick<DraftRow, 'id' | 'number' | 'unitId' | 'status' | 'stage' | 'version' | 'createdAt'>;

/**
 * Writes a new draft in one statement: its 来稿统一编号 (a gap-free running number per year, e.g. 2026-000123),
 * the draft, its first revision and the check runs it owes. The ids come from the caller so the draft can point at
 * its current revision from the start. The year's counter row stays locked until COMMIT (that is what keeps the
 * numbers gap-free), so the caller should do little after this.
 */
export async function insertSubmission(tx: Tx, s: NewSubmission): Promise<SubmittedDraftRow> {
  const { title, body, format, origin, assets } = s.content;
  const media = s.content.media ?? [];
  const notes = s.content.notes ?? [];
  // Check ids are [a-z_]+ (config), so a comma-joined list is an unambiguous single parameter.
  const result = await tx.execute<{ id: string; number: string; unit_id: string; status: string; stage: string | null; version: number; created_at: string }>(sql`
    WITH counter AS (
      INSERT INTO draft_counters (year, last) VALUES (extract(year FROM coalesce(${s.at?.toISOString() ?? null}::timestamptz, now()) AT TIME ZONE ${s.timeZone ?? DEFAULT_REVIEW_TIME_ZONE})::int, 1)
      ON CONFLICT (year) DO UPDATE SET last = draft_counters.last + 1
      RETURNING year || '-' || lpad(last::text, 6, '0') AS number
    ), draft AS (
      INSERT INTO drafts (id, number, title, platform_id, unit_id, author_id, major, genre, status, current_revision_id)
      SELECT ${s.draftId}, counter.number, ${title}, ${s.platformId}, ${s.unitId}, ${s.authorId}, ${s.major}, ${s.genre ?? null}, 'checking', ${s.revisionId}
      FROM counter
      RETURNING id, number, unit_id, status, stage, version, created_at
    ), revision AS (
      INSERT INTO revisions (id, draft_id, number, kind, title, body, format, origin, assets, media, doc_notes, content_hash, created_by)
      SELECT ${s.revisionId}, draft.id, 1, 'submission', ${title}, ${body}, ${format}, ${JSON.stringify(origin)}::jsonb,
             ${JSON.stringify(assets)}::jsonb, ${JSON.stringify(media)}::jsonb, ${JSON.stringify(notes)}::jsonb, ${s.contentHash}, ${s.authorId}
      FROM draft
      RETURNING id, draft_id
    ), owed AS (
      INSERT INTO check_runs (draft_id, revision_id, check_id)
      SELECT revision.draft_id, revision.id, check_id FROM revision, unnest(string_to_array(${s.checkIds.join(',')}, ',')) AS check_id
    )
    SELECT id, number, unit_id, status, stage, version, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at
    FROM draft`);
  const row = result.rows[0];
  if (!row) throw new Error('draft insert returned nothing');
  return {
    id: row.id,
    number: row.number,
    unitId: row.unit_id,
    status: row.status,
    stage: row.stage,
    version: row.version,
    createdAt: new Date(row.created_at),
  };
}

/** Takes the draft's row lock; with `expectedVersion`, refuses a caller that acted on an older state. */
export async function lockDraft(tx: Tx, draftId: string, expectedVersion?: number): Promise<DraftRow> {
  const [row] = await tx.select().from(drafts).where(eq(drafts.id, draftId)).for('update');
  if (!row) throw notFound('稿件');
  if (expectedVersion !== undefined && row.version !== expectedVersion) {
    throw conflict('稿件已被他人更新，请刷新后再操作', { expectedVersion, currentVersion: row.version, status: row.status, stage: row.stage });
  }
  return row;
}

export async function getDraft(db: Executor, draftId: string): Promise<DraftRow | undefined> {
  const [row] = await db.select().from(drafts).where(eq(drafts.id, draftId));
  return row;
}

/** Everything the pure workflow needs, read under the caller's lock. */
export async function loadAggregate(tx: Executor, draft: DraftRow, current?: RevisionRow): Promise<DraftAggregate & { revision: RevisionRow }> {
  if (!draft.currentRevisionId) throw new Error(`draft ${draft.id} has no revision`);
  // Revisions are immutable: a caller that already read the current one passes it in.
  const revision = current?.id === draft.currentRevisionId ? current : await getRevision(tx, draft.currentRevisionId);
  if (!revision) throw new Error(`draft ${draft.id} revision missing`);
  // Sequential on purpose: inside a transaction every query shares one connection.
  const decisionRows = await listDecisions(tx, draft.id);
  // A `never` finding counts as unwaived whatever its row says (a waiver from before policies existed).
  const counts = await tx.execute<{ owed: number; blocking: number; never: number; propaganda: number; stage: number; level: string | null; author_staff_id: string | null }>(sql`
      WITH b AS (SELECT coalesce(waiver_policy, 'stage') AS policy FROM findings WHERE revision_id = ${revision.id}
                  AND severity = 'block' AND (waived_at IS NULL OR waiver_policy = 'never'))
      SELECT (SELECT count(*)::int FROM check_runs WHERE revision_id = ${revision.id} AND status <> 'done') AS owed,
             (SELECT count(*)::int FROM b) AS blocking,
             (SELECT count(*)::int FROM b WHERE policy = 'never') AS never,
             (SELECT count(*)::int FROM b WHERE policy = 'propaganda') AS propaganda,
             (SELECT count(*)::int FROM b WHERE policy NOT IN ('never', 'propaganda')) AS stage,
             (SELECT level FROM platforms WHERE id = ${draft.platformId}) AS level,
             (SELECT staff_id FROM users WHERE id = ${draft.authorId}) AS author_staff_id`);
  const c = counts.rows[0];
  return {
    authorId: draft.authorId,
    authorStaffId: c?.author_staff_id ?? null,
    unitId: draft.unitId,
    major: draft.major,
    escalated: draft.escalated,
    status: draft.status as DraftStatus,
    stage: draft.stage as StageId | null,
    round: draft.round,
    everReleased: draft.everReleased,
    revisionHash: revision.contentHash,
    decisions: decisionRows.map((d): DecisionRecord => ({
      stage: d.stage as StageId,
      action: d.action as DecisionRecord['action'],
      actorId: d.actorId,
      actorStaffId: d.actorStaffId,
      revisionHash: d.revisionHash,
      round: d.round,
    })),
    checksOwed: c?.owed ?? 0,
    blockingUnwaived: c?.blocking ?? 0,
    blockingByPolicy: { never: c?.never ?? 0, propaganda: c?.propaganda ?? 0, stage: c?.stage ?? 0 },
    platformLevel: c?.level === 'school' ? 'school' : 'unit',
    revision,
  };
}

/** Persists a transition and bumps the version; returns the new row. */
export async function saveTransition(tx: Tx, draft: DraftRow, t: Transition, extra: Partial<Pick<DraftRow, 'currentRevisionId' | 'title' | 'releasedHash' | 'releasedAt'>> = {}): Promise<DraftRow> {
  const stageChanged = t.status !== draft.status || t.stage !== draft.stage;
  const [row] = await tx
    .update(drafts)
    .set({
      status: t.status,
      stage: t.stage,
      round: t.round,
      escalated: t.escalated,
      everReleased: t.everReleased,
      version: draft.version + 1,
      updatedAt: sql`now()`,
      ...(stageChanged ? { stageEnteredAt: sql`now()` } : {}),
      ...extra,
    })
    .where(eq(drafts.id, draft.id))
    .returning();
  if (!row) throw new Error('draft update returned nothing');
  return row;
}
