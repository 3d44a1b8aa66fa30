import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { hasRole } from '../domain/access';
import { DomainError } from '../domain/errors';

export const QUEUE_BOARD_PATH = '/admin/queues';

/**
 * The BullMQ dashboard (@bull-board) for admins only. Mount it through createApp's `mount` option, which runs
 * after the session has been resolved: `mount: (app) => app.use(queueBoardRouter([queue]))`.
 */
export function queueBoardRouter(queues: readonly Queue[]): Router {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode: false })), serverAdapter: adapter, options: { uiConfig: { boardTitle: 'sanshen 队列' } } });
  const router = Router();
  router.use(QUEUE_BOARD_PATH, (req: Request, _res: Response, next: NextFunction) => {
    const user = req.auth?.user;
    // Through the error handler, so a denial is audited like every other.
    if (!user) return next(new DomainError('unauthenticated', '请先登录'));
    if (!hasRole(user, 'admin')) return next(new DomainError('forbidden', '仅管理员可查看队列'));
    next();
  });
  router.use(QUEUE_BOARD_PATH, adapter.getRouter() as Router);
  return router;
}
