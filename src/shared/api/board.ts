import type { DraftListItem } from './drafts';
import type { IsoTime } from './people';

/** The board (GET /api/board), built by src/http/board.presenter.ts. */

export interface BoardRisk {
  category: string;
  block: number;
  review: number;
}

/** A card: a draft-list row without its author's id and creation time, with its stage's name and its risks. */
export interface BoardItem extends Omit<DraftListItem, 'authorId' | 'createdAt'> {
  stageLabel: string | null;
  /** Unwaived block/review findings of the current revision per category, most severe first. */
  risks: BoardRisk[];
}

/**
 * One column of the board, in the order the board shows them: 机审中, then a column per review stage (from
 * config/stages.ts), then 待发布 and 已退回. A card belongs to the column whose `statuses` hold its status and,
 * for a stage column, whose `stage` is its stage.
 */
export interface BoardColumn {
  key: string;
  label: string;
  statuses: string[];
  stage: string | null;
  /** Every draft of this column the viewer may see under the filters, not just the cards sent. */
  total: number;
  /** The cursor of the column's next page (`?column=<key>&cursor=`), or null after the last. */
  nextCursor: string | null;
}

export interface BoardData {
  items: BoardItem[];
  /** Every column (or, for `?column=`, that one) with its true total and the cursor of its next page. */
  columns: BoardColumn[];
  /** Hours in a stage before a card turns amber / red. */
  sla: { warn: number; overdue: number };
  /** The database's clock, so SLA colours do not depend on the browser's. */
  now: IsoTime;
}

/** Whether a card sits in a column. */
export const inColumn = (column: Pick<BoardColumn, 'statuses' | 'stage'>, d: { status: string; stage: string | null }): boolean =>
  column.statuses.includes(d.status) && (column.stage === null || d.stage === column.stage);
