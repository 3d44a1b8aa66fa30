import { randomBytes } from 'node:crypto';
import { appendAuditEvent } from '../db/audit.repository';
import {
  countUsers,
  findUserByUsername,
  getUnit,
  getUser,
  insertUnit,
  insertUser,
  updateUser,
  type PlatformRow,
  type UnitRow,
  type UserRow,
} from '../db/directory.repository';
import type { Db } from '../db/pool';
import type { AuthUser } from '../domain/access';
import { SECURITY_CHAIN } from '../domain/audit';
import { DomainError, notFound, validationFailed } from '../domain/errors';
import type { Role } from '../domain/workflow';
import { hashPassword, passwordProblems } from './auth.service';
import { registerDirectly, registryColumns, type RegistryForm } from './registry.service';

const actorName = (u: AuthUser | null) => (u ? `${u.displayName}（${u.username}）` : '系统');

/** Postgres unique violations become a readable conflict instead of a 500. */
async function unique<T>(work: () => Promise<T>, what: string): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const code = (error as { code?: string; cause?: { code?: string } }).cause?.code ?? (error as { code?: string }).code;
    if (code === '23505') throw new DomainError('conflict', `${what}已存在`);
    throw error;
  }
}

export async function createUnit(db: Db, actor: AuthUser | null, input: { name: string; code: string }): Promise<UnitRow> {
  return unique(
    () =>
      db.transaction(async (tx) => {
        const unit = await insertUnit(tx, input);
        await appendAuditEvent(tx, { chain: SECURITY_CHAIN, actorId: actor?.id ?? null, actorName: actorName(actor), type: 'admin.unit_created', data: { unitId: unit.id, ...input } });
        return unit;
      }),
    '单位',
  );
}

/** An admin's platform is `registered` at once (备案 fields optional) and opens its own audit chain. */
export async function createPlatform(db: Db, actor: AuthUser | null, input: RegistryForm): Promise<PlatformRow> {
  const columns = await registryColumns(db, input, false);
  return db.transaction(async (tx) => {
    const platform = await registerDirectly(tx, actor, columns);
    await appendAuditEvent(tx, { chain: SECURITY_CHAIN, actorId: actor?.id ?? null, actorName: actorName(actor), type: 'admin.platform_created', data: { platformId: platform.id, name: input.name, kind: input.kind, level: input.level, unitId: input.unitId } });
    return platform;
  });
}

export interface NewUser {
  username: string;
  displayName: string;
  staffId?: string | null | undefined;
  unitId?: string | null | undefined;
  isStaff: boolean;
  roles: Role[];
  password: string;
}

/** Creates an account; role grants are security events. @throws DomainError validation_failed | conflict */
export async function createUser(db: Db, actor: AuthUser | null, input: NewUser): Promise<UserRow> {
  const problem = passwordProblems(input.password);
  if (problem) throw validationFailed(problem, { field: 'password' });
  if (input.unitId && !(await getUnit(db, input.unitId))) throw validationFailed('所属单位不存在', { field: 'unitId' });
  const passwordHash = await hashPassword(input.password);
  return unique(
    () =>
      db.transaction(async (tx) => {
        const user = await insertUser(tx, {
          username: input.username,
          displayName: input.displayName,
          staffId: input.staffId ?? null,
          unitId: input.unitId ?? null,
          isStaff: input.isStaff,
          roles: input.roles,
          passwordHash,
        });
        await appendAuditEvent(tx, {
          chain: SECURITY_CHAIN,
          actorId: actor?.id ?? null,
          actorName: actorName(actor),
          type: 'admin.user_created',
          data: { userId: user.id, username: user.username, roles: input.roles, unitId: input.unitId ?? null, isStaff: input.isStaff },
        });
        return user;
      }),
    '用户名',
  );
}

export async function changeRoles(db: Db, actor: AuthUser, userId: string, roles: Role[]): Promise<UserRow> {
  return db.transaction(async (tx) => {
    if (!(await getUser(tx, userId))) throw notFound('用户');
    const user = await updateUser(tx, userId, { roles });
    await appendAuditEvent(tx, { chain: SECURITY_CHAIN, actorId: actor.id, actorName: actorName(actor), type: 'admin.roles_changed', data: { userId, roles } });
    return user;
  });
}

export const generatePassword = () => `Ss-${randomBytes(9).toString('base64url')}9a`;

/** On an empty database: the first admin, with the given password or a generated one (returned once). */
export async function ensureAdmin(db: Db, password?: string): Promise<{ created: boolean; password?: string }> {
  if ((await countUsers(db)) > 0) return { created: false };
  const chosen = password ?? generatePassword();
  try {
    await createUser(db, null, { username: 'admin', displayName: '系统管理员', isStaff: true, roles: ['admin'], password: chosen });
  } catch (error) {
    // Several API processes starting together on an empty database: one of them creates the account.
    if (await findUserByUsername(db, 'admin')) return { created: false };
    throw error;
  }
  return { created: true, password: chosen };
}

export interface DemoAccount {
  username: string;
  password: string;
  roles: Role[];
}

/** One unit, one platform per level, and one account per role; idempotent. */
export async function seedDemo(db: Db): Promise<DemoAccount[]> {
  const existing = await findUserByUsername(db, 'editor');
  const password = 'Demo-2026!';
  const accounts: Array<Omit<NewUser, 'password' | 'unitId'> & { school?: boolean }> = [
    { username: 'editor', displayName: '张通讯员', staffId: 'T20260001', isStaff: true, roles: ['editor'] },
    { username: 'reviewer1', displayName: '李初审', staffId: 'T20260002', isStaff: true, roles: ['reviewer1'] },
    { username: 'reviewer2', displayName: '王复审', staffId: 'T20260003', isStaff: true, roles: ['reviewer2'] },
    { username: 'reviewer3', displayName: '赵终审', staffId: 'T20260004', isStaff: true, roles: ['reviewer3'] },
    { username: 'propaganda', displayName: '陈宣传', staffId: 'T20260005', isStaff: true, roles: ['propaganda'], school: true },
    { username: 'auditor', displayName: '周审计', staffId: 'T20260006', isStaff: true, roles: ['auditor'], school: true },
  ];
  if (!existing) {
    const unit = await createUnit(db, null, { name: '计算机学院', code: 'CS' });
    const office = await createUnit(db, null, { name: '党委宣传部', code: 'XCB' });
    await createPlatform(db, null, { name: '计算机学院微信公众号', kind: 'wechat', level: 'unit', unitId: unit.id });
    await createPlatform(db, null, { name: '学校官方微博', kind: 'weibo', level: 'school', unitId: office.id });
    for (const a of accounts) {
      await createUser(db, null, { ...a, unitId: a.school ? office.id : unit.id, password });
    }
  }
  return accounts.map((a) => ({ username: a.username, password, roles: a.roles }));
}
