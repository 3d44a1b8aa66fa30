import { hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import { createHash, randomBytes } from 'node:crypto';
import { appendAuditEvent } from '../db/audit.repository';
import { insertSession, lockUserByUsername, revokeSession, sessionUser, updateUser, type UserRow } from '../db/directory.repository';
import type { Db } from '../db/pool';
import type { AuthUser } from '../domain/access';
import { SECURITY_CHAIN } from '../domain/audit';
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

// A fixed hash to verify against when the user does not exist, so timing does not reveal valid usernames.
let dummyHash: Promise<string> | undefined;

export interface LoginResult {
  token: string;
  user: AuthUser;
  expiresAt: Date;
}

/**
 * Verifies a password and opens a session. Five failures lock the account for 30 minutes; every outcome is
 * an audit event on the security chain.
 * @throws DomainError unauthenticated | account_locked
 */
export async function login(
  db: Db,
  input: { username: string; password: string; ip: string; absoluteHours: number },
): Promise<LoginResult> {
  const audit = (user: UserRow | undefined, type: string, outcome: 'success' | 'failure' | 'denied', data: Record<string, unknown>) =>
    db.transaction((tx) =>
      appendAuditEvent(tx, {
        chain: SECURITY_CHAIN,
        actorId: user?.id ?? null,
        actorName: user ? `${user.displayName}（${user.username}）` : input.username.slice(0, 64),
        type,
        outcome,
        data: { ip: input.ip, ...data },
      }),
    );

  const found = await db.transaction((tx) => lockUserByUsername(tx, input.username));
  if (!found || found.disabled) {
    await argonVerify(await (dummyHash ??= hashPassword('not-a-real-password')), input.password).catch(() => false);
    await audit(undefined, 'auth.login_failed', 'failure', { reason: found ? 'disabled' : 'unknown_user' });
    throw new DomainError('unauthenticated', '用户名或密码错误');
  }
  if (found.lockedUntil && found.lockedUntil > new Date()) {
    await audit(found, 'auth.login_locked', 'denied', { lockedUntil: found.lockedUntil.toISOString() });
    throw new DomainError('account_locked', `账号已锁定，请于 ${LOCK_MINUTES} 分钟后再试`, { lockedUntil: found.lockedUntil.toISOString() });
  }
  const ok = await argonVerify(found.passwordHash, input.password).catch(() => false);
  if (!ok) {
    // Counted in one statement so concurrent failures cannot under-count.
    const updated = await db.transaction(async (tx) => {
      const row = await lockUserByUsername(tx, input.username);
      if (!row) throw new DomainError('unauthenticated', '用户名或密码错误');
      const failures = row.failedLogins + 1;
      const lock = failures >= MAX_FAILED_LOGINS;
      return updateUser(tx, row.id, {
        failedLogins: lock ? 0 : failures,
        lockedUntil: lock ? new Date(Date.now() + LOCK_MINUTES * 60_000) : row.lockedUntil,
      }).then((u) => ({ u, lock, failures }));
    });
    await audit(found, updated.lock ? 'auth.account_locked' : 'auth.login_failed', 'failure', { failures: updated.failures });
    if (updated.lock) throw new DomainError('account_locked', `密码错误次数过多，账号已锁定 ${LOCK_MINUTES} 分钟`);
    throw new DomainError('unauthenticated', '用户名或密码错误');
  }
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + input.absoluteHours * 3_600_000);
  await db.transaction(async (tx) => {
    await updateUser(tx, found.id, { failedLogins: 0, lockedUntil: null });
    await insertSession(tx, { id: tokenId(token), userId: found.id, expiresAt });
    await appendAuditEvent(tx, {
      chain: SECURITY_CHAIN,
      actorId: found.id,
      actorName: `${found.displayName}（${found.username}）`,
      type: 'auth.login',
      data: { ip: input.ip },
    });
  });
  return { token, user: toAuthUser(found), expiresAt };
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
      actorName: `${user.displayName}（${user.username}）`,
      type: 'auth.logout',
      data: {},
    });
  });
}

/** Session ids are stored hashed; exported for the socket handshake, which resolves the same cookie. */
export const sessionIdOf = tokenId;
