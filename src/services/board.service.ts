import { z } from 'zod';
import { ESCALATION_STAGE, PLATFORM_STAGES, REVIEW_STAGES, STAGE_SLA_HOURS } from '../../config/stages';
import { boardCounts, databaseNow, listBoardColumn, unwaivedFindingCounts, type BoardColumnSpec, type BoardCursor, type BoardFilter } from '../db/board.repository';
import type { Db } from '../db/pool';
import { unitScope, type AuthUser } from '../domain/access';
import { DomainError } from '../domain/errors';
import { STAGE_LABELS, type StageId } from '../domain/workflow';
import type { BoardRisk } from '../shared/api';

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

/** What the board is asked for (the route's BoardQuery, parsed). */
export interface BoardRequest {
  text?: string | undefined;
  unit?: string | undefined;
  platform?: string | undefined;
  column?: string | undefined;
  cursor?: string | undefined;
  limit: number;
}

const encodeCursor = (c: BoardCursor) => Buffer.from(JSON.stringify([c.enteredAt, c.id])).toString('base64url');
function decodeCursor(text: string): BoardCursor {
  try {
    const v = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      typeof v[0] === 'string' &&
      typeof v[1] === 'string' &&
      /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/.test(v[0]) &&
      z.uuid().safeParse(v[1]).success
    )
      return { enteredAt: v[0], id: v[1] };
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

/** One page of one column as the board use case computes it. */
export interface BoardColumnPage {
  column: BoardColumnSpec;
  /** Every draft of this column the viewer may see under the filters, not just the cards sent. */
  total: number;
  nextCursor: string | null;
}

/**
 * Open drafts the viewer may see: the first `limit` cards of every column (or the next page of one column), each
 * column with its true total, and unwaived block/review finding counts of the current revision per category.
 */
export async function boardItems(db: Db, viewer: AuthUser, query: BoardRequest) {
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
  const [pages, counts] = await Promise.all([Promise.all(wanted.map((c) => listBoardColumn(db, filter, c, query.limit, after))), boardCounts(db, filter)]);
  const total = (c: BoardColumnSpec) => counts.filter((n) => c.statuses.includes(n.status) && (!c.stage || n.stage === c.stage)).reduce((sum, n) => sum + n.n, 0);
  const columns: BoardColumnPage[] = wanted.map((c, i) => ({ column: c, total: total(c), nextCursor: pages[i]!.next ? encodeCursor(pages[i]!.next!) : null }));
  const items = await withRisks(
    db,
    pages.flatMap((p) => p.rows.map(({ cursorAt: _c, ...r }) => r)),
  );
  return { items, columns };
}

/**
 * The 审核看板 use case: the viewer's board (boardItems), the stage time limits and the database's clock, so SLA
 * colours do not depend on the browser's.
 */
export async function readBoard(db: Db, viewer: AuthUser, query: BoardRequest) {
  const [board, now] = await Promise.all([boardItems(db, viewer, query), databaseNow(db)]);
  return { items: board.items, columns: board.columns, sla: STAGE_SLA_HOURS, now };
}
