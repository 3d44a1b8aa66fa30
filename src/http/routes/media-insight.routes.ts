import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db/pool';
import { mediaInsight, videoFrame } from '../../services/media-insight.service';
import type { MediaStore } from '../../services/media.service';
import { route } from '../route';

const Hash = z.string().regex(/^[0-9a-f]{64}$/, '媒体哈希应为 64 位小写十六进制 SHA-256');

/** What the analysers found inside a file, and a video's frames: for the review page. */
export function mediaInsightRouter(deps: { db: Db; media?: MediaStore | undefined }, registry: OpenAPIRegistry): Router {
  const router = Router();
  const tags = ['媒体'];
  route(
    router,
    registry,
    {
      method: 'get',
      path: '/api/media/:hash/analysis',
      summary: '机器识别结果：图中文字（含位置与置信度）、二维码内容、元数据、视频关键帧时间',
      tags,
      roles: [],
      params: z.strictObject({ hash: Hash }),
      responses: { 200: { description: '识别结果（尚未识别时 analysis 为 null）' }, 404: { description: '不存在或无权查看' } },
    },
    async ({ params, user }) => mediaInsight(deps.db, user, params.hash),
  );
  route(
    router,
    registry,
    {
      method: 'get',
      path: '/api/media/:hash/keyframes/:ms',
      summary: '视频在某一时刻的画面（PNG，最长边 480 像素）',
      tags,
      roles: [],
      params: z.strictObject({
        hash: Hash,
        ms: z.coerce
          .number()
          .int()
          .min(0)
          .max(24 * 3_600_000),
      }),
      responses: { 200: { description: 'image/png' }, 404: { description: '不存在或无权查看' } },
    },
    async ({ params, user, res }) => {
      const png = await videoFrame(deps, user, params.hash, params.ms);
      res.setHeader('Content-Type', 'image/png');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Cache-Control', 'private, max-age=86400, immutable');
      res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
      res.end(png);
      return undefined;
    },
  );
  return router;
}
