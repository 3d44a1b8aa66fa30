import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Queue } from 'bullmq';
import { Router } from 'express';
import type { Db } from '../../db/pool';
import { dashboardData } from '../../services/dashboard.service';
import { route } from '../route';

export function dashboardsRouter(db: Db, registry: OpenAPIRegistry, queues: readonly Queue[], timeZone?: string): Router {
  const router = Router();
  route(
    router,
    registry,
    {
      method: 'get',
      path: '/api/dashboards',
      summary: '数据看板：队列、各环节稿件、环节用时、审核工作量、问题类别趋势、各平台发布频次',
      tags: ['看板'],
      roles: ['propaganda', 'admin', 'auditor'],
      responses: { 200: { description: '看板数据' } },
    },
    async () => dashboardData(db, queues, timeZone),
  );
  return router;
}
