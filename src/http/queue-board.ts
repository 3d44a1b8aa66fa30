import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Db } from '../db/pool';
import { hasRole } from '../domain/access';
import { recordQueueAction } from '../services/audit-trail.service';
import { DomainError } from '../domain/errors';

export const QUEUE_BOARD_PATH = '/admin/queues';

/**
 * The BullMQ dashboard (@bull-board) for admins only. Mount it through createApp's `mount` option, which runs
 * after the session has been resolved: `mount: (app) => app.use(queueBoardRouter([queue]))`.
 */
export function queueBoardRouter(queues: readonly Queue[], audit?: { db: Db }): Router {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode: false })), serverAdapter: adapter, options: { uiConfig: { boardTitle: 'sanshen 队列' } } });
  const router = Router();
  router.use(QUEUE_BOARD_PATH, (req: Request, _res: Response, next: NextFunction) => {
    const user = req.auth?.user;
    // Through the error handler, so a denial is audited like every other.
    if (!user) return next(new DomainError('unauthenticated', '请先登录'));
    if (!hasRole(user, 'admin')) return next(new DomainError('forbidden', '仅管理员可查看队列'));
    if (req.method === 'GET' || req.method === 'HEAD' || !audit) return next();
    // Every state change through the board (pause, resume, retry, clean, promote, remove, add, …) is recorded on
    // the security chain BEFORE it is carried out; if it cannot be recorded it is not carried out.
    const parts = req.path.split('/').filter(Boolean); // api / queues / <queue> / <action…>
    const queue = parts[1] === 'queues' && parts[2] ? decodeURIComponent(parts[2]) : null;
    const action =
      parts
        .slice(3)
        .map((p) => decodeURIComponent(p))
        .join('/') ||
      parts.slice(1).join('/') ||
      req.path;
    recordQueueAction(audit.db, user, { method: req.method, path: req.path.slice(0, 300), queue, action: action.slice(0, 200), ip: req.ip ?? '' }).then(
      () => next(),
      () => next(new DomainError('service_unavailable', '无法记录审计事件，队列操作未执行')),
    );
  });
  router.use(QUEUE_BOARD_PATH, adapter.getRouter() as Router);
  return router;
}
