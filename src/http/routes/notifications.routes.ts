import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import type { Role } from '../../domain/workflow';
import type { ServiceDeps } from '../../services/deps';
import { inboxOf, markRead, preferencesOf, savePreferences, unreadCount } from '../../services/notify/inbox.service';
import {
  changeChannel,
  changeUserEmail,
  createChannel,
  deleteChannel,
  listChannels,
  listDeliveries,
  presentChannel,
  presentDelivery,
  retryFailedDelivery,
} from '../../services/notify/notification-admin.service';
import {
  DeliveryListQuery,
  InboxQuery,
  MarkReadSchema,
  NotificationChannelCreateSchema,
  NotificationChannelUpdateSchema,
  NotificationPreferencesSchema,
  UserEmailSchema,
} from '../notification.schemas';
import { route } from '../route';
import { IdParams } from '../schemas';

/** Notification channels and deliveries (admins), the in-app inbox and preferences (everyone signed in). */
export function notificationsRouter(deps: ServiceDeps, registry: OpenAPIRegistry): Router {
  const router = Router();
  const tags = ['通知'];
  const admin: Role[] = ['admin'];
  const allowHosts = deps.notifyAllowHosts ?? [];
  const ok = { 200: { description: '成功' } };
  const inboxChanged = (userId: string) => deps.notifications?.inboxChanged([userId]);

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/api/admin/notification-channels',
      summary: '新建通知渠道（邮件 / 企业微信 / 钉钉 / Webhook）',
      tags,
      roles: admin,
      body: NotificationChannelCreateSchema,
      responses: { 201: { description: '已创建' } },
    },
    async ({ body, user, res }) => {
      res.status(201).json(presentChannel(await createChannel(deps.db, allowHosts, user, body)));
      return undefined;
    },
  );
  route(router, registry, { method: 'get', path: '/api/admin/notification-channels', summary: '通知渠道列表', tags, roles: admin, responses: ok }, async () => ({
    items: (await listChannels(deps.db)).map(presentChannel),
  }));
  route(
    router,
    registry,
    { method: 'patch', path: '/api/admin/notification-channels/:id', summary: '修改通知渠道', tags, roles: admin, params: IdParams, body: NotificationChannelUpdateSchema, responses: ok },
    async ({ params, body, user }) => presentChannel(await changeChannel(deps.db, allowHosts, user, params.id, body)),
  );
  route(
    router,
    registry,
    { method: 'delete', path: '/api/admin/notification-channels/:id', summary: '删除通知渠道（投递记录保留）', tags, roles: admin, params: IdParams, responses: ok },
    async ({ params, user }) => {
      await deleteChannel(deps.db, user, params.id);
      return { deleted: true };
    },
  );
  route(
    router,
    registry,
    { method: 'get', path: '/api/admin/notifications', summary: '通知投递记录（状态、次数、最后错误）', tags, roles: admin, query: DeliveryListQuery, responses: ok },
    async ({ query }) => ({
      items: (await listDeliveries(deps.db, query)).map(presentDelivery),
    }),
  );
  route(router, registry, { method: 'post', path: '/api/admin/notifications/:id/retry', summary: '重试失败的投递', tags, roles: admin, params: IdParams, responses: ok }, async ({ params, user }) => {
    await retryFailedDelivery(deps, user, params.id);
    return { retried: true };
  });
  route(
    router,
    registry,
    { method: 'put', path: '/api/admin/users/:id/email', summary: '设置用户的通知邮箱', tags, roles: admin, params: IdParams, body: UserEmailSchema, responses: ok },
    async ({ params, body, user }) => {
      await changeUserEmail(deps.db, user, params.id, body.email);
      return { id: params.id, email: body.email };
    },
  );

  route(router, registry, { method: 'get', path: '/api/notifications', summary: '我的通知', tags, roles: [], query: InboxQuery, responses: ok }, async ({ query, user }) => {
    const [items, unread] = await Promise.all([inboxOf(deps.db, user.id, query.limit), unreadCount(deps.db, user.id)]);
    return { unread, items: items.map((i) => ({ id: i.id, event: i.event, draftId: i.draftId, payload: i.payload, createdAt: i.createdAt, read: i.readAt !== null })) };
  });
  route(router, registry, { method: 'get', path: '/api/notifications/unread-count', summary: '未读通知数', tags, roles: [], responses: ok }, async ({ user }) => ({
    unread: await unreadCount(deps.db, user.id),
  }));
  route(router, registry, { method: 'post', path: '/api/notifications/read', summary: '标记通知为已读', tags, roles: [], body: MarkReadSchema, responses: ok }, async ({ body, user }) => {
    const marked = await markRead(deps.db, user.id, 'all' in body ? 'all' : body.ids);
    if (marked > 0) inboxChanged(user.id);
    return { marked, unread: await unreadCount(deps.db, user.id) };
  });
  const presentPreferences = async (userId: string) => {
    const p = await preferencesOf(deps.db, userId);
    return {
      email: p?.emailEnabled ?? true,
      digest: p?.digest ?? false,
      quietHours: p?.quietStart && p.quietEnd ? { start: p.quietStart, end: p.quietEnd } : null,
      address: p?.email ?? null,
    };
  };
  route(router, registry, { method: 'get', path: '/api/me/notification-preferences', summary: '我的通知设置', tags, roles: [], responses: ok }, async ({ user }) => presentPreferences(user.id));
  route(
    router,
    registry,
    { method: 'put', path: '/api/me/notification-preferences', summary: '修改我的通知设置（邮件、每日汇总、免打扰时段）', tags, roles: [], body: NotificationPreferencesSchema, responses: ok },
    async ({ body, user }) => {
      await savePreferences(deps.db, user.id, { emailEnabled: body.email, digest: body.digest, quietStart: body.quietHours?.start ?? null, quietEnd: body.quietHours?.end ?? null });
      return presentPreferences(user.id);
    },
  );
  return router;
}
