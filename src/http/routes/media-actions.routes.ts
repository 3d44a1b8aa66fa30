import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import { z } from 'zod';
import { STAGE_IDS } from '../../domain/workflow';
import type { ServiceDeps } from '../../services/deps';
import { stripMediaMetadata } from '../../services/strip-media-metadata.service';
import { route } from '../route';

const DraftMediaParams = z.strictObject({
  id: z.uuid(),
  hash: z.string().regex(/^[0-9a-f]{64}$/, '媒体哈希应为 64 位小写十六进制 SHA-256'),
});

export const StripMetadataSchema = z
  .strictObject({
    version: z.int().min(1),
    /** The reviewer's stage: then it is a proofreading edit at that stage. */
    stage: z.enum(STAGE_IDS).optional(),
  })
  .openapi('StripMetadataRequest');

/** Actions on a draft's media files. */
export function mediaActionsRouter(deps: ServiceDeps, registry: OpenAPIRegistry): Router {
  const router = Router();
  route(
    router,
    registry,
    {
      method: 'post',
      path: '/api/drafts/:id/media/:hash/strip-metadata',
      summary: '去除图片元数据（GPS、相机序列号、作者）：生成新版本，像素不变；审核人带 stage 即为本环节校对修改',
      tags: ['稿件', '媒体'],
      roles: [],
      params: DraftMediaParams,
      body: StripMetadataSchema,
      responses: { 201: { description: '新版本' }, 409: { description: '版本已变化或状态不允许' } },
    },
    async ({ params, body, user, res }) => {
      const out = await stripMediaMetadata(deps, user, params.id, { media: params.hash, version: body.version, stage: body.stage });
      res.status(201).json({ id: out.draft.id, status: out.draft.status, stage: out.draft.stage, version: out.draft.version, revision: out.result, media: out.media });
      return undefined;
    },
  );
  return router;
}
