import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db/pool';
import { addToGallery, galleryEntries, removeFromGallery } from '../../services/media-gallery.service';
import type { MediaStore } from '../../services/media.service';
import { route } from '../route';
import { IdParams } from '../schemas';

export const GalleryAddSchema = z
  .strictObject({
    media: z.string().regex(/^[0-9a-f]{64}$/, '媒体哈希应为 64 位小写十六进制 SHA-256'),
    list: z.enum(['licensed', 'forbidden']),
    holder: z.string().trim().min(1).max(200).optional(),
    note: z.string().max(1000).optional(),
  })
  .openapi('GalleryAdd');

/** The admin gallery of licensed and forbidden pictures (re-used pictures are compared with it by perceptual hash). */
export function mediaGalleryRouter(deps: { db: Db; media?: MediaStore | undefined }, registry: OpenAPIRegistry): Router {
  const router = Router();
  const tags = ['管理', '媒体'];
  route(
    router,
    registry,
    {
      method: 'post',
      path: '/api/admin/media-gallery',
      summary: '加入图库（已授权 / 禁用图片）：稿件中相似的图片会得到版权提示或阻断',
      tags,
      roles: ['admin'],
      body: GalleryAddSchema,
      responses: { 201: { description: '已加入' } },
    },
    async ({ body, user, res }) => {
      res.status(201).json(await addToGallery(deps, user, body));
      return undefined;
    },
  );
  route(router, registry, { method: 'get', path: '/api/admin/media-gallery', summary: '图库列表', tags, roles: ['admin', 'propaganda'], responses: { 200: { description: '列表' } } }, async () => ({
    items: await galleryEntries(deps.db),
  }));
  route(
    router,
    registry,
    { method: 'delete', path: '/api/admin/media-gallery/:id', summary: '移出图库', tags, roles: ['admin'], params: IdParams, responses: { 200: { description: '已移出' } } },
    async ({ params, user }) => {
      await removeFromGallery(deps.db, user, params.id);
      return { ok: true };
    },
  );
  return router;
}
