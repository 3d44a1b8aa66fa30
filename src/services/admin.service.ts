import { randomBytes } from 'node:crypto';
import { appendAuditEvent } from '../db/audit.repository';
import {
  countUsers,
  findUserByUsername,
  getPlatform,
  getUnit,
  getUser,
  revokeUserSessions,
  updatePlatformRow,
  updateUnitRow,
  insertUnit,
  insertUser,
  updateUser,
  type PlatformRow,
  type UnitRow,
  type UserRow,
} from '../db/directory.repository';

/** The directory's lists (units, platforms, users) as the admin pages and the forms read them. */
export { listPlatforms, listUnits, listUsers } from '../db/directory.repository';
import type { Db } from '../db/pool';
import type { AuthUser } from '../domain/access';
import { SECURITY_CHAIN, auditActor } from '../domain/audit';
import { auditEvent, type AuditEventPayloads, type SecurityEventType } from '../domain/audit-events';
import { DomainError, notFound, validationFailed } from '../domain/errors';
import type { Role } from '../domain/workflow';
import { hashPassword, passwordProblems } from './auth.service';
import { registerDirectly, registryColumns, type RegistryForm } from './registry.service';

/** 工号 as stored: trimmed, empty means none (uniqueness ignores case: users_staff_id_key is on upper(staff_id)). */
export const normalStaffId = (staffId: string | null | undefined) => {
  const s = staffId?.trim();
  return s ? s : null;
};

/** Postgres unique violations become a readable conflict instead of a 500. */
async function unique<T>(work: () => Promise<T>, what: string): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const e = error as { code?: string; constraint?: string; cause?: { code?: string; constraint?: string } };
    const code = e.cause?.code ?? e.code;
    const constraint = e.cause?.constraint ?? e.constraint;
    if (code === '23505' && constraint === 'users_staff_id_key') throw new DomainError('conflict', '工号已被其他账号使用：一人一个工号', { field: 'staffId' });
    if (code === '23505') throw new DomainError('conflict', `${what}已存在`);
    throw error;
  }
}

export async function createUnit(db: Db, actor: AuthUser | null, input: { name: string; code: string }): Promise<UnitRow> {
  return unique(
    () =>
      db.transaction(async (tx) => {
        const unit = await insertUnit(tx, input);
        await appendAuditEvent(tx, { chain: SECURITY_CHAIN, actorId: actor?.id ?? null, actorName: auditActor(actor), type: 'admin.unit_created', data: { unitId: unit.id, ...input } });
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
    await appendAuditEvent(tx, {
      chain: SECURITY_CHAIN,
      actorId: actor?.id ?? null,
      actorName: auditActor(actor),
      type: 'admin.platform_created',
      data: { platformId: platform.id, name: input.name, kind: input.kind, level: input.level, unitId: input.unitId },
    });
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
  email?: string | null | undefined;
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
          staffId: normalStaffId(input.staffId),
          unitId: input.unitId ?? null,
          isStaff: input.isStaff,
          roles: input.roles,
          passwordHash,
          email: input.email ?? null,
        });
        await appendAuditEvent(tx, {
          chain: SECURITY_CHAIN,
          actorId: actor?.id ?? null,
          actorName: auditActor(actor),
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
    await appendAuditEvent(tx, { chain: SECURITY_CHAIN, actorId: actor.id, actorName: auditActor(actor), type: 'admin.roles_changed', data: { userId, roles } });
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

// ------------------------------------------------------------------------------------------ people management
// Every change below is one transaction with its security-chain event; a change that ends sessions returns the
// user id so the HTTP layer can close that user's live sockets after COMMIT.

async function auditAdmin<T extends SecurityEventType>(tx: Parameters<Parameters<Db['transaction']>[0]>[0], actor: AuthUser, type: T, data: AuditEventPayloads[T]) {
  await appendAuditEvent(tx, { chain: SECURITY_CHAIN, actorId: actor.id, actorName: auditActor(actor), ...auditEvent(type, data) });
}

export interface UserProfileChange {
  displayName?: string | undefined;
  staffId?: string | null | undefined;
  unitId?: string | null | undefined;
  isStaff?: boolean | undefined;
}

/** Edits an account's name, 工号, unit or 在编 flag. @throws DomainError not_found | validation_failed | conflict (工号 taken) */
export async function updateUserProfile(db: Db, actor: AuthUser, userId: string, change: UserProfileChange): Promise<UserRow> {
  if (change.unitId && !(await getUnit(db, change.unitId))) throw validationFailed('所属单位不存在', { field: 'unitId' });
  return unique(
    () =>
      db.transaction(async (tx) => {
        const before = await getUser(tx, userId);
        if (!before) throw notFound('用户');
        const values: Partial<UserRow> = {};
        if (change.displayName !== undefined) values.displayName = change.displayName.trim();
        if (change.staffId !== undefined) {
          values.staffId = normalStaffId(change.staffId);
          // A 工号 given after a conflict found by migration 0007 resolves the conflict.
          if (values.staffId) values.staffIdConflict = null;
        }
        if (change.unitId !== undefined) values.unitId = change.unitId;
        if (change.isStaff !== undefined) values.isStaff = change.isStaff;
        const user = Object.keys(values).length > 0 ? await updateUser(tx, userId, values) : before;
        const changed = Object.fromEntries(Object.keys(values).map((k) => [k, { from: before[k as keyof UserRow] ?? null, to: user[k as keyof UserRow] ?? null }]));
        await auditAdmin(tx, actor, 'admin.user_updated', { userId, username: user.username, changed });
        return user;
      }),
    '用户',
  );
}

/**
 * Disables (every session ends at once) or enables an account. An admin cannot disable their own account.
 * @throws DomainError not_found | forbidden
 */
export async function setUserDisabled(db: Db, actor: AuthUser, userId: string, disabled: boolean, reason: string): Promise<{ user: UserRow; sessionsEnded: number }> {
  if (disabled && userId === actor.id) throw new DomainError('forbidden', '不能停用自己的账号');
  return db.transaction(async (tx) => {
    if (!(await getUser(tx, userId))) throw notFound('用户');
    const user = await updateUser(tx, userId, { disabled });
    const sessionsEnded = disabled ? await revokeUserSessions(tx, userId) : 0;
    await auditAdmin(tx, actor, disabled ? 'admin.user_disabled' : 'admin.user_enabled', { userId, username: user.username, reason, sessionsEnded });
    return { user, sessionsEnded };
  });
}

/** Lifts a sign-in lock and resets the failure count. @throws DomainError not_found */
export async function unlockUser(db: Db, actor: AuthUser, userId: string): Promise<UserRow> {
  return db.transaction(async (tx) => {
    const before = await getUser(tx, userId);
    if (!before) throw notFound('用户');
    const user = await updateUser(tx, userId, { lockedUntil: null, failedLogins: 0 });
    await auditAdmin(tx, actor, 'admin.user_unlocked', { userId, username: user.username, wasLockedUntil: before.lockedUntil?.toISOString() ?? null });
    return user;
  });
}

/**
 * Sets a new one-time password (returned once, never stored in clear or audited), ends every session of the user
 * and forces a password change at the next sign-in: until then that session can only change its password.
 * @throws DomainError not_found
 */
export async function resetUserPassword(db: Db, actor: AuthUser, userId: string): Promise<{ user: UserRow; password: string; sessionsEnded: number }> {
  const password = generatePassword();
  const passwordHash = await hashPassword(password);
  return db.transaction(async (tx) => {
    if (!(await getUser(tx, userId))) throw notFound('用户');
    const user = await updateUser(tx, userId, { passwordHash, mustChangePassword: true, failedLogins: 0, lockedUntil: null });
    const sessionsEnded = await revokeUserSessions(tx, userId);
    await auditAdmin(tx, actor, 'admin.password_reset', { userId, username: user.username, sessionsEnded });
    return { user, password, sessionsEnded };
  });
}

/** Ends every session of the user now (HTTP 401 at once; the caller closes live sockets). @throws DomainError not_found */
export async function revokeAllSessions(db: Db, actor: AuthUser, userId: string): Promise<{ user: UserRow; sessionsEnded: number }> {
  return db.transaction(async (tx) => {
    const user = await getUser(tx, userId);
    if (!user) throw notFound('用户');
    const sessionsEnded = await revokeUserSessions(tx, userId);
    await auditAdmin(tx, actor, 'admin.sessions_revoked', { userId, username: user.username, sessionsEnded });
    return { user, sessionsEnded };
  });
}

/** Renames a unit or changes its code. @throws DomainError not_found | conflict */
export async function updateUnit(db: Db, actor: AuthUser, unitId: string, change: { name?: string | undefined; code?: string | undefined }): Promise<UnitRow> {
  return unique(
    () =>
      db.transaction(async (tx) => {
        const before = await getUnit(tx, unitId);
        if (!before) throw notFound('单位');
        const values: Partial<UnitRow> = {};
        if (change.name !== undefined) values.name = change.name.trim();
        if (change.code !== undefined) values.code = change.code.trim();
        const unit = Object.keys(values).length > 0 ? await updateUnitRow(tx, unitId, values) : before;
        await auditAdmin(tx, actor, 'admin.unit_updated', { unitId, from: { name: before.name, code: before.code }, to: { name: unit.name, code: unit.code } });
        return unit;
      }),
    '单位名称或代码',
  );
}

export interface PlatformChange {
  name?: string | undefined;
  kind?: string | undefined;
  level?: 'school' | 'unit' | undefined;
  unitId?: string | undefined;
}

/** Edits a platform's name, kind, level or owning unit. @throws DomainError not_found | validation_failed */
export async function updatePlatform(db: Db, actor: AuthUser, platformId: string, change: PlatformChange): Promise<PlatformRow> {
  if (change.unitId && !(await getUnit(db, change.unitId))) throw validationFailed('所属单位不存在', { field: 'unitId' });
  return db.transaction(async (tx) => {
    const before = await getPlatform(tx, platformId);
    if (!before) throw notFound('发布平台');
    const values: Partial<PlatformRow> = {};
    if (change.name !== undefined) values.name = change.name.trim();
    if (change.kind !== undefined) values.kind = change.kind;
    if (change.level !== undefined) values.level = change.level;
    if (change.unitId !== undefined) values.unitId = change.unitId;
    const platform = Object.keys(values).length > 0 ? await updatePlatformRow(tx, platformId, values) : before;
    const pick = (p: PlatformRow) => ({ name: p.name, kind: p.kind, level: p.level, unitId: p.unitId });
    await auditAdmin(tx, actor, 'admin.platform_updated', { platformId, from: pick(before), to: pick(platform) });
    return platform;
  });
}
