import type { RevisionContent } from '../../domain/content';

import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';

import { Router } from 'express';

import { z } from 'zod';

import type { ServiceDeps } from '../../services/deps';

import { draftDetail, searchDrafts } from '../../services/draft-queries.service';
import { correctDraft, recordDecision, releaseDraft, resubmitDraft, retryChecks, reviseDraft, waiveFinding, withdrawDraft } from '../../services/review.service';

import { submitDraft } from '../../services/submit-draft.service';

import { diffRevisions } from '../../services/revision-diff.service';

import { DomainError } from '../../domain/errors';

import { presentDraft, presentDraftListItem, presentRevisionDiff } from '../presenters';
import { decodeListCursor, encodeListCursor, LIST_COUNT_CAP } from '../list-cursor';

import { route } from '../route';

import {
  CorrectionSchema,
  DecisionCreateSchema,
  DiffQuery,
  DraftCreateSchema,
  ErrorSchema,
  DraftListQuery,
  FindingParams,
  IdParams,
  ReleaseSchema,
  ResubmitSchema,
  RevisionCreateSchema,
  WaiveSchema,
  WithdrawSchema,
} from '../schemas';

const ok = (description: string, schema: z.ZodType = z.object({}).loose()) => ({ description, content: { 'application/json': { schema } } });
const StateSchema = z.object({ id: z.string(), status: z.string(), stage: z.string().nullable(), version: z.number() }).openapi('DraftState');
const state = (d: { id: string; status: string; stage: string | null; version: number }) => ({ id: d.id, status: d.status, stage: d.stage, version: d.version });

export function draftsRouter(deps: ServiceDeps, registry: OpenAPIRegistry): Router {
  const router = Router();
  const tags = ['稿件'];

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/api/drafts',
      summary: '投稿（支持 Idempotency-Key）',
      tags,
      roles: ['editor'],
      body: DraftCreateSchema,
      headers: z.object({ 'idempotency-key': z.string().max(200).optional() }),
      responses: {
        201: ok(
          '已受理',
          z
            .object({ id: z.string(), number: z.string(), status: z.string(), version: z.number(), revision: z.object({ id: z.string(), number: z.number(), hash: z.string() }) })
            .openapi('SubmittedDraft'),
        ),
        422: ok('Idempotency-Key 已用于不同请求'),
      },
    },
    async ({ body, user, req, res }) => {
      const key = req.get('idempotency-key');
      if (key !== undefined && (key.length === 0 || key.length > 200 || !/^[\x21-\x7e]+$/.test(key))) {
        throw new DomainError('validation_failed', 'Idempotency-Key 须为 1–200 个可见 ASCII 字符');
      }
      const { platformId, major, genre, ...content } = body;
      // Media declarations ({media, licence}) get their kind and name from the stored file at canonicalisation.
      const result = await submitDraft(deps, user, { platformId, major, ...(genre ? { genre } : {}), content: content as RevisionContent }, key);
      res.status(201).json(result.draft);
      return undefined;
    },
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/api/drafts',
      summary: '稿件列表（筛选；按 cursor 翻页；total 为封顶计数，超过 10000 时 totalCapped=true）',
      tags,
      roles: [],
      query: DraftListQuery,
      responses: { 200: ok('稿件列表') },
    },
    async ({ query, user }) => {
      const after = query.cursor ? decodeListCursor(query.cursor) : undefined;
      const list = await searchDrafts(deps.db, user, {
        status: query.status,
        stage: query.stage,
        unitId: query.unit,
        platformId: query.platform,
        text: query.text,
        reviewer: query.reviewer,
        from: query.from,
        to: query.to,
        timeZone: deps.timeZone,
        limit: query.pageSize,
        after,
        countCap: LIST_COUNT_CAP,
        mine: query.mine === '1',
      });
      return {
        items: list.items.map(presentDraftListItem),
        // A count capped at LIST_COUNT_CAP, on the first page only (null on later pages): "10,000+" when totalCapped.
        total: list.total,
        totalCapped: list.totalCapped,
        nextCursor: list.nextCursor ? encodeListCursor(list.nextCursor) : null,
        pageSize: query.pageSize,
      };
    },
  );

  route(
    router,
    registry,
    { method: 'get', path: '/api/drafts/:id', summary: '稿件详情（当前版本、机审、问题、审核记录、可执行操作）', tags, roles: [], params: IdParams, responses: { 200: ok('稿件详情') } },
    async ({ params, user }) => presentDraft(deps.stages, user, await draftDetail(deps.db, user, params.id)),
  );

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/api/drafts/:id/revisions',
      summary: '提交新版本（作者修改；审核人带 stage 即为本环节校对修改）',
      tags,
      roles: [],
      params: IdParams,
      body: RevisionCreateSchema,
      responses: { 201: ok('新版本') },
    },
    async ({ params, body, user, res }) => {
      const { version, stage, note, marks, ...content } = body;
      const out = await reviseDraft(deps, user, params.id, { content: content as RevisionContent, version, stage, note, marks });
      res.status(201).json({ ...state(out.draft), revision: out.result });
      return undefined;
    },
  );

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/api/drafts/:id/decisions',
      summary: '审核结论：通过 / 退回 / 否决（需当前 version）',
      tags,
      roles: [],
      params: IdParams,
      body: DecisionCreateSchema,
      responses: { 200: ok('新状态', StateSchema), 409: ok('版本已变化或状态不允许') },
    },
    async ({ params, body, user }) => {
      return state((await recordDecision(deps, user, params.id, body)).draft);
    },
  );

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/api/drafts/:id/findings/:fid/waive',
      summary: '说明理由豁免阻断性问题（按问题的豁免规则：不可豁免 / 仅宣传部 / 本环节审核人）',
      tags,
      roles: [],
      params: FindingParams,
      body: WaiveSchema,
      responses: {
        200: ok('新状态', StateSchema),
        403: { description: '无权限；或 waiver_not_allowed：该问题的豁免规则不允许（details.policy 为 never / propaganda / stage）', content: { 'application/json': { schema: ErrorSchema } } },
      },
    },
    async ({ params, body, user }) => {
      return state((await waiveFinding(deps, user, params.id, params.fid, body)).draft);
    },
  );

  // 校对标记: users who may act at the current stage create, accept, reject and apply; readers of the draft list.
  route(
    router,
    registry,
    {
      method: 'get',
      path: '/api/drafts/:id/diff',
      summary: '任意两个版本的差异，以及修正、豁免、新增的机审问题',
      tags,
      roles: [],
      params: IdParams,
      query: DiffQuery,
      responses: { 200: ok('版本差异') },
    },
    async ({ params, query, user }) => presentRevisionDiff(await diffRevisions(deps, user, params.id, query.from, query.to)),
  );

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/api/drafts/:id/resubmit',
      summary: '退回后附说明重新送审（从初审开始）',
      tags,
      roles: [],
      params: IdParams,
      body: ResubmitSchema,
      responses: { 200: ok('新状态', StateSchema) },
    },
    async ({ params, body, user }) => {
      return state((await resubmitDraft(deps, user, params.id, body)).draft);
    },
  );

  route(
    router,
    registry,
    { method: 'post', path: '/api/drafts/:id/withdraw', summary: '作者撤回稿件', tags, roles: [], params: IdParams, body: WithdrawSchema, responses: { 200: ok('新状态', StateSchema) } },
    async ({ params, body, user }) => {
      return state((await withdrawDraft(deps, user, params.id, body)).draft);
    },
  );

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/api/drafts/:id/release',
      summary: '发布（先审后发：不满足条件时 409 release_blocked 并列出原因）',
      tags,
      roles: [],
      params: IdParams,
      body: ReleaseSchema,
      responses: { 200: ok('已发布，返回发布内容的哈希'), 409: ok('release_blocked') },
    },
    async ({ params, body, user }) => {
      const out = await releaseDraft(deps, user, params.id, body);
      return { ...state(out.draft), releasedHash: out.result?.hash, revisionId: out.result?.revisionId, renditionSha256: out.result?.renditionSha256, media: out.result?.media ?? [] };
    },
  );

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/api/drafts/:id/corrections',
      summary: '发布后纠错（correct：提交更正稿重新审核；retract：撤稿）',
      tags,
      roles: [],
      params: IdParams,
      body: CorrectionSchema,
      responses: { 200: ok('新状态', StateSchema) },
    },
    async ({ params, body, user }) => {
      const input =
        body.action === 'retract'
          ? body
          : {
              action: body.action,
              reason: body.reason,
              version: body.version,
              content: { title: body.title, body: body.body, format: body.format, origin: body.origin, assets: body.assets } as RevisionContent,
            };
      const out = await correctDraft(deps, user, params.id, input);
      return { ...state(out.draft), revision: out.result ?? null };
    },
  );

  route(
    router,
    registry,
    { method: 'post', path: '/api/drafts/:id/checks/retry', summary: '管理员重新机审（机审失败的稿件）', tags, roles: ['admin'], params: IdParams, responses: { 200: ok('新状态', StateSchema) } },
    async ({ params, user }) => state((await retryChecks(deps, user, params.id)).draft),
  );

  return router;
}
