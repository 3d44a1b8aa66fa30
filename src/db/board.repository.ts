import { and, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import { DRAFT_CARD_COLUMNS, textMatches, visibleDrafts } from './draft-search.repository';
import type { Executor } from './pool';
import { drafts, findings, platforms, units, users } from './schema';

export interface BoardFilter {
  statuses: readonly string[];
  /** Restricts to these units (null = school-wide); the viewer's own drafts are always included. */
  unitScope: readonly string[] | null;
  viewerId: string;
  unitId?: string | undefined;
  platformId?: string | undefined;
  text?: string | undefined;
}

/** One column of the board: which drafts it holds. */
export interface BoardColumnSpec {
  key: string;
  statuses: readonly string[];
  /** Only drafts at this review stage (in_review columns). */
  stage?: string;
}

/** Where a column page ended: stage_entered_at as PostgreSQL prints it, and the draft id. */
export interface BoardCursor {
  enteredAt: string;
  id: string;
}

function boardWhere(filter: BoardFilter, statuses: readonly string[]): SQL[] {
  const where: SQL[] = [inArray(drafts.status, [...statuses])];
  const visible = visibleDrafts(filter.unitScope, filter.viewerId);
  if (visible) where.push(visible);
  if (filter.unitId) where.push(eq(drafts.unitId, filter.unitId));
  if (filter.platformId) where.push(eq(drafts.platformId, filter.platformId));
  if (filter.text) {
    const textMatch = textMatches(filter.text, [drafts.title, drafts.number, users.displayName]);
    if (textMatch) where.push(textMatch);
  }
  return where;
}

/**
 * One page of a column, longest in their stage first, by keyset on (stage_entered_at, id): served by the partial
 * index drafts_board_idx (status, stage, stage_entered_at, id) for board statuses.
 */
export async function listBoardColumn(db: Executor, filter: BoardFilter, column: BoardColumnSpec, limit: number, after?: BoardCursor) {
  const where = boardWhere(filter, column.statuses);
  if (column.stage) where.push(eq(drafts.stage, column.stage));
  if (after) where.push(sql`(${drafts.stageEnteredAt}, ${drafts.id}) > (${after.enteredAt}::timestamptz, ${after.id}::uuid)`);
  const { authorId: _authorId, createdAt: _createdAt, ...columns } = DRAFT_CARD_COLUMNS;
  const rows = await db
    .select({ ...columns, currentRevisionId: drafts.currentRevisionId, cursorAt: sql<string>`${drafts.stageEnteredAt}::text` })
    .from(drafts)
    .innerJoin(units, eq(units.id, drafts.unitId))
    .innerJoin(platforms, eq(platforms.id, drafts.platformId))
    .innerJoin(users, eq(users.id, drafts.authorId))
    .where(and(...where))
    .orderBy(drafts.stageEnteredAt, drafts.id)
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { rows: page, next: rows.length > limit && last ? { enteredAt: last.cursorAt, id: last.id } : null };
}

/** True counts of every board draft the viewer may see under the filters, per (status, stage): nothing is dropped. */
export async function boardCounts(db: Executor, filter: BoardFilter): Promise<Array<{ status: string; stage: string | null; n: number }>> {
  const query = db
    .select({ status: drafts.status, stage: drafts.stage, n: sql<number>`count(*)::int` })
    .from(drafts)
    .$dynamic();
  const withAuthor = filter.text ? query.innerJoin(users, eq(users.id, drafts.authorId)) : query;
  return withAuthor.where(and(...boardWhere(filter, filter.statuses))).groupBy(drafts.status, drafts.stage);
}

/** Unwaived block/review findings per (revision, category, severity). */
export async function unwaivedFindingCounts(db: Executor, revisionIds: readonly string[]) {
  if (revisionIds.length === 0) return [];
  return db
    .select({ revisionId: findings.revisionId, category: findings.category, severity: findings.severity, n: sql<number>`count(*)::int` })
    .from(findings)
    .where(and(inArray(findings.revisionId, [...revisionIds]), isNull(findings.waivedAt), inArray(findings.severity, ['block', 'review'])))
    .groupBy(findings.revisionId, findings.category, findings.severity);
}

/** The database's clock, so time in stage does not depend on a browser's. */
export async function databaseNow(db: Executor): Promise<Date> {
  const result = await db.execute<{ now: Date }>(sql`SELECT now() AS now`);
  return result.rows[0]?.now ?? new Date();
}
