import { hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import { createHash, randomBytes } from 'node:crypto';
import { appendAuditEvent } from '../db/audit.repository';
import {
  countLoginFailure,
  findLoginUser,
  getUser,
  revokeUserSessions,
  insertSession,
  pruneLoginThrottle,
  revokeSession,
  sessionUser,
  throttleState,
  updateUser,
  type LoginState,
  type UserRow,
} from '../db/directory.repository';
import type { Db } from '../db/pool';
import type { AuthUser } from '../domain/access';
import { SECURITY_CHAIN, auditActor } from '../domain/audit';
import { auditEvent, type AuditEventPayloads } from '../domain/audit-events';
import { DomainError } from '../domain/errors';
import type { Role } from '../domain/workflow';

export const MAX_FAILED_LOGINS = 5;
export const LOCK_MINUTES = 30;

/** argon2id with the library's defaults (m=19456 KiB, t=2, p=1). */
export const hashPassword = (password: string) => argonHash(password);

/** 等保: at least 8 characters with three of upper, lower, digit, symbol. */
export function passwordProblems(password: string): string | null {
  if (password.length < 8) return '密码至少 8 位';
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(password)).length;
  return classes >= 3 ? null : '密码须包含大写字母、小写字母、数字、符号中的至少三类';
}

export const toAuthUser = (u: UserRow): AuthUser => ({
  id: u.id,
  username: u.username,
  displayName: u.displayName,
  staffId: u.staffId,
  unitId: u.unitId,
  isStaff: u.isStaff,
  roles: u.roles as Role[],
});

const tokenId = (token: string) => createHash('sha256').update(token).digest('hex');

// A fixed hash to verify against when there is no real one to check (unknown name, locked account), so an answer
// costs one argon2 verification whatever the name: timing does not tell which names exist or are locked.
let dummyHash: Promise<string> | undefined;
/** Computes the dummy hash ahead of the first sign-in (otherwise that one costs a hash and a verification). */
export const warmDummyHash = () => (dummyHash ??= hashPassword('not-a-real-password'));

export interface LoginResult {
  token: string;
  user: AuthUser;
  expiresAt: Date;
}

const INVALID = '用户名或密码错误';

/**
 * Verifies a password and opens a session. Five failures lock the account for 30 minutes; every outcome is
 * an audit event on the security chain.
 *
 * A name without an account and a disabled account answer exactly as an enabled account with a wrong password
 * does: the same statuses in the same order (401 four times, then 423 while locked), the same messages, and one
 * argon2 verification each time (against a dummy hash where there is no hash worth checking). Lock state is read
 * and written on the database clock.
 * @throws DomainError unauthenticated | account_locked
 */
export async function login(db: Db, input: { username: string; password: string; ip: string; absoluteHours: number }): Promise<LoginResult> {
  const audit = (
    user: UserRow | undefined,
    type: 'auth.login_failed' | 'auth.login_locked' | 'auth.account_locked' | 'auth.login_refused',
    outcome: 'success' | 'failure' | 'denied',
    data: Record<string, unknown>,
  ) =>
    db.transaction((tx) =>
      appendAuditEvent(tx, {
        chain: SECURITY_CHAIN,
        actorId: user?.id ?? null,
        actorName: user ? auditActor(user) : input.username.slice(0, 64),
        outcome,
        ...auditEvent(type, { ip: input.ip, ...data } as AuditEventPayloads[typeof type]),
      }),
    );

  const found = await findLoginUser(db, input.username);
  const state: LoginState = found ? { locked: found.locked, lockedUntil: found.lockedUntil } : await throttleState(db, input.username);
  const lockedError = (until: Date | null) => new DomainError('account_locked', `账号已锁定，请于 ${LOCK_MINUTES} 分钟后再试`, { lockedUntil: (until ?? new Date()).toISOString() });
  if (state.locked) {
    await argonVerify(await warmDummyHash(), input.password).catch(() => false);
    await audit(found, 'auth.login_locked', 'denied', {
      lockedUntil: state.lockedUntil?.toISOString() ?? null,
      ...(found ? {} : { reason: 'unknown_user' }),
      ...(found?.disabled ? { reason: 'disabled' } : {}),
    });
    throw lockedError(state.lockedUntil);
  }
  // A disabled account's own hash is checked too (same cost), but even the right password does not sign it in.
  const verified = await argonVerify(found ? found.passwordHash : await warmDummyHash(), input.password).catch(() => false);
  const ok = verified && found !== undefined && !found.disabled;
  if (!ok || !found) {
    const counted = await countLoginFailure(db, found ? { userId: found.id } : { throttleKey: input.username }, MAX_FAILED_LOGINS, LOCK_MINUTES);
    if (!found && Math.random() < 0.01) await pruneLoginThrottle(db);
    const reason = !found ? 'unknown_user' : found.disabled ? 'disabled' : 'wrong_password';
    await audit(found, counted.locked ? 'auth.account_locked' : 'auth.login_failed', 'failure', { failures: counted.failures, reason });
    if (counted.locked) throw new DomainError('account_locked', `密码错误次数过多，账号已锁定 ${LOCK_MINUTES} 分钟`);
    throw new DomainError('unauthenticated', INVALID);
  }
  const token = randomBytes(32).toString('base64url');
  const expiresAt = await db.transaction(async (tx) => {
    await updateUser(tx, found.id, { failedLogins: 0, lockedUntil: null });
    const until = await insertSession(tx, { id: tokenId(token), userId: found.id, absoluteHours: input.absoluteHours });
    await appendAuditEvent(tx, {
      chain: SECURITY_CHAIN,
      actorId: found.id,
      actorName: auditActor(found),
      type: 'auth.login',
      data: { ip: input.ip },
    });
    return until;
  });
  return { token, user: { ...toAuthUser(found), mustChangePassword: found.mustChangePassword }, expiresAt };
}

/** The user behind a session token, or undefined when it is unknown, idle too long, expired or revoked. */
export async function authenticate(db: Db, token: string, idleMinutes: number): Promise<AuthUser | undefined> {
  return sessionUser(db, tokenId(token), idleMinutes);
}

export async function logout(db: Db, token: string, user: AuthUser): Promise<void> {
  await db.transaction(async (tx) => {
    await revokeSession(tx, tokenId(token));
    await appendAuditEvent(tx, {
      chain: SECURITY_CHAIN,
      actorId: user.id,
      actorName: auditActor(user),
      type: 'auth.logout',
      data: {},
    });
  });
}

/** Session ids are stored hashed; exported for the socket handshake, which resolves the same cookie. */
export const sessionIdOf = tokenId;

/** A sign-in refused before any password was checked (429 rate limited): a security event all the same. */
export async function recordRefusedLogin(db: Db, input: { username: string; ip: string; reason: 'rate_limited' }): Promise<void> {
  await db.transaction((tx) =>
    appendAuditEvent(tx, {
      chain: SECURITY_CHAIN,
      actorId: null,
      actorName: input.username.slice(0, 64) || '匿名',
      type: 'auth.login_refused',
      outcome: 'denied',
      data: { ip: input.ip, reason: input.reason },
    }),
  );
}

/**
 * Changes the signed-in user's own password (needed after an admin's reset). Every other session of the user ends;
 * this one stays and may use the whole API again.
 * @throws DomainError unauthenticated (wrong current password) | validation_failed
 */
export async function changePassword(db: Db, user: AuthUser, input: { currentPassword: string; newPassword: string; keepSessionToken: string; ip: string }): Promise<void> {
  const row = await getUser(db, user.id);
  if (!row) throw new DomainError('unauthenticated', '请先登录');
  const ok = await argonVerify(row.passwordHash, input.currentPassword).catch(() => false);
  if (!ok) throw new DomainError('validation_failed', '当前密码不正确', { field: 'currentPassword' });
  const problem = passwordProblems(input.newPassword);
  if (problem) throw new DomainError('validation_failed', problem, { field: 'newPassword' });
  if (input.newPassword === input.currentPassword) throw new DomainError('validation_failed', '新密码不能与当前密码相同', { field: 'newPassword' });
  const passwordHash = await hashPassword(input.newPassword);
  await db.transaction(async (tx) => {
    await updateUser(tx, user.id, { passwordHash, mustChangePassword: false, failedLogins: 0, lockedUntil: null });
    await revokeUserSessions(tx, user.id, tokenId(input.keepSessionToken));
    await appendAuditEvent(tx, {
      chain: SECURITY_CHAIN,
      actorId: user.id,
      actorName: auditActor(user),
      type: 'auth.password_changed',
      data: { ip: input.ip, wasForced: row.mustChangePassword },
    });
  });
}

/** Which of these sessions are still live (not expired, revoked or idle), with their user's unit and roles now. */
export { liveSessions } from '../db/directory.repository';
