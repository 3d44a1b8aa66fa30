import { appendAuditEvent } from '../../db/audit.repository';
import { getUnit } from '../../db/directory.repository';
import {
  channelById,
  deliveryById,
  insertChannel,
  listDeliveries,
  retireChannel,
  retryDelivery,
  setUserEmail,
  updateChannel,
  type ChannelRow,
} from '../../db/notification.repository';
import type { Db } from '../../db/pool';
import type { AuthUser } from '../../domain/access';
import { SECURITY_CHAIN } from '../../domain/audit';
import { notFound, validationFailed } from '../../domain/errors';
import { iso, type NotificationChannel, type NotificationDelivery } from '../../shared/api';
import type { ServiceDeps } from '../deps';
import { channelUrlProblem, type ChannelKind } from './channels';

const actorName = (u: AuthUser) => `${u.displayName}（${u.username}）`;

export interface ChannelInput {
  kind: ChannelKind;
  name: string;
  url: string;
  secret?: string | null | undefined;
  unitId?: string | null | undefined;
  events?: string[] | null | undefined;
}

/** What admins see of a channel: never the secret, only whether one is set. */
export const presentChannel = (c: ChannelRow): NotificationChannel => ({
  id: c.id,
  kind: c.kind,
  name: c.name,
  url: c.url,
  hasSecret: Boolean(c.secret),
  unitId: c.unitId,
  events: c.events,
  createdAt: iso(c.createdAt),
  updatedAt: iso(c.updatedAt),
});

/** A robot URL carries its key in the query (企业微信 `key`, 钉钉 `access_token`): the trail keeps the rest. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    for (const k of [...u.searchParams.keys()]) u.searchParams.set(k, '***');
    return u.toString();
  } catch {
    return url;
  }
}

async function validate(db: Db, allowHosts: readonly string[], v: { kind: ChannelKind; url: string; unitId?: string | null | undefined; secret?: string | null | undefined }): Promise<void> {
  const problem = channelUrlProblem(v.kind, v.url, allowHosts);
  if (problem) throw validationFailed(problem, { field: 'url' });
  if (v.kind === 'webhook' && !v.secret) throw validationFailed('通用 Webhook 须设置签名密钥 secret', { field: 'secret' });
  if (v.unitId && !(await getUnit(db, v.unitId))) throw validationFailed('所属单位不存在', { field: 'unitId' });
}

/** Adds a channel; audited on the security chain (the secret is never written to the trail). */
export async function createChannel(db: Db, allowHosts: readonly string[], actor: AuthUser, input: ChannelInput): Promise<ChannelRow> {
  await validate(db, allowHosts, input);
  return db.transaction(async (tx) => {
    const row = await insertChannel(tx, { kind: input.kind, name: input.name, url: input.url, secret: input.secret ?? null, unitId: input.unitId ?? null, events: input.events ?? null, createdBy: actor.id });
    await appendAuditEvent(tx, { chain: SECURITY_CHAIN, actorId: actor.id, actorName: actorName(actor), type: 'admin.notification_channel_created', data: { channelId: row.id, kind: row.kind, name: row.name, url: redactUrl(row.url), hasSecret: Boolean(row.secret), unitId: row.unitId, events: row.events } });
    return row;
  });
}

/** @throws DomainError not_found | validation_failed */
export async function changeChannel(db: Db, allowHosts: readonly string[], actor: AuthUser, id: string, input: Partial<ChannelInput>): Promise<ChannelRow> {
  const current = await channelById(db, id);
  if (!current) throw notFound('通知渠道');
  const merged = { kind: input.kind ?? current.kind, url: input.url ?? current.url, unitId: input.unitId === undefined ? current.unitId : input.unitId, secret: input.secret === undefined ? current.secret : input.secret };
  await validate(db, allowHosts, merged);
  return db.transaction(async (tx) => {
    const row = await updateChannel(tx, id, input);
    if (!row) throw notFound('通知渠道');
    const changed = Object.keys(input).filter((k) => (input as Record<string, unknown>)[k] !== undefined);
    await appendAuditEvent(tx, { chain: SECURITY_CHAIN, actorId: actor.id, actorName: actorName(actor), type: 'admin.notification_channel_updated', data: { channelId: id, changed, url: redactUrl(row.url), kind: row.kind, unitId: row.unitId, events: row.events } });
    return row;
  });
}

export async function deleteChannel(db: Db, actor: AuthUser, id: string): Promise<void> {
  await db.transaction(async (tx) => {
    const existing = await channelById(tx, id);
    if (!existing || !(await retireChannel(tx, id))) throw notFound('通知渠道');
    await appendAuditEvent(tx, { chain: SECURITY_CHAIN, actorId: actor.id, actorName: actorName(actor), type: 'admin.notification_channel_deleted', data: { channelId: id, name: existing.name, kind: existing.kind } });
  });
}

export const presentDelivery = (d: Awaited<ReturnType<typeof listDeliveries>>[number]): NotificationDelivery => ({
  id: d.id,
  notificationId: d.notificationId,
  event: d.event,
  draftId: d.draftId,
  kind: d.kind,
  channelId: d.channelId,
  channelName: d.channelName,
  userId: d.userId,
  userName: d.userName,
  status: d.status,
  attempts: d.attempts,
  lastError: d.lastError,
  nextAttemptAt: d.status === 'pending' ? iso(d.notBefore) : null,
  createdAt: iso(d.createdAt),
  sentAt: iso(d.sentAt),
});

/** A failed delivery is owed again with a fresh budget; audited. @throws DomainError not_found | invalid_transition */
export async function retryFailedDelivery(deps: ServiceDeps, actor: AuthUser, id: string): Promise<void> {
  const retried = await deps.db.transaction(async (tx) => {
    const row = await retryDelivery(tx, id);
    if (!row) return null;
    await appendAuditEvent(tx, { chain: SECURITY_CHAIN, actorId: actor.id, actorName: actorName(actor), type: 'admin.notification_retried', data: { deliveryId: id } });
    return row;
  });
  if (!retried) {
    const existing = await deliveryById(deps.db, id);
    if (!existing) throw notFound('投递记录');
    throw validationFailed(`投递状态为 ${existing.status}，只有失败的投递可以重试`, { status: existing.status });
  }
  await deps.notifications?.deliver([id]).catch(() => undefined);
}

/** An account's e-mail address for notifications; audited. */
export async function changeUserEmail(db: Db, actor: AuthUser, userId: string, email: string | null): Promise<void> {
  await db.transaction(async (tx) => {
    if (!(await setUserEmail(tx, userId, email))) throw notFound('用户');
    await appendAuditEvent(tx, { chain: SECURITY_CHAIN, actorId: actor.id, actorName: actorName(actor), type: 'admin.user_email_changed', data: { userId, hasEmail: email !== null } });
  });
}
