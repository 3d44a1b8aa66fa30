import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import busboy from 'busboy';
import { Router, type Request, type Response } from 'express';
import { rm } from 'node:fs/promises';
import { z } from 'zod';
import { previewRevision, releasedRendition } from '../../services/article.service';
import type { ServiceDeps } from '../../services/deps';
import { acceptUpload, MEDIA_LIMITS, MediaError, readMedia, spoolToTemp } from '../../services/media.service';
import { ARTICLE_CSP, renderArticle } from '../../shared/document/render';
import { route } from '../route';
import { IdParams } from '../schemas';

const ok = (description: string, schema: z.ZodType = z.object({}).loose()) => ({ description, content: { 'application/json': { schema } } });
const html = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });
const HashParams = z.strictObject({ hash: z.string().regex(/^[0-9a-f]{64}$/) });
const MediaSchema = z
  .object({
    hash: z.string(),
    kind: z.enum(['image', 'video', 'audio']),
    mime: z.string(),
    bytes: z.number(),
    width: z.number().optional(),
    height: z.number().optional(),
    durationMs: z.number().optional(),
  })
  .openapi('Media');

const sendError = (res: Response, e: MediaError) => res.status(e.status).json({ error: { code: e.code, message: e.message } });

/** Reads the one `file` part of a multipart upload into a temp file (hashing on the way), capped at the largest kind. */
function readUpload(req: Request): Promise<{ file: string; hash: string; bytes: number; filename: string; truncated: boolean } | undefined> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { files: 1, fileSize: Math.max(MEDIA_LIMITS.image, MEDIA_LIMITS.video, MEDIA_LIMITS.audio), fields: 5, parts: 6 } });
    } catch {
      reject(new MediaError(400, 'media_missing', '请以 multipart/form-data 上传，文件字段名为 file'));
      return;
    }
    let pending: Promise<{ file: string; hash: string; bytes: number; filename: string; truncated: boolean }> | undefined;
    bb.on('file', (name, stream, info) => {
      if (name !== 'file' || pending) {
        stream.resume();
        return;
      }
      let truncated = false;
      stream.on('limit', () => (truncated = true));
      pending = spoolToTemp(stream).then((s) => ({ ...s, filename: info.filename ?? '', truncated }));
    });
    bb.on('error', () => reject(new MediaError(400, 'media_missing', '上传数据不完整')));
    bb.on('close', () => {
      if (!pending) resolve(undefined);
      else pending.then(resolve, reject);
    });
    req.pipe(bb);
  });
}

/** Media upload/serving, and the canonical rendering of drafts (preview before release, released bytes after). */
export function documentsRouter(deps: ServiceDeps, registry: OpenAPIRegistry): Router {
  const router = Router();

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/api/media',
      summary: '上传媒体文件（multipart，字段 file）：按内容哈希存储，返回 media:<哈希> 供正文引用（编辑；管理员用于图库）',
      tags: ['媒体'],
      roles: ['editor', 'admin'],
      responses: {
        201: ok('已存储', MediaSchema),
        200: ok('同一文件已存储过', MediaSchema),
        413: ok('过大（media_too_large / media_too_many_pixels）'),
        415: ok('类型不接受（media_unsupported / svg_refused / media_polyglot / media_extension_mismatch）'),
      },
    },
    async ({ req, res, user }) => {
      if (!req.is('multipart/form-data')) return sendError(res, new MediaError(415, 'media_unsupported', '请以 multipart/form-data 上传，文件字段名为 file'));
      let upload: Awaited<ReturnType<typeof readUpload>>;
      try {
        upload = await readUpload(req);
      } catch (e) {
        if (e instanceof MediaError) return sendError(res, e);
        throw e;
      }
      if (!upload) return sendError(res, new MediaError(400, 'media_missing', '没有收到文件：字段名须为 file'));
      try {
        const out = await acceptUpload(deps, user, upload);
        res.status(out.created ? 201 : 200).json(out.media);
        return undefined;
      } catch (e) {
        if (e instanceof MediaError) return sendError(res, e);
        throw e;
      } finally {
        await rm(upload.file, { force: true });
      }
    },
  );

  const serve =
    (thumbnail: boolean) =>
    async ({ params, user, res }: { params: { hash: string }; user: Parameters<typeof readMedia>[1]; res: Response }) => {
      try {
        const { media, data } = await readMedia(deps, user, params.hash, thumbnail);
        res.setHeader('Content-Type', media.mime);
        res.setHeader('X-Content-Type-Options', 'nosniff');
        res.setHeader('Content-Disposition', 'inline');
        res.setHeader('Cache-Control', 'private, max-age=86400, immutable');
        res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
        res.setHeader('Accept-Ranges', 'bytes');
        // Players seek in video and audio with byte ranges; one range is enough for them.
        const range = /^bytes=(\d*)-(\d*)$/.exec(String(res.req.headers.range ?? ''));
        if (range && (range[1] || range[2])) {
          const size = data.length;
          const start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
          const end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
          if (start >= size || start > end) {
            res.status(416).setHeader('Content-Range', `bytes */${size}`);
            res.end();
            return undefined;
          }
          res.status(206).setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
          res.end(data.subarray(start, end + 1));
          return undefined;
        }
        res.end(data);
        return undefined;
      } catch (e) {
        if (e instanceof MediaError) return sendError(res, e);
        throw e;
      }
    };
  route(
    router,
    registry,
    {
      method: 'get',
      path: '/api/media/:hash',
      summary: '媒体文件（仅上传者与可查看引用它的稿件的人）',
      tags: ['媒体'],
      roles: [],
      params: HashParams,
      responses: { 200: { description: '文件内容（Content-Type 按实际内容）' }, 404: ok('不存在或无权查看') },
    },
    serve(false),
  );
  route(
    router,
    registry,
    {
      method: 'get',
      path: '/api/media/:hash/thumbnail',
      summary: '媒体缩略图（图片；其他类型返回原文件）',
      tags: ['媒体'],
      roles: [],
      params: HashParams,
      responses: { 200: { description: '缩略图（image/webp）' }, 404: ok('不存在或无权查看') },
    },
    serve(true),
  );

  const sendArticle = (res: Response, page: string) => {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Content-Security-Policy', ARTICLE_CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-store');
    res.end(page);
  };

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/api/drafts/:id/preview',
      summary: '预览：当前版本的规范渲染（手机宽度，公众号文章样式），即发布时将交付的字节',
      tags: ['稿件'],
      roles: [],
      params: IdParams,
      responses: { 200: html('文章页面') },
    },
    async ({ params, user, res }) => {
      const revision = await previewRevision(deps.db, user, params.id);
      const page = renderArticle({ title: revision.title, body: revision.body, format: revision.format }).html;
      res.setHeader('X-Content-Hash', revision.contentHash);
      sendArticle(res, page);
      return undefined;
    },
  );

  route(
    router,
    registry,
    {
      method: 'get',
      path: '/api/drafts/:id/released',
      summary: '已发布的内容：发布时交付的字节（与终审时预览所见逐字节相同）',
      tags: ['稿件'],
      roles: [],
      params: IdParams,
      responses: { 200: html('文章页面'), 404: ok('尚未发布') },
    },
    async ({ params, user, res }) => {
      const row = await releasedRendition(deps.db, user, params.id);
      res.setHeader('X-Content-Hash', row.contentHash);
      res.setHeader('X-Rendition-Sha256', row.renditionSha256);
      sendArticle(res, row.rendition);
      return undefined;
    },
  );

  return router;
}
