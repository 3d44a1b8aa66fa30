import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import { z } from 'zod';
import { LIST_KEY_PATTERN } from '../../checks/dictionary/overlay';
import type { RescanRow } from '../../db/dictionary.repository';
import { SEVERITIES } from '../../domain/findings';
import type { Role } from '../../domain/workflow';
import { addDictionaryTerms, importDictionaryLexicon, listDictionaries, listDictionaryTerms, removeDictionaryTerms } from '../../services/dictionaries.service';
import type { ServiceDeps } from '../../services/deps';
import { recentRescans, rescanProgress } from '../../services/rescan-dictionary.service';
import { route } from '../route';

const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => s.isWellFormed(), { message: '含有无效字符（孤立代理项）' })
    .refine((s) => !s.includes('\u0000'), { message: '含有 NUL 字符' });

const ListParams = z.strictObject({
  category: z.string().regex(LIST_KEY_PATTERN, '词表名形如 sensitive.politics、proofreading.banned-names、proofreading.pairs、proofreading.titles、cooccurrence 或 whitelist'),
});
const TermParams = ListParams.extend({ term: text(64).min(1) });
const RescanParams = z.strictObject({ id: z.uuid() });

export const DictionaryTermsQuerySchema = z.strictObject({
  q: text(64).optional(),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const TermSchema = z.strictObject({
  term: text(64).min(1),
  severity: z.enum(SEVERITIES).optional(),
  note: text(500).optional(),
  flags: z
    .array(z.string().regex(/^(py|seg|exact|weight=\d+(\.\d+)?)$/))
    .max(4)
    .optional(),
});

export const DictionaryTermsAddSchema = z.strictObject({ terms: z.array(TermSchema).min(1).max(1_000) }).openapi('DictionaryTermsAddRequest');

// Lists with more columns: the fields mirror the file's columns (dictionaries/README.md); the dictionary parser
// then checks each entry as a line of the file, so the API accepts exactly what the files accept.
const term = () => text(64).min(1);
const PairSchema = z.strictObject({ wrong: term(), right: term(), note: text(500).optional(), severity: z.enum(SEVERITIES).optional() });
const NameTitlesSchema = z.strictObject({ name: term(), titles: z.array(term()).min(1).max(50), note: text(500).optional() });
const CooccurrenceSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]{0,63}$/, '规则编号：小写字母、数字、点和连字符'),
  category: z.string().regex(/^[a-z][a-z0-9.-]{0,39}$/, '类别：小写字母开头，小写字母、数字、点和连字符'),
  severity: z.enum(SEVERITIES),
  termsA: z.array(term()).min(1).max(50),
  termsB: z.array(term()).min(1).max(50),
  window: z.number().int().min(1).max(500),
  note: text(500).optional(),
});
export const DictionaryPairsAddSchema = z.strictObject({ terms: z.array(PairSchema).min(1).max(1_000) }).openapi('DictionaryPairsAddRequest');
export const DictionaryNameTitlesAddSchema = z.strictObject({ terms: z.array(NameTitlesSchema).min(1).max(1_000) }).openapi('DictionaryNameTitlesAddRequest');
export const DictionaryCooccurrenceAddSchema = z.strictObject({ terms: z.array(CooccurrenceSchema).min(1).max(1_000) }).openapi('DictionaryCooccurrenceAddRequest');
export const DictionaryTermsRemoveSchema = z.strictObject({ terms: z.array(text(64).min(1)).min(1).max(1_000) }).openapi('DictionaryTermsRemoveRequest');
export const DictionaryImportSchema = z
  .strictObject({
    text: text(900_000).min(1),
    // Default: lines for term lists and the whitelist, dictionary (the file format) for lists with more columns.
    format: z.enum(['lines', 'dictionary']).optional(),
    severity: z.enum(SEVERITIES).optional(),
    note: text(500).optional(),
  })
  .openapi('DictionaryImportRequest');
const RescanQuerySchema = z.strictObject({
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

function presentRescan(r: RescanRow) {
  return {
    id: r.id,
    status: r.status,
    changeId: r.changeId,
    // A large import adds thousands of terms; the full list stays in the change log.
    terms: r.terms.slice(0, 100),
    termCount: r.terms.length,
    rulesetVersion: r.rulesetVersion,
    total: r.total,
    processed: r.processed,
    matched: r.matched,
    progress: r.total > 0 ? Math.min(1, r.processed / r.total) : r.status === 'done' ? 1 : 0,
    error: r.error,
    createdAt: r.createdAt.toISOString(),
    startedAt: r.startedAt?.toISOString() ?? null,
    finishedAt: r.finishedAt?.toISOString() ?? null,
  };
}

/** Dictionary management (词库管理) and 回溯检查 results: admins write; 宣传部 and auditors read. */
export function dictionariesRouter(deps: ServiceDeps, registry: OpenAPIRegistry): Router {
  const router = Router();
  const tags = ['词库'];
  const admin: Role[] = ['admin'];
  const readers: Role[] = ['admin', 'propaganda', 'auditor'];
  const changed = { 200: { description: '已变更（version 为新的词库版本；rescanId 为回溯检查任务）' } };

  route(router, registry, { method: 'get', path: '/api/admin/dictionaries', summary: '词库：分类、词条数与版本', tags, roles: readers, responses: { 200: { description: '词库概览' } } }, async () =>
    listDictionaries(deps),
  );
  route(
    router,
    registry,
    {
      method: 'get',
      path: '/api/admin/dictionaries/:category/terms',
      summary: '词表词条（分页、搜索）',
      tags,
      roles: readers,
      params: ListParams,
      query: DictionaryTermsQuerySchema,
      responses: { 200: { description: '词条' } },
    },
    async ({ params, query }) => listDictionaryTerms(deps, params.category, query),
  );
  // Lists with more columns have their own add bodies; registered before the generic route, which they shadow.
  const structured = [
    { key: 'proofreading.pairs', body: DictionaryPairsAddSchema, summary: '添加校对词对（错误写法 → 正确写法，说明，级别）' },
    { key: 'proofreading.titles', body: DictionaryNameTitlesAddSchema, summary: '添加人名与职务（该人现任职务，其他职务紧邻姓名出现时提示）' },
    { key: 'cooccurrence', body: DictionaryCooccurrenceAddSchema, summary: '添加共现规则（A 组与 B 组词在 window 字内同时出现）' },
  ] as const;
  for (const { key, body, summary } of structured) {
    route(
      router,
      registry,
      { method: 'post', path: `/api/admin/dictionaries/${key}/terms`, summary, tags, roles: admin, body, responses: { 201: { description: '已添加' } } },
      async ({ body: input, user, res }) => {
        res.status(201).json(await addDictionaryTerms(deps, user, key, input.terms));
        return undefined;
      },
    );
  }
  route(
    router,
    registry,
    {
      method: 'post',
      path: '/api/admin/dictionaries/:category/terms',
      summary: '添加词条（一个或多个；新分类名即新建分类）',
      tags,
      roles: admin,
      params: ListParams,
      body: DictionaryTermsAddSchema,
      responses: { 201: { description: '已添加' } },
    },
    async ({ params, body, user, res }) => {
      res.status(201).json(await addDictionaryTerms(deps, user, params.category, body.terms));
      return undefined;
    },
  );
  route(
    router,
    registry,
    {
      method: 'post',
      path: '/api/admin/dictionaries/:category/terms/remove',
      summary: '删除词条（一个或多个）',
      tags,
      roles: admin,
      params: ListParams,
      body: DictionaryTermsRemoveSchema,
      responses: changed,
    },
    async ({ params, body, user }) => removeDictionaryTerms(deps, user, params.category, body.terms),
  );
  route(
    router,
    registry,
    { method: 'delete', path: '/api/admin/dictionaries/:category/terms/:term', summary: '删除一个词条', tags, roles: admin, params: TermParams, responses: changed },
    async ({ params, user }) => removeDictionaryTerms(deps, user, params.category, [params.term]),
  );
  route(
    router,
    registry,
    {
      method: 'post',
      path: '/api/admin/dictionaries/:category/import',
      summary: '导入词库文件（每行一个词条，或本系统的词表格式）；有错误行则整体拒绝并给出行号',
      tags,
      roles: admin,
      params: ListParams,
      body: DictionaryImportSchema,
      responses: changed,
    },
    async ({ params, body, user }) => importDictionaryLexicon(deps, user, params.category, body),
  );
  route(router, registry, { method: 'get', path: '/api/admin/rescans', summary: '回溯检查任务列表', tags, roles: readers, responses: { 200: { description: '任务' } } }, async () => ({
    items: (await recentRescans(deps.db, 50)).map(presentRescan),
  }));
  route(
    router,
    registry,
    {
      method: 'get',
      path: '/api/admin/rescans/:id',
      summary: '回溯检查进度与命中的已发布稿件',
      tags,
      roles: readers,
      params: RescanParams,
      query: RescanQuerySchema,
      responses: { 200: { description: '进度与命中' } },
    },
    async ({ params, query }) => {
      const { rescan, hits } = await rescanProgress(deps.db, params.id, query);
      return { ...presentRescan(rescan), hits };
    },
  );
  return router;
}
