import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db/pool';
import { BOARD_COLUMNS, readBoard } from '../../services/board.service';
import { presentBoard } from '../board.presenter';
import { route } from '../route';

const COLUMN_KEYS = BOARD_COLUMNS.map((c) => c.key) as [string, ...string[]];

export const BoardQuery = z.strictObject({
  text: z
    .string()
    .max(200)
    .refine((s) => s.isWellFormed() && !s.includes('\u0000'))
    .optional(),
  unit: z.uuid().optional(),
  platform: z.uuid().optional(),
  /** One column's next page (with `cursor`); without it, the first page of every column. */
  column: z.enum(COLUMN_KEYS).optional(),
  cursor: z
    .string()
    .max(400)
    .regex(/^[A-Za-z0-9_-]+$/)
    .optional(),
  /** Cards per column page. */
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

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
      const board = await readBoard(db, user, query);
      return presentBoard(board, board.sla, board.now);
    },
  );
  return router;
}
