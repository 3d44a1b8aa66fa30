import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { NOTIFICATION_EVENTS } from '../../config/notifications';
import { CHANNEL_KINDS } from '../services/notify/channels';

extendZodWithOpenApi(z);

/** Request schemas of notifications (issue 14). */
const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => s.isWellFormed(), { message: '含有无效字符（孤立代理项）' })
    .refine((s) => !s.includes('\u0000'), { message: '含有 NUL 字符' });
const required = (max: number) => text(max).refine((s) => s.trim().length > 0, { message: '不能为空' });

const ChannelEvents = z.array(z.enum(NOTIFICATION_EVENTS)).min(1).max(NOTIFICATION_EVENTS.length);

export const NotificationChannelCreateSchema = z
  .strictObject({
    kind: z.enum(CHANNEL_KINDS),
    name: required(100),
    url: required(2000),
    secret: text(500).nullable().optional(),
    unitId: z.uuid().nullable().optional(),
    events: ChannelEvents.nullable().optional(),
  })
  .openapi('NotificationChannelCreateRequest');

export const NotificationChannelUpdateSchema = z
  .strictObject({
    kind: z.enum(CHANNEL_KINDS).optional(),
    name: required(100).optional(),
    url: required(2000).optional(),
    secret: text(500).nullable().optional(),
    unitId: z.uuid().nullable().optional(),
    events: ChannelEvents.nullable().optional(),
  })
  .openapi('NotificationChannelUpdateRequest');

export const DeliveryListQuery = z.strictObject({
  draftId: z.uuid().optional(),
  status: z.enum(['pending', 'sending', 'sent', 'failed']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const InboxQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) });

export const MarkReadSchema = z.union([z.strictObject({ ids: z.array(z.uuid()).min(1).max(200) }), z.strictObject({ all: z.literal(true) })]).openapi('NotificationsMarkReadRequest');

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, '时间格式为 HH:MM');

export const NotificationPreferencesSchema = z
  .strictObject({
    /** E-mail for each notification (needs an address on the account); the bell always works. */
    email: z.boolean(),
    /** One e-mail a day (08:00) instead of one per notification. */
    digest: z.boolean(),
    quietHours: z.strictObject({ start: HHMM, end: HHMM }).nullable(),
  })
  .openapi('NotificationPreferences');

export const UserEmailSchema = z.strictObject({ email: z.email().max(254).nullable() }).openapi('UserEmailUpdateRequest');
