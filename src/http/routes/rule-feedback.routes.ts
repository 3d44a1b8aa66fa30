import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import { z } from 'zod';
import { CHECK_IDS } from '../../checks/engine';
import type { Role } from '../../domain/workflow';
import type { ServiceDeps } from '../../services/deps';
import { reportFalseAlarm, ruleFeedback, whitelistFromFinding, WHITELIST_SCOPES } from '../../services/rule-feedback.service';
import { addShadowTerm, discardShadowTerm, listShadowTerms, previewShadowTerm, promoteShadowTerm } from '../../services/shadow-terms.service';
import { LIST_KEY_PATTERN } from '../../checks/dictionary/overlay';
import { SEVERITIES } from '../../domain/findings';
import { route } from '../route';

const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => s.isWellFormed(), { message: '含有无效字符（孤立代理项）' })
    // eslint-disable-next-line no-control-regex -- NUL is one of the characters refused here
    .refine((s) => !/[\u0000\t\r\n]/.test(s), { message: '含有控制字符' });

export const RuleFeedbackQuery = z.strictObject({
  days: z.coerce.number().int().min(1).max(365).default(90),
  check: z.enum(CHECK_IDS).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});
const FindingParams = z.strictObject({ id: z.uuid(), fid: z.uuid() });
export const FalseAlarmSchema = z.strictObject({ comment: text(500).default('') }).openapi('FalseAlarmReport');
export const WhitelistFromFindingSchema = z
  .strictObject({ findingId: z.uuid(), phrase: text(64).min(1).optional(), scope: z.enum(WHITELIST_SCOPES).default('school'), note: text(500).optional() })
  .openapi('WhitelistFromFinding');

export const ShadowTermSchema = z
  .strictObject({
    list: z.string().regex(LIST_KEY_PATTERN, '词表名形如 sensitive.politics'),
    term: text(64).min(1),
    severity: z.enum(SEVERITIES).optional(),
    note: text(500).optional(),
    flags: z
      .array(z.string().regex(/^(py|seg|exact|weight=\d+(\.\d+)?)$/))
      .max(4)
      .optional(),
  })
  .openapi('ShadowTermCreate');
const ShadowParams = z.strictObject({ id: z.uuid() });
const PreviewQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(5_000).default(1_000) });

/** 规则反馈 (issue 11): per-rule precision from waivers, 报告误报 and returns; whitelist from a finding. */
export function ruleFeedbackRouter(deps: ServiceDeps, registry: OpenAPIRegistry): Router {
  const router = Router();
  const tags = ['规则反馈'];
  const admin: Role[] = ['admin'];
  const readers: Role[] = ['admin', 'propaganda', 'auditor'];
  route(
    router,
    registry,
    {
      method: 'get',
      path: '/api/admin/rule-feedback',
      summary: '规则反馈：每条规则近 N 天的命中、豁免、误报报告、退回与准确率（含误报示例）',
      tags,
      roles: readers,
      query: RuleFeedbackQuery,
      responses: { 200: { description: '按规则统计' } },
    },
    async ({ query }) => ruleFeedback(deps, query),
  );
  route(
    router,
    registry,
    {
      method: 'post',
      path: '/api/admin/rule-feedback/whitelist',
      summary: '将误报短语加入白名单（经词库覆盖层：有版本、有审计）',
      tags,
      roles: admin,
      body: WhitelistFromFindingSchema,
      responses: { 201: { description: '已加入白名单' } },
    },
    async ({ body, user, res }) => {
      res.status(201).json(await whitelistFromFinding(deps, user, body));
      return undefined;
    },
  );
  route(
    router,
    registry,
    {
      method: 'post',
      path: '/api/drafts/:id/findings/:fid/report',
      summary: '报告误报（可阅读该稿件的用户；每人每个问题一次）',
      tags,
      roles: [],
      params: FindingParams,
      body: FalseAlarmSchema,
      responses: { 201: { description: '已报告' }, 409: { description: '已报告过' } },
    },
    async ({ params, body, user, res }) => {
      res.status(201).json(await reportFalseAlarm(deps, user, params.id, params.fid, body.comment));
      return undefined;
    },
  );
  // 影子规则: silent terms previewed on new, in-flight and released drafts before they are switched on.
  const shadowTags = ['影子规则'];
  route(router, registry, { method: 'get', path: '/api/admin/shadow-terms', summary: '影子规则列表', tags: shadowTags, roles: readers, responses: { 200: { description: '影子规则' } } }, async () =>
    listShadowTerms(deps),
  );
  route(
    router,
    registry,
    {
      method: 'post',
      path: '/api/admin/shadow-terms',
      summary: '添加影子规则（静默运行，不影响审核）',
      tags: shadowTags,
      roles: admin,
      body: ShadowTermSchema,
      responses: { 201: { description: '已添加' }, 409: { description: '已存在' } },
    },
    async ({ body, user, res }) => {
      res.status(201).json(await addShadowTerm(deps, user, body));
      return undefined;
    },
  );
  route(
    router,
    registry,
    {
      method: 'get',
      path: '/api/admin/shadow-terms/:id/preview',
      summary: '影子规则预览：在新稿、在审稿和已发布稿上会命中哪些稿件',
      tags: shadowTags,
      roles: readers,
      params: ShadowParams,
      query: PreviewQuery,
      responses: { 200: { description: '预览' } },
    },
    async ({ params, query }) => previewShadowTerm(deps, params.id, query.limit),
  );
  route(
    router,
    registry,
    {
      method: 'post',
      path: '/api/admin/shadow-terms/:id/promote',
      summary: '启用影子规则（经词库覆盖层：有版本、有审计、触发回溯检查）',
      tags: shadowTags,
      roles: admin,
      params: ShadowParams,
      responses: { 200: { description: '已启用' }, 409: { description: '已处理' } },
    },
    async ({ params, user }) => promoteShadowTerm(deps, user, params.id),
  );
  route(
    router,
    registry,
    {
      method: 'post',
      path: '/api/admin/shadow-terms/:id/discard',
      summary: '放弃影子规则',
      tags: shadowTags,
      roles: admin,
      params: ShadowParams,
      responses: { 200: { description: '已放弃' }, 409: { description: '已处理' } },
    },
    async ({ params, user }) => discardShadowTerm(deps, user, params.id),
  );
  return router;
}
