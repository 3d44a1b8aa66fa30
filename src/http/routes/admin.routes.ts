import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import { listPlatforms, listUnits, listUsers } from '../../db/directory.repository';
import type { Db } from '../../db/pool';
import type { Role } from '../../domain/workflow';
import { changeRoles, createPlatform, createUnit, createUser } from '../../services/admin.service';
import { presentUser } from '../presenters';
import { route } from '../route';
import { IdParams, PlatformCreateSchema, RolesUpdateSchema, UnitCreateSchema, UserCreateSchema } from '../schemas';

export function adminRouter(db: Db, registry: OpenAPIRegistry): Router {
  const router = Router();
  const tags = ['管理'];
  const admin: Role[] = ['admin'];
  const created = { 201: { description: '已创建' } };
  const listed = { 200: { description: '列表' } };

  route(router, registry, { method: 'post', path: '/api/admin/units', summary: '新建单位（二级单位）', tags, roles: admin, body: UnitCreateSchema, responses: created }, async ({ body, user, res }) => {
    res.status(201).json(await createUnit(db, user, body));
    return undefined;
  });
  // Units and platforms are reference data every signed-in user needs for forms and filters.
  route(router, registry, { method: 'get', path: '/api/admin/units', summary: '单位列表', tags, roles: [], responses: listed }, async () => ({ items: await listUnits(db) }));
  route(router, registry, { method: 'post', path: '/api/admin/platforms', summary: '新建发布平台', tags, roles: admin, body: PlatformCreateSchema, responses: created }, async ({ body, user, res }) => {
    res.status(201).json(await createPlatform(db, user, body));
    return undefined;
  });
  route(router, registry, { method: 'get', path: '/api/admin/platforms', summary: '发布平台列表', tags, roles: [], responses: listed }, async () => ({ items: await listPlatforms(db) }));
  route(router, registry, { method: 'post', path: '/api/admin/users', summary: '新建用户', tags, roles: admin, body: UserCreateSchema, responses: created }, async ({ body, user, res }) => {
    res.status(201).json(presentUser(await createUser(db, user, body)));
    return undefined;
  });
  route(router, registry, { method: 'get', path: '/api/admin/users', summary: '用户列表', tags, roles: ['admin', 'auditor'], responses: listed }, async () => ({ items: (await listUsers(db)).map(presentUser) }));
  route(router, registry, { method: 'put', path: '/api/admin/users/:id/roles', summary: '修改用户角色', tags, roles: admin, params: IdParams, body: RolesUpdateSchema, responses: { 200: { description: '已修改' } } }, async ({ params, body, user }) =>
    presentUser(await changeRoles(db, user, params.id, body.roles)),
  );
  return router;
}
