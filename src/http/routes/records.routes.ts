import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router, type Request } from 'express';
import { z } from 'zod';
import { annualCsv, annualReport } from '../../services/annual-report.service';
import { annualReportPdf } from '../../services/annual-report-pdf';
import { recordExport, type CheckpointStore } from '../../services/audit-trail.service';
import { recordsConfig, type ServiceDeps } from '../../services/deps';
import { batchReviewSheetsPdf, releaseVerification, reviewSheetPdf } from '../../services/review-sheet-pdf.service';
import { route } from '../route';
import { IdParams, Uuid } from '../schemas';

const ok = (description: string) => ({ description, content: { 'application/json': { schema: z.object({}).loose() } } });
const pdf = (description: string) => ({ description, content: { 'application/pdf': { schema: z.string() } } });

export const AnnualQuery = z.strictObject({
  platformId: Uuid.optional(),
  year: z.coerce.number().int().min(2000).max(2100),
  period: z.enum(['calendar', 'academic']).default('calendar'),
  format: z.enum(['json', 'csv', 'pdf']).default('json'),
});
export const BatchSheetsQuery = z.strictObject({ platformId: Uuid, month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, '月份格式应为 YYYY-MM') });
export const VerificationQuery = z.strictObject({ hash: z.string().regex(/^[0-9a-f]{64}$/, '哈希应为 64 位十六进制') });

const requestBase = (req: Request) => `${req.protocol}://${req.get('host') ?? 'localhost'}`;
const attachment = (name: string) => `attachment; filename="report.pdf"; filename*=UTF-8''${encodeURIComponent(name)}`;

/** 年检 reports and the printable 审稿单 (PDF), with the page its QR code opens. */
export function recordsRouter(deps: ServiceDeps, registry: OpenAPIRegistry, checkpoints: CheckpointStore | null): Router {
  const router = Router();
  const config = recordsConfig(deps);

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/api/reports/annual',
      summary: '年检报告（单个平台或全校；自然年或学年；JSON / CSV / PDF）',
      tags: ['registry'],
      roles: [],
      query: AnnualQuery,
      responses: { 200: ok('年检报告') },
    },
    async ({ query, user, res }) => {
      const report = await annualReport(deps, user, { platformId: query.platformId, year: query.year, period: query.period });
      const name = `年检-${report.period.label}-${report.scope === 'platform' ? report.platforms[0]?.name : '全校'}`;
      if (query.format === 'json') return report;
      await recordExport(deps.db, user, { report: 'annual', platformId: query.platformId ?? null, year: query.year, period: query.period, format: query.format });
      if (query.format === 'csv') {
        res.setHeader('Content-Type', 'text/csv; charset=utf-8');
        res.setHeader('Content-Disposition', attachment(`${name}.csv`).replace('report.pdf', 'report.csv'));
        res.send(annualCsv(report));
        return undefined;
      }
      const body = await annualReportPdf(report, config);
      res.setHeader('Content-Type', 'application/pdf');
      res.setHeader('Content-Disposition', attachment(`${name}.pdf`));
      res.send(body);
      return undefined;
    },
  );

  route(
    router,
    registry,
    { method: 'get', path: '/api/drafts/:id/review-sheet.pdf', summary: '审稿单（A4 PDF，可签字归档）', tags: ['审计'], roles: [], params: IdParams, responses: { 200: pdf('PDF 审稿单') } },
    async ({ params, user, req, res }) => {
      const out = await reviewSheetPdf(deps, user, params.id, requestBase(req));
      await recordExport(deps.db, user, { draftId: params.id, number: out.number, format: 'review-sheet.pdf' });
      res.setHeader('Content-Type', 'application/pdf');
      res.setHeader('Content-Disposition', attachment(`审稿单-${out.number}.pdf`));
      res.send(out.pdf);
      return undefined;
    },
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/api/reports/review-sheets.pdf',
      summary: '批量打印：某平台某月发布稿件的全部审稿单（一个 PDF）',
      tags: ['审计'],
      roles: [],
      query: BatchSheetsQuery,
      responses: { 200: pdf('PDF') },
    },
    async ({ query, user, req, res }) => {
      const out = await batchReviewSheetsPdf(deps, user, query.platformId, query.month, requestBase(req));
      await recordExport(deps.db, user, { platformId: query.platformId, month: query.month, format: 'review-sheets.pdf', sheets: out.count });
      res.setHeader('Content-Type', 'application/pdf');
      res.setHeader('Content-Disposition', attachment(`审稿单-${out.name}-${query.month}.pdf`));
      res.send(out.pdf);
      return undefined;
    },
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/api/drafts/:id/release-verification',
      summary: '审稿单二维码核验：审计链完整，且该哈希即发布内容的哈希',
      tags: ['审计'],
      roles: [],
      params: IdParams,
      query: VerificationQuery,
      responses: { 200: ok('核验结果') },
    },
    async ({ params, query, user }) => releaseVerification(deps, user, params.id, query.hash, checkpoints),
  );

  return router;
}
