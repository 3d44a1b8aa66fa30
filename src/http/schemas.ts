import { DRAFT_GENRES } from '../shared/genres';
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ASSET_KINDS, BODY_FORMATS, LICENCE_KINDS, ORIGIN_KINDS } from '../domain/content';
import { PLATFORM_KINDS, PLATFORM_LEVELS, PLATFORM_STATUSES } from '../domain/registry';
import { DRAFT_STATUSES, ROLES, STAGE_IDS } from '../domain/workflow';

extendZodWithOpenApi(z);

/** Text PostgreSQL can store and people can read: well-formed UTF-16 (no lone surrogates), no NUL. */
const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => s.isWellFormed(), { message: '含有无效字符（孤立代理项）' })
    .refine((s) => !s.includes('\u0000'), { message: '含有 NUL 字符' });
const required = (max: number) => text(max).refine((s) => s.trim().length > 0, { message: '不能为空' });

export const Uuid = z.uuid();
export const IdParams = z.strictObject({ id: Uuid });
export const FindingParams = z.strictObject({ id: Uuid, fid: Uuid });

export const ErrorSchema = z
  .object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }) })
  .openapi('Error');

export const LoginSchema = z.strictObject({ username: required(64), password: text(256) }).openapi('LoginRequest');
export const PasswordChangeSchema = z.strictObject({ currentPassword: text(256), newPassword: text(256) }).openapi('PasswordChangeRequest');

export const OriginSchema = z
  .strictObject({
    kind: z.enum(ORIGIN_KINDS),
    sourceName: text(200).optional(),
    sourceUrl: text(2000).optional(),
    originalAuthor: text(200).optional(),
    originalTitle: text(500).optional(),
    /** 权利人 of the original (转载). */
    rightsHolder: text(200).optional(),
    /** The original text as pasted (转载): the body may differ from it only in punctuation and format. */
    originalText: text(500_000).optional(),
  })
  .openapi('Origin');

const NamedAssetSchema = z.strictObject({
  kind: z.enum(ASSET_KINDS),
  name: required(500),
  licence: z.enum(LICENCE_KINDS).nullable().optional(),
  holder: text(200).optional(),
  note: text(1000).optional(),
});
/** A declaration about one stored media file (issue 9): `{media: <sha256>, licence, holder?, note?}`. */
const MediaAssetSchema = z.strictObject({
  media: z.string().regex(/^[0-9a-f]{64}$/, '媒体哈希应为 64 位小写十六进制 SHA-256'),
  kind: z.enum(['image', 'video', 'audio']).optional(),
  name: text(500).optional(),
  licence: z.enum(LICENCE_KINDS).nullable().optional(),
  holder: text(200).optional(),
  note: text(1000).optional(),
});
export const AssetSchema = z.union([MediaAssetSchema, NamedAssetSchema]).openapi('Asset');

const contentFields = {
  title: required(500),
  body: required(500_000),
  format: z.enum(BODY_FORMATS).default('markdown'),
  origin: OriginSchema.default({ kind: 'original' }),
  assets: z.array(AssetSchema).max(200).default([]),
};

/** 体裁: one of the fixed catalog (an unknown value is a 400 naming the catalog). */
export const GenreSchema = z.enum(DRAFT_GENRES, { error: () => `体裁须为以下之一：${DRAFT_GENRES.join('、')}` });

export const DraftCreateSchema = z
  .strictObject({ platformId: Uuid, major: z.boolean().default(false), genre: GenreSchema.optional(), ...contentFields })
  .openapi('DraftCreateRequest');

export const ProofMarkSchema = z
  .strictObject({
    start: z.int().min(0),
    end: z.int().min(0),
    original: text(10_000),
    suggestion: text(10_000),
    note: text(2_000).optional(),
  })
  .openapi('ProofMark');

export const RevisionCreateSchema = z
  .strictObject({
    version: z.int().min(1),
    stage: z.enum(STAGE_IDS).optional(),
    note: text(2_000).optional(),
    marks: z.array(ProofMarkSchema).max(500).optional(),
    ...contentFields,
  })
  .openapi('RevisionCreateRequest');

export const DecisionCreateSchema = z
  .strictObject({
    stage: z.enum(STAGE_IDS),
    action: z.enum(['approve', 'return', 'reject']),
    comment: text(5_000).default(''),
    version: z.int().min(1),
    marks: z.array(ProofMarkSchema).max(500).default([]),
  })
  .openapi('DecisionCreateRequest');

export const WaiveSchema = z.strictObject({ reason: required(2_000), version: z.int().min(1).optional() }).openapi('WaiveRequest');
export const ResubmitSchema = z.strictObject({ statement: required(5_000), version: z.int().min(1) }).openapi('ResubmitRequest');
export const WithdrawSchema = z.strictObject({ version: z.int().min(1), reason: text(2_000).optional() }).openapi('WithdrawRequest');
export const ReleaseSchema = z
  .strictObject({
    version: z.int().min(1).optional(),
    /** The content hash 终审 approved: release is refused if the current revision is another. */
    contentHash: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  })
  .openapi('ReleaseRequest');

export const CorrectionSchema = z
  .discriminatedUnion('action', [
    z.strictObject({ action: z.literal('correct'), reason: required(2_000), version: z.int().min(1), ...contentFields }),
    z.strictObject({ action: z.literal('retract'), reason: required(2_000), version: z.int().min(1) }),
  ])
  .openapi('CorrectionRequest');

export const DraftListQuery = z.strictObject({
  status: z.enum(DRAFT_STATUSES).optional(),
  stage: z.enum(STAGE_IDS).optional(),
  unit: Uuid.optional(),
  platform: Uuid.optional(),
  text: text(200).optional(),
  /** A reviewer who decided on the draft: display name, username or staff id (substring). */
  reviewer: text(100).optional(),
  from: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
  to: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
  /** Only the first page: later pages are reached by `cursor` (keyset), never by OFFSET (issue 16). */
  page: z.coerce.number().int().min(1).max(1, { message: '请使用 cursor 翻页（nextCursor）' }).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
  /** Only the viewer's own drafts (the desk's 我的稿件). */
  mine: z.enum(['0', '1']).optional(),
  /** `nextCursor` of the previous page. */
  cursor: z.string().max(400).regex(/^[A-Za-z0-9_-]+$/).optional(),
});

export const TrailQuery = z.strictObject({ format: z.enum(['json', 'csv']).default('json') });

export const UnitCreateSchema = z.strictObject({ name: required(100), code: required(32) }).openapi('UnitCreateRequest');
/** 备案表 fields (migration 0010); an admin's record needs only name, kind, level and unit. */
const Phone = z.string().regex(/^[0-9+\-() ]{5,20}$/, '电话号码格式不正确');
export const RegistryFormSchema = z
  .strictObject({
    name: required(100),
    kind: z.enum(PLATFORM_KINDS),
    level: z.enum(PLATFORM_LEVELS),
    unitId: Uuid,
    accountName: required(100).optional(),
    accountId: required(100).optional(),
    responsibleId: Uuid.optional(),
    admins: z.array(z.strictObject({ userId: Uuid, phone: Phone })).max(20).optional(),
    correspondents: z.array(z.strictObject({ name: required(50), phone: Phone.optional() })).max(50).optional(),
    positioning: required(500).optional(),
    openedOn: z.iso.date().optional(),
    partner: text(200).nullable().optional(),
  })
  .openapi('RegistryForm');
export const PlatformCreateSchema = RegistryFormSchema.openapi('PlatformCreateRequest');
export const RegistryListQuery = z.strictObject({
  status: z.enum(PLATFORM_STATUSES).optional(),
  kind: z.enum(PLATFORM_KINDS).optional(),
  level: z.enum(PLATFORM_LEVELS).optional(),
  unit: Uuid.optional(),
});
export const RegistryChangeSchema = z
  .strictObject({
    name: required(100).optional(),
    responsibleId: Uuid.optional(),
    admins: z.array(z.strictObject({ userId: Uuid, phone: Phone })).min(1).max(20).optional(),
    changedOn: z.iso.date(),
    reason: required(2_000),
  })
  .openapi('RegistryChangeRequest');
export const RegistryDeregisterSchema = z.strictObject({ reason: required(2_000) }).openapi('RegistryDeregisterRequest');
export const FilingDecisionSchema = z.strictObject({ action: z.enum(['approve', 'return']), comment: text(2_000).default('') }).openapi('FilingDecisionRequest');
export const UserCreateSchema = z
  .strictObject({
    username: required(64).regex(/^[a-zA-Z0-9_.-]+$/, '用户名只能包含字母、数字、_ . -'),
    displayName: required(100),
    staffId: text(32).nullable().optional(),
    unitId: Uuid.nullable().optional(),
    isStaff: z.boolean().default(false),
    roles: z.array(z.enum(ROLES)).max(ROLES.length).default([]),
    password: text(256),
    /** Where e-mail notifications go (optional). */
    email: z.email().max(254).nullable().optional(),
  })
  .openapi('UserCreateRequest');
export const UserUpdateSchema = z
  .strictObject({
    displayName: required(100).optional(),
    staffId: text(32).nullable().optional(),
    unitId: Uuid.nullable().optional(),
    isStaff: z.boolean().optional(),
  })
  .openapi('UserUpdateRequest');
export const UserDisableSchema = z.strictObject({ reason: required(500) }).openapi('UserDisableRequest');
export const UnitUpdateSchema = z.strictObject({ name: required(100).optional(), code: required(32).optional() }).openapi('UnitUpdateRequest');
export const PlatformUpdateSchema = z
  .strictObject({
    name: required(100).optional(),
    kind: z.enum(['wechat', 'weibo', 'douyin', 'channels', 'website', 'other']).optional(),
    level: z.enum(['school', 'unit']).optional(),
    unitId: Uuid.optional(),
  })
  .openapi('PlatformUpdateRequest');
export const RolesUpdateSchema = z.strictObject({ roles: z.array(z.enum(ROLES)).max(ROLES.length) }).openapi('RolesUpdateRequest');

export const MarkParams = z.strictObject({ id: Uuid, mid: Uuid });

export const MarkCreateSchema = z
  .strictObject({
    revisionId: Uuid,
    kind: z.enum(['correction', 'comment']).optional(),
    start: z.int().min(0).max(10_000_000).optional(),
    end: z.int().min(0).max(10_000_000).optional(),
    source: z
      .union([
        z.strictObject({ field: z.enum(['title', 'body']), start: z.int().min(0).max(10_000_000), end: z.int().min(0).max(10_000_000) }),
        // A comment on a picture (a region of it) or on a video at a timecode.
        z.strictObject({
          field: z.literal('media'),
          media: z.string().regex(/^[0-9a-f]{64}$/),
          timeMs: z.int().min(0).max(24 * 3_600_000).optional(),
          box: z.strictObject({ x: z.int().min(0).max(100_000), y: z.int().min(0).max(100_000), width: z.int().min(1).max(100_000), height: z.int().min(1).max(100_000) }).optional(),
        }),
      ])
      .optional(),
    replacement: text(10_000).optional(),
    note: text(2_000).optional(),
    findingId: Uuid.optional(),
  })
  .refine((m) => (m.start === undefined) === (m.end === undefined), { message: 'start 与 end 须同时给出', path: ['end'] })
  .refine((m) => [m.start !== undefined, m.source !== undefined, m.findingId !== undefined].filter(Boolean).length === 1, {
    message: '位置须且只能以 start/end、source 或 findingId 之一给出',
    path: ['start'],
  })
  .openapi('MarkCreateRequest');

export const MarkResolveSchema = z
  .strictObject({ decision: z.enum(['accept', 'reject']), note: text(2_000).optional() })
  .openapi('MarkResolveRequest');

export const MarksApplySchema = z
  .strictObject({ version: z.int().min(1), markIds: z.array(Uuid).min(1).max(500).optional(), note: text(2_000).optional() })
  .openapi('MarksApplyRequest');

export const DiffQuery = z.strictObject({
  from: z.coerce.number().int().min(1).max(1_000_000),
  to: z.coerce.number().int().min(1).max(1_000_000),
});
