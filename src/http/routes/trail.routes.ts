import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';

import { Router } from 'express';

import { z } from 'zod';

import { requiredStages, STAGE_LABELS, type StageId } from '../../domain/workflow';

import type { CheckpointStore } from '../../services/audit-trail.service';

import { readableDraftTrail, recordExport, trailCsv, verifyReadableDraft } from '../../services/audit-trail.service';

import type { ServiceDeps } from '../../services/deps';

import { draftDetail, peopleById } from '../../services/draft-queries.service';
import { draftMarks } from '../../services/marks.service';
import { presentTrailEvent, routeLabel } from '../presenters';
import { reviewSheetHtml } from '../review-sheet';

import { readableWaivers, waiversOfDraft } from '../../services/waivers.service';

import { route } from '../route';

import { IdParams, TrailQuery } from '../schemas';

const ok = (description: string, schema: z.ZodType = z.object({}).loose()) => ({ description, content: { 'application/json': { schema } } });

/** A draft's audit trail: the events (JSON or CSV), chain verification, the printable 审稿单 and its waivers. */
export function trailRouter(deps: ServiceDeps, registry: OpenAPIRegistry, checkpoints: CheckpointStore | null): Router {
  const router = Router();
  route(
    router,
    registry,
    {
      method: 'get',
      path: '/api/drafts/:id/trail',
      summary: '稿件审计轨迹（JSON，或 ?format=csv 导出）',
      tags: ['审计'],
      roles: [],
      params: IdParams,
      query: TrailQuery,
      responses: { 200: ok('审计事件') },
    },
    async ({ params, query, user, res }) => {
      const { draft, events } = await readableDraftTrail(deps.db, user, params.id);
      if (query.format === 'csv') {
        await recordExport(deps.db, user, { draftId: draft.id, number: draft.number, format: 'csv', events: events.length });
        res.setHeader('Content-Type', 'text/csv; charset=utf-8');
        res.setHeader('Content-Disposition', `attachment; filename="trail-${draft.number}.csv"`);
        res.send(trailCsv(events));
        return undefined;
      }
      return { draftId: draft.id, number: draft.number, events: events.map(presentTrailEvent) };
    },
  );

  route(
    router,
    registry,
    { method: 'get', path: '/api/drafts/:id/trail/verify', summary: '校验稿件审计链（并与库外签名检查点比对）', tags: ['审计'], roles: [], params: IdParams, responses: { 200: ok('校验结果') } },
    async ({ params, user }) => {
      const report = await verifyReadableDraft(deps.db, checkpoints, user, params.id);
      const chain = report.chains[0];
      return {
        ok: report.ok,
        events: chain?.events ?? 0,
        head: chain?.head ?? null,
        firstBreak: report.firstBreak ?? null,
        invalidCheckpoints: report.invalidCheckpoints,
        missingCheckpoints: report.missingCheckpoints,
      };
    },
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/api/drafts/:id/review-sheet',
      summary: '可打印的审稿单（HTML）',
      tags: ['审计'],
      roles: [],
      params: IdParams,
      responses: { 200: { description: 'HTML 审稿单', content: { 'text/html': { schema: z.string() } } } },
    },
    async ({ params, user, res }) => {
      const detail = await draftDetail(deps.db, user, params.id);
      const marks = await draftMarks(deps, user, params.id);
      const waivers = await waiversOfDraft(deps.db, params.id);
      const people = await peopleById(deps.db, [...detail.decisions.map((d) => d.actorId), ...marks.map((m) => m.createdBy)]);
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.send(reviewSheetHtml(detail, people, (s) => STAGE_LABELS[s as StageId] ?? s, marks, waivers, routeLabel(requiredStages(deps.stages, detail.aggregate)), deps.timeZone));
      return undefined;
    },
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/api/drafts/:id/waivers',
      summary: '稿件的全部豁免记录（问题、命中文字、理由、豁免人、时间；审稿单同源）',
      tags: ['审计'],
      roles: [],
      params: IdParams,
      responses: { 200: ok('豁免记录') },
    },
    async ({ params, user }) => ({ items: await readableWaivers(deps.db, user, params.id) }),
  );

  return router;
}
