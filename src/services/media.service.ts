import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { and, eq, inArray, sql } from 'drizzle-orm';
import sharp from 'sharp';
import type { Db, Executor } from '../db/pool';
import { drafts, media, mediaUploads, revisions } from '../db/schema';
import { canReadDraft, type AuthUser } from '../domain/access';
import type { MediaRef, RevisionContent } from '../domain/content';
import { validationFailed } from '../domain/errors';
import { BIDI_CONTROLS, canonicalise } from '../shared/document/canonicalise';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const fileType = require('file-type') as { fromBuffer(b: Buffer): Promise<{ ext: string; mime: string } | undefined> };

/** Per-kind size caps (bytes), pixel cap against decompression bombs, and the thumbnail edge. */
export const MEDIA_LIMITS = {
  image: Number(process.env.MEDIA_MAX_IMAGE_BYTES ?? 20 * 1024 * 1024),
  video: Number(process.env.MEDIA_MAX_VIDEO_BYTES ?? 200 * 1024 * 1024),
  audio: Number(process.env.MEDIA_MAX_AUDIO_BYTES ?? 50 * 1024 * 1024),
  pixels: Number(process.env.MEDIA_MAX_PIXELS ?? 40_000_000),
  thumbnail: 480,
} as const;

const ACCEPTED: Record<string, { kind: MediaRef['kind']; exts: string[] }> = {
  'image/jpeg': { kind: 'image', exts: ['jpg', 'jpeg', 'jpe', 'jfif'] },
  'image/png': { kind: 'image', exts: ['png'] },
  'image/gif': { kind: 'image', exts: ['gif'] },
  'image/webp': { kind: 'image', exts: ['webp'] },
  'video/mp4': { kind: 'video', exts: ['mp4', 'm4v'] },
  'video/webm': { kind: 'video', exts: ['webm'] },
  'video/quicktime': { kind: 'video', exts: ['mov'] },
  'audio/mpeg': { kind: 'audio', exts: ['mp3'] },
  'audio/x-m4a': { kind: 'audio', exts: ['m4a'] },
  'audio/mp4': { kind: 'audio', exts: ['m4a', 'mp4'] },
  'audio/ogg': { kind: 'audio', exts: ['ogg', 'oga', 'opus'] },
  'audio/opus': { kind: 'audio', exts: ['opus', 'ogg'] },
  'audio/vnd.wave': { kind: 'audio', exts: ['wav'] },
  'audio/wav': { kind: 'audio', exts: ['wav'] },
  'audio/aac': { kind: 'audio', exts: ['aac'] },
};

/** A refused upload: HTTP status and stable code. Nothing is stored. */
export class MediaError extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 413 | 415,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Where media bytes live. Content-addressed: put is idempotent, a hash names exactly one byte string. */
export interface MediaStore {
  put(hash: string, fromFile: string): Promise<void>;
  get(hash: string): Promise<Buffer | undefined>;
  putThumbnail(hash: string, data: Buffer): Promise<void>;
  getThumbnail(hash: string): Promise<Buffer | undefined>;
}

export function diskMediaStore(root: string): MediaStore {
  const path = (hash: string) => join(root, hash.slice(0, 2), hash);
  const thumb = (hash: string) => join(root, 'thumbnails', `${hash}.webp`);
  const read = async (p: string) => {
    try {
      return await readFile(p);
    } catch {
      return undefined;
    }
  };
  return {
    async put(hash, fromFile) {
      await mkdir(dirname(path(hash)), { recursive: true });
      await rename(fromFile, path(hash)).catch(async () => {
        await writeFile(path(hash), await readFile(fromFile));
        await rm(fromFile, { force: true });
      });
    },
    get: (hash) => read(path(hash)),
    async putThumbnail(hash, data) {
      await mkdir(dirname(thumb(hash)), { recursive: true });
      await writeFile(thumb(hash), data);
    },
    getThumbnail: (hash) => read(thumb(hash)),
  };
}

let defaultStore: MediaStore | undefined;
/** The deployment's store: on disk under DATA_DIR/media (DATA_DIR defaults to ./data, as everywhere). */
export function mediaStore(deps: { media?: MediaStore | undefined }): MediaStore {
  return deps.media ?? (defaultStore ??= diskMediaStore(join(resolve(process.env.DATA_DIR ?? './data'), 'media')));
}

export interface StoredMedia {
  hash: string;
  kind: MediaRef['kind'];
  mime: string;
  bytes: number;
  width?: number;
  height?: number;
  durationMs?: number;
}

const ffprobe = (file: string) =>
  new Promise<{ durationMs: number; width?: number; height?: number }>((res, rej) => {
    execFile('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=width,height,codec_type', '-of', 'json', file], { timeout: 20_000 }, (err, stdout) => {
      if (err) return rej(err);
      try {
        const j = JSON.parse(stdout) as { format?: { duration?: string }; streams?: Array<{ codec_type?: string; width?: number; height?: number }> };
        const d = Number(j.format?.duration);
        if (!Number.isFinite(d) || d <= 0) return rej(new Error('no duration'));
        const v = j.streams?.find((s) => s.codec_type === 'video' && s.width);
        res({ durationMs: Math.round(d * 1000), ...(v ? { width: v.width!, height: v.height! } : {}) });
      } catch (e) {
        rej(e as Error);
      }
    });
  });

/** Markers of a second format hidden in a media file (HTML/script/archive), searched in the raw bytes. */
const POLYGLOT_MARKERS = ['<script', '<html', '<svg', '<?php', '<!doctype', '<iframe', '<body', 'javascript:'];

function trailingGarbage(mime: string, data: Buffer): boolean {
  if (mime === 'image/png') {
    const iend = data.lastIndexOf(Buffer.from('IEND'));
    return iend < 0 || data.length - (iend + 8) > 0;
  }
  if (mime === 'image/jpeg') {
    let end = data.length;
    while (end > 0 && data[end - 1] === 0) end--;
    return !(data[end - 2] === 0xff && data[end - 1] === 0xd9);
  }
  if (mime === 'image/gif') return data[data.length - 1] !== 0x3b;
  return false;
}

/**
 * Validates an uploaded file (already streamed to `file`, with its SHA-256) and stores it content-addressed.
 * @throws MediaError 400 media_truncated | media_corrupt, 413 media_too_large | media_too_many_pixels,
 *   415 media_unsupported | svg_refused | media_polyglot | media_extension_mismatch
 */
export async function acceptUpload(
  deps: { db: Db; media?: MediaStore | undefined },
  actor: AuthUser,
  upload: { file: string; hash: string; bytes: number; filename: string; truncated: boolean },
): Promise<{ created: boolean; media: StoredMedia }> {
  if (upload.truncated) throw new MediaError(413, 'media_too_large', `文件超过上传上限（视频 ${MEDIA_LIMITS.video / 1048576} MB）`);
  if (upload.bytes === 0) throw new MediaError(400, 'media_empty', '文件为空');
  const head = Buffer.alloc(Math.min(upload.bytes, 4100));
  const fh = await open(upload.file, 'r');
  try {
    await fh.read(head, 0, head.length, 0);
  } finally {
    await fh.close();
  }
  const sniffed = await fileType.fromBuffer(head);
  const headText = head.toString('latin1').toLowerCase();
  if (!sniffed || /xml|svg/.test(sniffed.mime)) {
    if (/<svg[\s>]/.test(headText) || headText.includes('<?xml')) throw new MediaError(415, 'svg_refused', 'SVG 可以携带脚本和外部引用，不接受；请导出为 PNG/JPEG 后上传');
    throw new MediaError(415, 'media_unsupported', '无法识别的文件类型：只接受 JPEG/PNG/GIF/WebP 图片、MP4/WebM 视频、MP3/M4A/OGG/WAV 音频');
  }
  const accepted = ACCEPTED[sniffed.mime];
  if (!accepted) throw new MediaError(415, 'media_unsupported', `不接受的文件类型 ${sniffed.mime}`);
  const ext = /\.([a-z0-9]{1,8})$/i.exec(upload.filename)?.[1]?.toLowerCase();
  if (ext && !accepted.exts.includes(ext)) throw new MediaError(415, 'media_extension_mismatch', `文件扩展名 .${ext} 与实际内容（${sniffed.mime}）不符`);
  const cap = MEDIA_LIMITS[accepted.kind];
  if (upload.bytes > cap) throw new MediaError(413, 'media_too_large', `${accepted.kind === 'image' ? '图片' : accepted.kind === 'video' ? '视频' : '音频'}不能超过 ${Math.round(cap / 1048576)} MB`);

  const stored: StoredMedia = { hash: upload.hash, kind: accepted.kind, mime: sniffed.mime, bytes: upload.bytes };
  let thumbnail: Buffer | undefined;
  if (accepted.kind === 'image') {
    const data = await readFile(upload.file);
    const lower = data.toString('latin1').toLowerCase();
    if (POLYGLOT_MARKERS.some((m) => lower.includes(m)) || trailingGarbage(sniffed.mime, data)) {
      throw new MediaError(415, 'media_polyglot', '图片文件中夹带了其他格式的数据（脚本、网页或附加文件），不接受');
    }
    let meta: sharp.Metadata;
    try {
      meta = await sharp(data, { limitInputPixels: false }).metadata();
    } catch {
      throw new MediaError(400, 'media_corrupt', '图片无法解析');
    }
    const pixels = (meta.width ?? 0) * (meta.height ?? 0) * Math.max(1, meta.pages ?? 1);
    if (pixels > MEDIA_LIMITS.pixels)
      throw new MediaError(413, 'media_too_many_pixels', `图片像素过多（${meta.width}×${meta.height}${(meta.pages ?? 1) > 1 ? `×${meta.pages} 帧` : ''}），上限 ${MEDIA_LIMITS.pixels} 像素`);
    try {
      thumbnail = await sharp(data, { limitInputPixels: MEDIA_LIMITS.pixels, failOn: 'truncated' })
        .rotate()
        .resize(MEDIA_LIMITS.thumbnail, MEDIA_LIMITS.thumbnail, { fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 75 })
        .toBuffer();
    } catch {
      throw new MediaError(400, 'media_truncated', '图片数据不完整或已损坏');
    }
    if (meta.width) stored.width = meta.width;
    if (meta.height) stored.height = meta.height;
  } else {
    try {
      const probe = await ffprobe(upload.file);
      stored.durationMs = probe.durationMs;
      if (probe.width) stored.width = probe.width;
      if (probe.height) stored.height = probe.height;
    } catch {
      throw new MediaError(400, 'media_corrupt', '音视频文件无法解析（不完整或已损坏）');
    }
  }

  const store = mediaStore(deps);
  const existing = await deps.db.select().from(media).where(eq(media.hash, upload.hash));
  if (!existing[0]) {
    await store.put(upload.hash, upload.file);
    if (thumbnail) await store.putThumbnail(upload.hash, thumbnail);
    await deps.db
      .insert(media)
      .values({
        hash: stored.hash,
        kind: stored.kind,
        mime: stored.mime,
        bytes: stored.bytes,
        width: stored.width ?? null,
        height: stored.height ?? null,
        durationMs: stored.durationMs ?? null,
        createdBy: actor.id,
      })
      .onConflictDoNothing();
  }
  await deps.db.insert(mediaUploads).values({ hash: upload.hash, userId: actor.id }).onConflictDoNothing();
  const [row] = await deps.db.select().from(media).where(eq(media.hash, upload.hash));
  return { created: !existing[0], media: rowToStored(row!) };
}

const rowToStored = (r: typeof media.$inferSelect): StoredMedia => ({
  hash: r.hash,
  kind: r.kind as MediaRef['kind'],
  mime: r.mime,
  bytes: r.bytes,
  ...(r.width !== null ? { width: r.width } : {}),
  ...(r.height !== null ? { height: r.height } : {}),
  ...(r.durationMs !== null ? { durationMs: r.durationMs } : {}),
});

/** Streams a request part into a temp file, hashing as it goes. */
export async function spoolToTemp(stream: NodeJS.ReadableStream): Promise<{ file: string; hash: string; bytes: number }> {
  const dir = join(tmpdir(), 'sanshen-upload');
  await mkdir(dir, { recursive: true });
  const file = join(dir, randomUUID());
  const h = createHash('sha256');
  let bytes = 0;
  const fh = await open(file, 'w');
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      h.update(chunk);
      bytes += chunk.length;
      await fh.write(chunk);
    }
  } finally {
    await fh.close();
  }
  return { file, hash: h.digest('hex'), bytes };
}

/**
 * A stored file for a reader: the uploader, or anyone who may read a draft whose revision references it.
 * Verifies the bytes still hash to their name. Anyone else gets 404 (no hint that the file exists).
 */
export async function readMedia(deps: { db: Db; media?: MediaStore | undefined }, viewer: AuthUser, hash: string, thumbnail: boolean): Promise<{ media: StoredMedia; data: Buffer }> {
  const [row] = await deps.db.select().from(media).where(eq(media.hash, hash));
  if (!row || !(await mayReadMedia(deps.db, viewer, hash))) throw new MediaError(404, 'not_found', '媒体文件不存在');
  const store = mediaStore(deps);
  const data = await store.get(hash);
  if (!data) throw new MediaError(404, 'not_found', '媒体文件不存在');
  if (createHash('sha256').update(data).digest('hex') !== hash) throw new MediaError(409, 'media_integrity', '媒体文件的内容与其哈希不符（存储被改动）');
  if (thumbnail) {
    const t = row.kind === 'image' ? await store.getThumbnail(hash) : undefined;
    if (t) return { media: { ...rowToStored(row), mime: 'image/webp', bytes: t.length }, data: t };
  }
  return { media: rowToStored(row), data };
}

export async function mayReadMedia(db: Db, viewer: AuthUser, hash: string): Promise<boolean> {
  const own = await db
    .select()
    .from(mediaUploads)
    .where(and(eq(mediaUploads.hash, hash), eq(mediaUploads.userId, viewer.id)));
  if (own[0]) return true;
  const rows = await db
    .selectDistinct({ draft: drafts })
    .from(revisions)
    .innerJoin(drafts, eq(drafts.id, revisions.draftId))
    .where(sql`${revisions.media} @> ${JSON.stringify([{ hash }])}::jsonb`)
    .limit(50);
  return rows.some((r) => canReadDraft(viewer, r.draft));
}

/** Checks every media file a revision references still exists with the bytes its hash names (release gate). */
export async function verifyMediaBytes(deps: { media?: MediaStore | undefined }, refs: readonly MediaRef[]): Promise<string[]> {
  const bad: string[] = [];
  const store = mediaStore(deps);
  for (const r of refs) {
    const data = await store.get(r.hash);
    if (!data || createHash('sha256').update(data).digest('hex') !== r.hash) bad.push(r.hash);
  }
  return bad;
}

/**
 * Canonicalises submitted content: the body is parsed once into the document model and stored in its canonical
 * form; media it references must be stored files of the right kind, and become part of the hashed content.
 * @throws DomainError validation_failed (refused constructs with their position, unknown media)
 */
export async function canonicaliseContent(db: Executor, content: RevisionContent): Promise<RevisionContent> {
  const out = canonicalise(content.body, content.format);
  if (out.refusals.length > 0) {
    const first = out.refusals[0]!;
    throw validationFailed(`正文含不允许的内容：${first.message}${first.line ? `（第 ${first.line} 行第 ${first.col} 列）` : ''}`, { field: 'body', refusals: out.refusals });
  }
  let refs: MediaRef[] = [];
  if (out.media.length > 0) {
    const rows = await db
      .select()
      .from(media)
      .where(
        inArray(
          media.hash,
          out.media.map((m) => m.hash),
        ),
      );
    const byHash = new Map(rows.map((r) => [r.hash, r]));
    const missing = out.media.filter((m) => !byHash.has(m.hash)).map((m) => m.hash);
    if (missing.length)
      throw validationFailed(`正文引用了未上传的媒体文件：${missing.map((h) => h.slice(0, 12)).join('、')}…（请先 POST /api/media）`, { field: 'body', code: 'media_not_found', media: missing });
    const wrong = out.media.filter((m) => byHash.get(m.hash)!.kind !== m.kind);
    if (wrong.length)
      throw validationFailed(`媒体文件的类型与引用方式不符：${wrong.map((m) => `${m.hash.slice(0, 12)}… 不是${m.kind}`).join('、')}`, {
        field: 'body',
        code: 'media_kind_mismatch',
        media: wrong.map((m) => m.hash),
      });
    refs = out.media.map((m) => ({ hash: m.hash, kind: m.kind, mime: byHash.get(m.hash)!.mime }));
  }
  // Media declarations name their file by hash; kind and a readable name follow from the file.
  const assets = content.assets.map((a) => {
    if (!a.media) return a;
    const ref = refs.find((r) => r.hash === a.media);
    return { ...a, kind: ref?.kind ?? a.kind ?? 'image', name: a.name || `media:${a.media.slice(0, 12)}` };
  });
  // Titles are plain text: direction controls would reorder what readers see, so they go too (with a note).
  const title = content.title.replace(BIDI_CONTROLS, '');
  if (title !== content.title) out.notes.push({ code: 'bidi-control', construct: '标题中的方向控制字符', count: 1, message: '标题中的文字方向控制字符已移除' });
  const result: RevisionContent = { ...content, title, assets, body: out.body, format: out.format };
  if (refs.length) result.media = refs;
  else delete result.media;
  if (out.notes.length) result.notes = out.notes;
  else delete result.notes;
  return result;
}

export async function statFile(file: string): Promise<number> {
  return (await stat(file)).size;
}

export const readStream = createReadStream;
