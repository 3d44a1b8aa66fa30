import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { and, eq, ilike, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import { STAGE_SLA_HOURS } from '../../../config/stages';
import type { Db } from '../../db/pool';
import { drafts, findings, platforms, units, users } from '../../db/schema';
import { unitScope, type AuthUser } from '../../domain/access';
import { STAGE_LABELS, type StageId } from '../../domain/workflow';
import { route } from '../route';

/** Statuses that have a column on the board; closed drafts (released, rejected, withdrawn…) live in the desks. */
export const BOARD_STATUSES = ['checking', 'checks_failed', 'in_review', 'approved', 'returned'] as const;

export const BoardQuery = z.strictObject({
  text: z.string().max(200).refine((s) => s.isWellFormed() && !s.includes('\u0000')).optional(),
  unit: z.uuid().optional(),
  platform: z.uuid().optional(),
});

export interface BoardRisk {
  category: string;
  block: number;
  review: number;
}

/**
 * Read-only board query: open drafts the viewer may see, with unwaived block/review finding counts of their
 * current revision per category. (Lives beside its route because src/db belongs to the core pipeline; it is a
 * candidate for src/db/board.repository.ts.)
 */
export async function boardItems(db: Db, viewer: AuthUser, filter: z.infer<typeof BoardQuery>) {
  const where: SQL[] = [inArray(drafts.status, [...BOARD_STATUSES])];
  const scope = unitScope(viewer);
  if (scope !== null) {
    const inScope = scope.length > 0 ? inArray(drafts.unitId, scope) : sql`false`;
    where.push(or(inScope, eq(drafts.authorId, viewer.id))!);
  }
  if (filter.unit) where.push(eq(drafts.unitId, filter.unit));
  if (filter.platform) where.push(eq(drafts.platformId, filter.platform));
  if (filter.text) {
    const pattern = `%${filter.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(or(ilike(drafts.title, pattern), ilike(drafts.number, pattern), ilike(users.displayName, pattern))!);
  }
  const rows = await db
    .select({
      id: drafts.id,
      number: drafts.number,
      title: drafts.title,
      status: drafts.status,
      stage: drafts.stage,
      version: drafts.version,
      major: drafts.major,
      escalated: drafts.escalated,
      unitId: drafts.unitId,
      unitName: units.name,
      platformId: drafts.platformId,
      platformName: platforms.name,
      authorName: users.displayName,
      currentRevisionId: drafts.currentRevisionId,
      stageEnteredAt: drafts.stageEnteredAt,
      updatedAt: drafts.updatedAt,
    })
    .from(drafts)
    .innerJoin(units, eq(units.id, drafts.unitId))
    .innerJoin(platforms, eq(platforms.id, drafts.platformId))
    .innerJoin(users, eq(users.id, drafts.authorId))
    .where(and(...where))
    .orderBy(drafts.stageEnteredAt)
    .limit(1000);

  const revisionIds = rows.flatMap((r) => (r.currentRevisionId ? [r.currentRevisionId] : []));
  const counts =
    revisionIds.length === 0
      ? []
      : await db
          .select({ revisionId: findings.revisionId, category: findings.category, severity: findings.severity, n: sql<number>`count(*)::int` })
          .from(findings)
          .where(and(inArray(findings.revisionId, revisionIds), isNull(findings.waivedAt), inArray(findings.severity, ['block', 'review'])))
          .groupBy(findings.revisionId, findings.category, findings.severity);
  const risks = new Map<string, Map<string, BoardRisk>>();
  for (const c of counts) {
    const byCategory = risks.get(c.revisionId) ?? new Map<string, BoardRisk>();
    const risk = byCategory.get(c.category) ?? { category: c.category, block: 0, review: 0 };
    if (c.severity === 'block') risk.block += c.n;
    else risk.review += c.n;
    byCategory.set(c.category, risk);
    risks.set(c.revisionId, byCategory);
  }
  return rows.map(({ currentRevisionId, ...r }) => ({
    ...r,
    stageLabel: r.stage ? (STAGE_LABELS[r.stage as StageId] ?? r.stage) : null,
    risks: [...(risks.get(currentRevisionId ?? '')?.values() ?? [])].sort((a, b) => b.block - a.block || b.review - a.review),
  }));
}

export function boardRouter(db: Db, registry: OpenAPIRegistry): Router {
  const router = Router();
  route(
    router,
    registry,
    {
      method: 'get',
      path: '/api/board',
      summary: '审核看板：当前用户可见的在审稿件（含各类风险计数、环节停留时间与时限配置）',
      tags: ['看板'],
      roles: [],
      query: BoardQuery,
      responses: { 200: { description: '看板数据' } },
    },
    async ({ user, query }) => {
      const [items, now] = await Promise.all([boardItems(db, user, query), db.execute<{ now: Date }>(sql`SELECT now() AS now`)]);
      // The server's clock, so SLA colours do not depend on the browser's.
      return { items, sla: STAGE_SLA_HOURS, now: now.rows[0]?.now ?? new Date() };
    },
  );
  return router;
}
