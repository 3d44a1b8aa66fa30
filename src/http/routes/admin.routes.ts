import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db/pool';
import type { Role } from '../../domain/workflow';
import {
  changeRoles,
  createPlatform,
  createUnit,
  createUser,
  resetUserPassword,
  revokeAllSessions,
  setUserDisabled,
  unlockUser,
  updatePlatform,
  updateUnit,
  updateUserProfile,
  listPlatforms,
  listUnits,
  listUsers,
} from '../../services/admin.service';
import { presentUser } from '../presenters';
import { route } from '../route';
import { IdParams, PlatformCreateSchema, PlatformUpdateSchema, RolesUpdateSchema, UnitCreateSchema, UnitUpdateSchema, UserCreateSchema, UserDisableSchema, UserUpdateSchema } from '../schemas';

export function adminRouter(db: Db, registry: OpenAPIRegistry, options: { onSessionsEnded?: ((userId: string) => void) | undefined } = {}): Router {
  const router = Router();
  const tags = ['管理'];
  const admin: Role[] = ['admin'];
  const created = { 201: { description: '已创建' } };
  const listed = { 200: { description: '列表' } };

  route(
    router,
    registry,
    { method: 'post', path: '/api/admin/units', summary: '新建单位（二级单位）', tags, roles: admin, body: UnitCreateSchema, responses: created },
    async ({ body, user, res }) => {
      res.status(201).json(await createUnit(db, user, body));
      return undefined;
    },
  );
  // Units and platforms are reference data every signed-in user needs for forms and filters.
  route(router, registry, { method: 'get', path: '/api/admin/units', summary: '单位列表', tags, roles: [], responses: listed }, async () => ({ items: await listUnits(db) }));
  route(
    router,
    registry,
    { method: 'post', path: '/api/admin/platforms', summary: '新建发布平台', tags, roles: admin, body: PlatformCreateSchema, responses: created },
    async ({ body, user, res }) => {
      res.status(201).json(await createPlatform(db, user, body));
      return undefined;
    },
  );
  route(router, registry, { method: 'get', path: '/api/admin/platforms', summary: '发布平台列表', tags, roles: [], responses: listed }, async () => ({ items: await listPlatforms(db) }));
  route(router, registry, { method: 'post', path: '/api/admin/users', summary: '新建用户', tags, roles: admin, body: UserCreateSchema, responses: created }, async ({ body, user, res }) => {
    res.status(201).json(presentUser(await createUser(db, user, body)));
    return undefined;
  });
  route(router, registry, { method: 'get', path: '/api/admin/users', summary: '用户列表', tags, roles: ['admin', 'auditor'], responses: listed }, async () => ({
    items: (await listUsers(db)).map(presentUser),
  }));
  route(
    router,
    registry,
    { method: 'put', path: '/api/admin/users/:id/roles', summary: '修改用户角色', tags, roles: admin, params: IdParams, body: RolesUpdateSchema, responses: { 200: { description: '已修改' } } },
    async ({ params, body, user }) => presentUser(await changeRoles(db, user, params.id, body.roles)),
  );

  // People management: every change is audited on the security chain; one that ends sessions also closes the
  // user's live sockets (on every API process) once it has committed.
  const ended = (userId: string) => options.onSessionsEnded?.(userId);
  const changed = { 200: { description: '已修改' }, 404: { description: '不存在' }, 409: { description: '冲突（如工号已被使用）' } };
  route(
    router,
    registry,
    {
      method: 'patch',
      path: '/api/admin/users/:id',
      summary: '修改用户资料（姓名、工号、单位、在编）；工号一人一个，重复为 409',
      tags,
      roles: admin,
      params: IdParams,
      body: UserUpdateSchema,
      responses: changed,
    },
    async ({ params, body, user }) => presentUser(await updateUserProfile(db, user, params.id, body)),
  );
  route(
    router,
    registry,
    { method: 'post', path: '/api/admin/users/:id/disable', summary: '停用账号（所有会话与实时连接立即失效）', tags, roles: admin, params: IdParams, body: UserDisableSchema, responses: changed },
    async ({ params, body, user }) => {
      const result = await setUserDisabled(db, user, params.id, true, body.reason);
      ended(params.id);
      return { user: presentUser(result.user), sessionsEnded: result.sessionsEnded };
    },
  );
  route(router, registry, { method: 'post', path: '/api/admin/users/:id/enable', summary: '启用账号', tags, roles: admin, params: IdParams, responses: changed }, async ({ params, user }) => {
    const result = await setUserDisabled(db, user, params.id, false, '');
    return { user: presentUser(result.user), sessionsEnded: 0 };
  });
  route(router, registry, { method: 'post', path: '/api/admin/users/:id/unlock', summary: '解除登录锁定', tags, roles: admin, params: IdParams, responses: changed }, async ({ params, user }) =>
    presentUser(await unlockUser(db, user, params.id)),
  );
  route(
    router,
    registry,
    {
      method: 'post',
      path: '/api/admin/users/:id/reset-password',
      summary: '重置密码：返回一次性临时密码（仅此一次），所有会话失效，下次登录须先修改密码',
      tags,
      roles: admin,
      params: IdParams,
      responses: {
        ...changed,
        200: { description: '临时密码', content: { 'application/json': { schema: z.object({ password: z.string(), sessionsEnded: z.number(), user: z.object({}).loose() }) } } },
      },
    },
    async ({ params, user, res }) => {
      const result = await resetUserPassword(db, user, params.id);
      ended(params.id);
      res.setHeader('Cache-Control', 'no-store');
      return { user: presentUser(result.user), password: result.password, sessionsEnded: result.sessionsEnded };
    },
  );
  route(
    router,
    registry,
    {
      method: 'post',
      path: '/api/admin/users/:id/revoke-sessions',
      summary: '强制下线：结束该用户的所有会话（HTTP 立即 401，实时连接关闭）',
      tags,
      roles: admin,
      params: IdParams,
      responses: changed,
    },
    async ({ params, user }) => {
      const result = await revokeAllSessions(db, user, params.id);
      ended(params.id);
      return { user: presentUser(result.user), sessionsEnded: result.sessionsEnded };
    },
  );
  route(
    router,
    registry,
    { method: 'patch', path: '/api/admin/units/:id', summary: '修改单位名称或代码', tags, roles: admin, params: IdParams, body: UnitUpdateSchema, responses: changed },
    async ({ params, body, user }) => updateUnit(db, user, params.id, body),
  );
  route(
    router,
    registry,
    { method: 'patch', path: '/api/admin/platforms/:id', summary: '修改发布平台（名称、类型、级别、所属单位）', tags, roles: admin, params: IdParams, body: PlatformUpdateSchema, responses: changed },
    async ({ params, body, user }) => updatePlatform(db, user, params.id, body),
  );
  return router;
}
