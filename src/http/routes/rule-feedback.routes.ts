import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import { z } from 'zod';
import { CHECK_IDS } from '../../checks/engine';
import type { Role } from '../../domain/workflow';
import { readableDraft } from '../../services/draft-queries.service';
import type { ServiceDeps } from '../../services/deps';
import { reportFalseAlarm, ruleFeedback, whitelistFromFinding, WHITELIST_SCOPES } from '../../services/rule-feedback.service';
import { route } from '../route';

const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => s.isWellFormed(), { message: '含有无效字符（孤立代理项）' })
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

/** 规则反馈 (issue 11): per-rule precision from waivers, 报告误报 and returns; whitelist from a finding. */
export function ruleFeedbackRouter(deps: ServiceDeps, registry: OpenAPIRegistry): Router {
  const router = Router();
  const tags = ['规则反馈'];
  const admin: Role[] = ['admin'];
  const readers: Role[] = ['admin', 'propaganda', 'auditor'];
  route(
    router,
    registry,
    { method: 'get', path: '/api/admin/rule-feedback', summary: '规则反馈：每条规则近 N 天的命中、豁免、误报报告、退回与准确率（含误报示例）', tags, roles: readers, query: RuleFeedbackQuery, responses: { 200: { description: '按规则统计' } } },
    async ({ query }) => ruleFeedback(deps, query),
  );
  route(
    router,
    registry,
    { method: 'post', path: '/api/admin/rule-feedback/whitelist', summary: '将误报短语加入白名单（经词库覆盖层：有版本、有审计）', tags, roles: admin, body: WhitelistFromFindingSchema, responses: { 201: { description: '已加入白名单' } } },
    async ({ body, user, res }) => {
      res.status(201).json(await whitelistFromFinding(deps, user, body));
      return undefined;
    },
  );
  route(
    router,
    registry,
    { method: 'post', path: '/api/drafts/:id/findings/:fid/report', summary: '报告误报（可阅读该稿件的用户；每人每个问题一次）', tags, roles: [], params: FindingParams, body: FalseAlarmSchema, responses: { 201: { description: '已报告' }, 409: { description: '已报告过' } } },
    async ({ params, body, user, res }) => {
      await readableDraft(deps.db, user, params.id);
      res.status(201).json(await reportFalseAlarm(deps, user, params.id, params.fid, body.comment));
      return undefined;
    },
  );
  return router;
}
