import type { RevisionContent } from '../../domain/content';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import { z } from 'zod';
import { draftChain } from '../../domain/audit';
import { requiredStages, STAGE_LABELS, type StageId } from '../../domain/workflow';
import type { CheckpointStore } from '../../services/audit-trail.service';
import { draftTrail, recordExport, trailCsv, verifyChains } from '../../services/audit-trail.service';
import type { ServiceDeps } from '../../services/deps';
import { draftDetail, peopleById, readableDraft, searchDrafts } from '../../services/draft-queries.service';
import {
  correctDraft,
  recordDecision,
  releaseDraft,
  resubmitDraft,
  retryChecks,
  reviseDraft,
  waiveFinding,
  withdrawDraft,
} from '../../services/review.service';
import { submitDraft } from '../../services/submit-draft.service';
import { applyMarks, createMark, draftMarks, resolveMark } from '../../services/marks.service';
import { diffRevisions } from '../../services/revision-diff.service';
import { DomainError } from '../../domain/errors';
import { presentDraft, presentDraftListItem, presentMark, presentRevisionDiff, routeLabel } from '../presenters';
import { reviewSheetHtml } from '../review-sheet';
import { readableWaivers, waiversOfDraft } from '../../services/waivers.service';
import { listMarks } from '../../db/mark.repository';
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
  MarkCreateSchema,
  MarkParams,
  MarkResolveSchema,
  MarksApplySchema,
  ReleaseSchema,
  ResubmitSchema,
  RevisionCreateSchema,
  TrailQuery,
  WaiveSchema,
  WithdrawSchema,
} from '../schemas';

const ok = (description: string, schema: z.ZodType = z.object({}).loose()) => ({ description, content: { 'application/json': { schema } } });
const StateSchema = z.object({ id: z.string(), status: z.string(), stage: z.string().nullable(), version: z.number() }).openapi('DraftState');
const state = (d: { id: string; status: string; stage: string | null; version: number }) => ({ id: d.id, status: d.status, stage: d.stage, version: d.version });

export function draftsRouter(deps: ServiceDeps, registry: OpenAPIRegistry, checkpoints: CheckpointStore | null): Router {
  const router = Router();
  const tags = ['稿件'];

  route(
    router,
    registry,
    {
      method: 'post', path: '/api/drafts', summary: '投稿（支持 Idempotency-Key）', tags, roles: ['editor'], body: DraftCreateSchema,
      headers: z.object({ 'idempotency-key': z.string().max(200).optional() }),
      responses: { 201: ok('已受理', z.object({ id: z.string(), number: z.string(), status: z.string(), version: z.number(), revision: z.object({ id: z.string(), number: z.number(), hash: z.string() }) }).openapi('SubmittedDraft')), 422: ok('Idempotency-Key 已用于不同请求') },
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
    { method: 'get', path: '/api/drafts', summary: '稿件列表（筛选；按 cursor 翻页；total 为封顶计数，超过 10000 时 totalCapped=true）', tags, roles: [], query: DraftListQuery, responses: { 200: ok('稿件列表') } },
    async ({ query, user }) => {
      const after = query.cursor ? decodeListCursor(query.cursor) : undefined;
      const list = await searchDrafts(deps.db, user, {
        status: query.status, stage: query.stage, unitId: query.unit, platformId: query.platform, text: query.text, reviewer: query.reviewer,
        from: query.from, to: query.to, timeZone: deps.timeZone,
        limit: query.pageSize, after, countCap: LIST_COUNT_CAP, mine: query.mine === '1',
      });
      return {
        items: list.items.map(presentDraftListItem),
        // A count capped at LIST_COUNT_CAP, on the first page only (null on later pages): "10,000+" when totalCapped.
        total: list.total, totalCapped: list.totalCapped,
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
    { method: 'post', path: '/api/drafts/:id/revisions', summary: '提交新版本（作者修改；审核人带 stage 即为本环节校对修改）', tags, roles: [], params: IdParams, body: RevisionCreateSchema, responses: { 201: ok('新版本') } },
    async ({ params, body, user, res }) => {
      await readableDraft(deps.db, user, params.id);
      const { version, stage, note, marks, ...content } = body;
      const out = await reviseDraft(deps, user, params.id, { content: content as RevisionContent, version, stage, note, marks });
      res.status(201).json({ ...state(out.draft), revision: out.result });
      return undefined;
    },
  );

  route(
    router,
    registry,
    { method: 'post', path: '/api/drafts/:id/decisions', summary: '审核结论：通过 / 退回 / 否决（需当前 version）', tags, roles: [], params: IdParams, body: DecisionCreateSchema, responses: { 200: ok('新状态', StateSchema), 409: ok('版本已变化或状态不允许') } },
    async ({ params, body, user }) => {
      await readableDraft(deps.db, user, params.id);
      return state((await recordDecision(deps, user, params.id, body)).draft);
    },
  );

  route(
    router,
    registry,
    { method: 'post', path: '/api/drafts/:id/findings/:fid/waive', summary: '说明理由豁免阻断性问题（按问题的豁免规则：不可豁免 / 仅宣传部 / 本环节审核人）', tags, roles: [], params: FindingParams, body: WaiveSchema, responses: { 200: ok('新状态', StateSchema), 403: { description: '无权限；或 waiver_not_allowed：该问题的豁免规则不允许（details.policy 为 never / propaganda / stage）', content: { 'application/json': { schema: ErrorSchema } } } } },
    async ({ params, body, user }) => {
      await readableDraft(deps.db, user, params.id);
      return state((await waiveFinding(deps, user, params.id, params.fid, body)).draft);
    },
  );

  // 校对标记: users who may act at the current stage create, accept, reject and apply; readers of the draft list.
  const withPeople = async (marks: Awaited<ReturnType<typeof draftMarks>>) => {
    const people = await peopleById(deps.db, marks.flatMap((m) => [m.createdBy, ...(m.resolvedBy ? [m.resolvedBy] : [])]));
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
      method: 'post', path: '/api/drafts/:id/marks', summary: '添加校对标记：选中文字提出修改建议或批注，或采纳机审问题的修改建议', tags, roles: [], params: IdParams, body: MarkCreateSchema,
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
      method: 'post', path: '/api/drafts/:id/marks/apply', summary: '应用已采纳的修改建议：生成本环节的校对修改稿（重新机审，已有审核结论保留）', tags, roles: [], params: IdParams, body: MarksApplySchema,
      responses: { 201: ok('新版本'), 409: ok('版本已变化或状态不允许') },
    },
    async ({ params, body, user, res }) => {
      const out = await applyMarks(deps, user, params.id, body);
      res.status(201).json({ ...state(out.draft), revision: out.result });
      return undefined;
    },
  );

  route(
    router,
    registry,
    { method: 'get', path: '/api/drafts/:id/diff', summary: '任意两个版本的差异，以及修正、豁免、新增的机审问题', tags, roles: [], params: IdParams, query: DiffQuery, responses: { 200: ok('版本差异') } },
    async ({ params, query, user }) => presentRevisionDiff(await diffRevisions(deps, user, params.id, query.from, query.to)),
  );

  route(
    router,
    registry,
    { method: 'post', path: '/api/drafts/:id/resubmit', summary: '退回后附说明重新送审（从初审开始）', tags, roles: [], params: IdParams, body: ResubmitSchema, responses: { 200: ok('新状态', StateSchema) } },
    async ({ params, body, user }) => {
      // Readability first: a stale version must not tell an outsider the draft's current state.
      await readableDraft(deps.db, user, params.id);
      return state((await resubmitDraft(deps, user, params.id, body)).draft);
    },
  );

  route(
    router,
    registry,
    { method: 'post', path: '/api/drafts/:id/withdraw', summary: '作者撤回稿件', tags, roles: [], params: IdParams, body: WithdrawSchema, responses: { 200: ok('新状态', StateSchema) } },
    async ({ params, body, user }) => {
      await readableDraft(deps.db, user, params.id);
      return state((await withdrawDraft(deps, user, params.id, body)).draft);
    },
  );

  route(
    router,
    registry,
    { method: 'post', path: '/api/drafts/:id/release', summary: '发布（先审后发：不满足条件时 409 release_blocked 并列出原因）', tags, roles: [], params: IdParams, body: ReleaseSchema, responses: { 200: ok('已发布，返回发布内容的哈希'), 409: ok('release_blocked') } },
    async ({ params, body, user }) => {
      await readableDraft(deps.db, user, params.id);
      const out = await releaseDraft(deps, user, params.id, body);
      return { ...state(out.draft), releasedHash: out.result?.hash, revisionId: out.result?.revisionId, renditionSha256: out.result?.renditionSha256, media: out.result?.media ?? [] };
    },
  );

  route(
    router,
    registry,
    { method: 'post', path: '/api/drafts/:id/corrections', summary: '发布后纠错（correct：提交更正稿重新审核；retract：撤稿）', tags, roles: [], params: IdParams, body: CorrectionSchema, responses: { 200: ok('新状态', StateSchema) } },
    async ({ params, body, user }) => {
      await readableDraft(deps.db, user, params.id);
      const input =
        body.action === 'retract'
          ? body
          : { action: body.action, reason: body.reason, version: body.version, content: { title: body.title, body: body.body, format: body.format, origin: body.origin, assets: body.assets } as RevisionContent };
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

  route(
    router,
    registry,
    { method: 'get', path: '/api/drafts/:id/trail', summary: '稿件审计轨迹（JSON，或 ?format=csv 导出）', tags: ['审计'], roles: [], params: IdParams, query: TrailQuery, responses: { 200: ok('审计事件') } },
    async ({ params, query, user, res }) => {
      const draft = await readableDraft(deps.db, user, params.id);
      const events = await draftTrail(deps.db, draftChain(draft.id));
      if (query.format === 'csv') {
        await recordExport(deps.db, user, { draftId: draft.id, number: draft.number, format: 'csv', events: events.length });
        res.setHeader('Content-Type', 'text/csv; charset=utf-8');
        res.setHeader('Content-Disposition', `attachment; filename="trail-${draft.number}.csv"`);
        res.send(trailCsv(events));
        return undefined;
      }
      return { draftId: draft.id, number: draft.number, events };
    },
  );

  route(
    router,
    registry,
    { method: 'get', path: '/api/drafts/:id/trail/verify', summary: '校验稿件审计链（并与库外签名检查点比对）', tags: ['审计'], roles: [], params: IdParams, responses: { 200: ok('校验结果') } },
    async ({ params, user }) => {
      const draft = await readableDraft(deps.db, user, params.id);
      const report = await verifyChains(deps.db, checkpoints, [draftChain(draft.id)]);
      const chain = report.chains[0];
      return { ok: report.ok, events: chain?.events ?? 0, head: chain?.head ?? null, firstBreak: report.firstBreak ?? null, invalidCheckpoints: report.invalidCheckpoints, missingCheckpoints: report.missingCheckpoints };
    },
  );

  route(
    router,
    registry,
    { method: 'get', path: '/api/drafts/:id/review-sheet', summary: '可打印的审稿单（HTML）', tags: ['审计'], roles: [], params: IdParams, responses: { 200: { description: 'HTML 审稿单', content: { 'text/html': { schema: z.string() } } } } },
    async ({ params, user, res }) => {
      const detail = await draftDetail(deps.db, user, params.id);
      const marks = await listMarks(deps.db, params.id);
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
    { method: 'get', path: '/api/drafts/:id/waivers', summary: '稿件的全部豁免记录（问题、命中文字、理由、豁免人、时间；审稿单同源）', tags: ['审计'], roles: [], params: IdParams, responses: { 200: ok('豁免记录') } },
    async ({ params, user }) => ({ items: await readableWaivers(deps.db, user, params.id) }),
  );

  return router;
}
