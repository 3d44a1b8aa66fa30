import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';

import { Router } from 'express';

import { z } from 'zod';

import type { ServiceDeps } from '../../services/deps';

import { peopleById } from '../../services/draft-queries.service';
import { applyMarks, createMark, draftMarks, resolveMark } from '../../services/marks.service';

import { presentMark } from '../presenters';
import { route } from '../route';

import { IdParams, MarkCreateSchema, MarkParams, MarkResolveSchema, MarksApplySchema } from '../schemas';

const ok = (description: string, schema: z.ZodType = z.object({}).loose()) => ({ description, content: { 'application/json': { schema } } });
const state = (d: { id: string; status: string; stage: string | null; version: number }) => ({ id: d.id, status: d.status, stage: d.stage, version: d.version });

/** 校对标记: list, add, resolve and apply the proofreading marks of a draft. */
export function marksRouter(deps: ServiceDeps, registry: OpenAPIRegistry): Router {
  const router = Router();
  const tags = ['稿件'];
  const withPeople = async (marks: Awaited<ReturnType<typeof draftMarks>>) => {
    const people = await peopleById(
      deps.db,
      marks.flatMap((m) => [m.createdBy, ...(m.resolvedBy ? [m.resolvedBy] : [])]),
    );
    return marks.map((m) => presentMark(m, people));
  };

  route(
    router,
    registry,
    { method: 'get', path: '/api/drafts/:id/marks', summary: '校对标记列表（各版本）', tags, roles: [], params: IdParams, responses: { 200: ok('校对标记') } },
    async ({ params, user }) => ({ items: await withPeople(await draftMarks(deps, user, params.id)) }),
  );

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/api/drafts/:id/marks',
      summary: '添加校对标记：选中文字提出修改建议或批注，或采纳机审问题的修改建议',
      tags,
      roles: [],
      params: IdParams,
      body: MarkCreateSchema,
      responses: { 201: ok('已添加'), 409: ok('稿件已有新版本或不在审核中') },
    },
    async ({ params, body, user, res }) => {
      const mark = await createMark(deps, user, params.id, body);
      res.status(201).json((await withPeople([mark]))[0]);
      return undefined;
    },
  );

  route(
    router,
    registry,
    { method: 'post', path: '/api/drafts/:id/marks/:mid/resolve', summary: '采纳或不采纳校对标记', tags, roles: [], params: MarkParams, body: MarkResolveSchema, responses: { 200: ok('已处理') } },
    async ({ params, body, user }) => (await withPeople([await resolveMark(deps, user, params.id, params.mid, body)]))[0],
  );

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/api/drafts/:id/marks/apply',
      summary: '应用已采纳的修改建议：生成本环节的校对修改稿（重新机审，已有审核结论保留）',
      tags,
      roles: [],
      params: IdParams,
      body: MarksApplySchema,
      responses: { 201: ok('新版本'), 409: ok('版本已变化或状态不允许') },
    },
    async ({ params, body, user, res }) => {
      const out = await applyMarks(deps, user, params.id, body);
      res.status(201).json({ ...state(out.draft), revision: out.result });
      return undefined;
    },
  );

  return router;
}
