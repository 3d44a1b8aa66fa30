import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import { z } from 'zod';
import { ESCALATION_STAGE, PLATFORM_STAGES, REVIEW_STAGES, STAGE_SLA_HOURS } from '../../../config/stages';
import type { Db } from '../../db/pool';
import { boardCounts, databaseNow, listBoardColumn, unwaivedFindingCounts, type BoardColumnSpec, type BoardCursor, type BoardFilter } from '../../db/board.repository';
import { DomainError } from '../../domain/errors';
import { unitScope, type AuthUser } from '../../domain/access';
import { STAGE_LABELS, type StageId } from '../../domain/workflow';
import type { BoardRisk } from '../../shared/api';
import { presentBoard, type BoardColumnPage } from '../board.presenter';
import { route } from '../route';

/** Statuses that have a column on the board; closed drafts (released, rejected, withdrawn…) live in the desks. */
export const BOARD_STATUSES = ['checking', 'checks_failed', 'in_review', 'approved', 'returned'] as const;

/** Every stage a draft can wait in, in review order (config/stages.ts): one board column each. */
const BOARD_STAGES: readonly StageId[] = [...new Set([...REVIEW_STAGES, ...Object.values(PLATFORM_STAGES).flat(), ESCALATION_STAGE])];

/** The columns of the board, in order: 机审中, a column per stage, 待发布, 已退回 (the response carries them). */
export const BOARD_COLUMNS: readonly BoardColumnSpec[] = [
  { key: 'checking', statuses: ['checking', 'checks_failed'] },
  ...BOARD_STAGES.map((stage) => ({ key: stage, statuses: ['in_review'], stage })),
  { key: 'approved', statuses: ['approved'] },
  { key: 'returned', statuses: ['returned'] },
];
const COLUMN_KEYS = BOARD_COLUMNS.map((c) => c.key) as [string, ...string[]];

export const BoardQuery = z.strictObject({
  text: z.string().max(200).refine((s) => s.isWellFormed() && !s.includes('\u0000')).optional(),
  unit: z.uuid().optional(),
  platform: z.uuid().optional(),
  /** One column's next page (with `cursor`); without it, the first page of every column. */
  column: z.enum(COLUMN_KEYS).optional(),
  cursor: z.string().max(400).regex(/^[A-Za-z0-9_-]+$/).optional(),
  /** Cards per column page. */
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const encodeCursor = (c: BoardCursor) => Buffer.from(JSON.stringify([c.enteredAt, c.id])).toString('base64url');
function decodeCursor(text: string): BoardCursor {
  try {
    const v = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string' &&
      /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/.test(v[0]) && z.uuid().safeParse(v[1]).success
    ) return { enteredAt: v[0], id: v[1] };
  } catch {
    // fall through
  }
  throw new DomainError('validation_failed', 'cursor 无效：请使用该列返回的 nextCursor');
}

/** Unwaived block/review finding counts per category for the given board rows. */
async function withRisks<R extends { currentRevisionId: string | null; stage: string | null }>(db: Db, rows: R[]) {
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

/**
 * Open drafts the viewer may see: the first `limit` cards of every column (or the next page of one column), each
 * column with its true total, and unwaived block/review finding counts of the current revision per category.
 */
export async function boardItems(db: Db, viewer: AuthUser, query: z.infer<typeof BoardQuery>) {
  const filter: BoardFilter = {
    statuses: BOARD_STATUSES,
    unitScope: unitScope(viewer),
    viewerId: viewer.id,
    unitId: query.unit,
    platformId: query.platform,
    text: query.text,
  };
  if (query.cursor && !query.column) throw new DomainError('validation_failed', 'cursor 须与 column 一起使用');
  const wanted = query.column ? BOARD_COLUMNS.filter((c) => c.key === query.column) : BOARD_COLUMNS;
  const after = query.cursor ? decodeCursor(query.cursor) : undefined;
  const [pages, counts] = await Promise.all([
    Promise.all(wanted.map((c) => listBoardColumn(db, filter, c, query.limit, after))),
    boardCounts(db, filter),
  ]);
  const total = (c: BoardColumnSpec) => counts.filter((n) => c.statuses.includes(n.status) && (!c.stage || n.stage === c.stage)).reduce((sum, n) => sum + n.n, 0);
  const columns: BoardColumnPage[] = wanted.map((c, i) => ({ column: c, total: total(c), nextCursor: pages[i]!.next ? encodeCursor(pages[i]!.next!) : null }));
  const items = await withRisks(db, pages.flatMap((p) => p.rows.map(({ cursorAt: _c, ...r }) => r)));
  return { items, columns };
}

export function boardRouter(db: Db, registry: OpenAPIRegistry): Router {
  const router = Router();
  route(
    router,
    registry,
    {
      method: 'get',
      path: '/api/board',
      summary: '审核看板：当前用户可见的在审稿件，按列分页（每列真实总数 columns[].total；column+cursor 取下一页），含风险计数与时限配置',
      tags: ['看板'],
      roles: [],
      query: BoardQuery,
      responses: { 200: { description: '看板数据' } },
    },
    async ({ user, query }) => {
      const [board, now] = await Promise.all([boardItems(db, user, query), databaseNow(db)]);
      // The server's clock, so SLA colours do not depend on the browser's.
      return presentBoard(board, STAGE_SLA_HOURS, now);
    },
  );
  return router;
}
