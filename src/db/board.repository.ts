import { and, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import { DRAFT_CARD_COLUMNS, textMatches, visibleDrafts } from './draft.repository';
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

/** Open drafts for the board, longest in their stage first, with their current revision id. */
export async function listBoardDrafts(db: Executor, filter: BoardFilter) {
  const where: SQL[] = [inArray(drafts.status, [...filter.statuses])];
  const visible = visibleDrafts(filter.unitScope, filter.viewerId);
  if (visible) where.push(visible);
  if (filter.unitId) where.push(eq(drafts.unitId, filter.unitId));
  if (filter.platformId) where.push(eq(drafts.platformId, filter.platformId));
  if (filter.text) {
    const textMatch = textMatches(filter.text, [drafts.title, drafts.number, users.displayName]);
    if (textMatch) where.push(textMatch);
  }
  const { authorId: _authorId, createdAt: _createdAt, ...columns } = DRAFT_CARD_COLUMNS;
  return db
    .select({ ...columns, currentRevisionId: drafts.currentRevisionId })
    .from(drafts)
    .innerJoin(units, eq(units.id, drafts.unitId))
    .innerJoin(platforms, eq(platforms.id, drafts.platformId))
    .innerJoin(users, eq(users.id, drafts.authorId))
    .where(and(...where))
    .orderBy(drafts.stageEnteredAt)
    .limit(1000);
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
