import type { BoardColumnSpec } from '../db/board.repository';
import type { StageId } from '../domain/workflow';
import type { BoardColumn, BoardData, BoardItem, BoardRisk } from '../shared/api';
import { iso } from '../shared/api';
import { stageShortLabel } from './presenters';

/** Headings of the columns that hold a status rather than a review stage. */
const STATUS_COLUMN_LABELS: Readonly<Record<string, string>> = { checking: '机审中', approved: '待发布', returned: '已退回' };

/** A column's heading: the stage's short name for a stage column, else the status column's. */
export const boardColumnLabel = (c: BoardColumnSpec): string => (c.stage ? stageShortLabel(c.stage as StageId) : (STATUS_COLUMN_LABELS[c.key] ?? c.key));

/** One page of one column as the board use case computes it. */
export interface BoardColumnPage {
  column: BoardColumnSpec;
  total: number;
  nextCursor: string | null;
}

/** A card as the board use case reads it (times as the database driver gives them). */
export interface BoardCard extends Omit<BoardItem, 'stageEnteredAt' | 'updatedAt' | 'risks'> {
  stageEnteredAt: Date | string;
  updatedAt: Date | string;
  risks: BoardRisk[];
}

export const presentBoardColumn = (p: BoardColumnPage): BoardColumn => ({
  key: p.column.key,
  label: boardColumnLabel(p.column),
  statuses: [...p.column.statuses],
  stage: p.column.stage ?? null,
  total: p.total,
  nextCursor: p.nextCursor,
});

/**
 * GET /api/board: the cards, the columns in the board's order with their headings (so the web page draws the
 * stages config/stages.ts defines, not a copy of them), the SLA hours and the database's clock.
 */
export function presentBoard(board: { items: readonly BoardCard[]; columns: readonly BoardColumnPage[] }, sla: { warn: number; overdue: number }, now: Date): BoardData {
  return {
    items: board.items.map((d) => ({ ...d, stageEnteredAt: iso(d.stageEnteredAt), updatedAt: iso(d.updatedAt) })),
    columns: board.columns.map(presentBoardColumn),
    sla: { warn: sla.warn, overdue: sla.overdue },
    now: iso(now),
  };
}
