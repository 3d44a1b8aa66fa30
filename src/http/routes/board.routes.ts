import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import { z } from 'zod';
import { STAGE_SLA_HOURS } from '../../../config/stages';
import type { Db } from '../../db/pool';
import { databaseNow, listBoardDrafts, unwaivedFindingCounts } from '../../db/board.repository';
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
 * Open drafts the viewer may see, with unwaived block/review finding counts of their current revision per
 * category.
 */
export async function boardItems(db: Db, viewer: AuthUser, filter: z.infer<typeof BoardQuery>) {
  const rows = await listBoardDrafts(db, {
    statuses: BOARD_STATUSES,
    unitScope: unitScope(viewer),
    viewerId: viewer.id,
    unitId: filter.unit,
    platformId: filter.platform,
    text: filter.text,
  });
  const counts = await unwaivedFindingCounts(
    db,
    rows.flatMap((r) => (r.currentRevisionId ? [r.currentRevisionId] : [])),
  );
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
      const [items, now] = await Promise.all([boardItems(db, user, query), databaseNow(db)]);
      // The server's clock, so SLA colours do not depend on the browser's.
      return { items, sla: STAGE_SLA_HOURS, now };
    },
  );
  return router;
}
