import { and, asc, eq, gt, inArray, isNull, ne, sql } from 'drizzle-orm';
import type { AuthUser } from '../domain/access';
import type { Executor, Tx } from './pool';
import { loginThrottle, platforms, sessions, units, users } from './schema';

export type UnitRow = typeof units.$inferSelect;
export type PlatformRow = typeof platforms.$inferSelect;
export type UserRow = typeof users.$inferSelect;

export async function insertUnit(db: Executor, values: typeof units.$inferInsert): Promise<UnitRow> {
  const [row] = await db.insert(units).values(values).returning();
  if (!row) throw new Error('unit insert returned nothing');
  return row;
}

export async function listUnits(db: Executor): Promise<UnitRow[]> {
  return db.select().from(units).orderBy(asc(units.code));
}

export async function getUnit(db: Executor, id: string): Promise<UnitRow | undefined> {
  const [row] = await db.select().from(units).where(eq(units.id, id));
  return row;
}

export async function updateUnitRow(db: Executor, id: string, values: Partial<typeof units.$inferInsert>): Promise<UnitRow> {
  const [row] = await db.update(units).set(values).where(eq(units.id, id)).returning();
  if (!row) throw new Error('unit update returned nothing');
  return row;
}

export async function updatePlatformRow(db: Executor, id: string, values: Partial<typeof platforms.$inferInsert>): Promise<PlatformRow> {
  const [row] = await db.update(platforms).set(values).where(eq(platforms.id, id)).returning();
  if (!row) throw new Error('platform update returned nothing');
  return row;
}

export async function insertPlatform(db: Executor, values: typeof platforms.$inferInsert): Promise<PlatformRow> {
  const [row] = await db.insert(platforms).values(values).returning();
  if (!row) throw new Error('platform insert returned nothing');
  return row;
}

export async function listPlatforms(db: Executor): Promise<PlatformRow[]> {
  return db.select().from(platforms).orderBy(asc(platforms.name));
}

export async function getPlatform(db: Executor, id: string): Promise<PlatformRow | undefined> {
  const [row] = await db.select().from(platforms).where(eq(platforms.id, id));
  return row;
}

export async function insertUser(db: Executor, values: typeof users.$inferInsert): Promise<UserRow> {
  const [row] = await db.insert(users).values(values).returning();
  if (!row) throw new Error('user insert returned nothing');
  return row;
}

export async function listUsers(db: Executor): Promise<UserRow[]> {
  return db.select().from(users).orderBy(asc(users.username));
}

export async function getUser(db: Executor, id: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id));
  return row;
}

export async function usersByIds(db: Executor, ids: readonly string[]): Promise<UserRow[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(users)
    .where(inArray(users.id, [...ids]));
}

export async function findUserByUsername(db: Executor, username: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.username, username));
  return row;
}

export async function lockUserByUsername(tx: Tx, username: string): Promise<UserRow | undefined> {
  const [row] = await tx.select().from(users).where(eq(users.username, username)).for('update');
  return row;
}

export async function updateUser(db: Executor, id: string, values: Partial<typeof users.$inferInsert>): Promise<UserRow> {
  const [row] = await db.update(users).set(values).where(eq(users.id, id)).returning();
  if (!row) throw new Error('user update returned nothing');
  return row;
}

export async function countUsers(db: Executor): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(users);
  return row?.n ?? 0;
}

/**
 * Opens a session that ends `absoluteHours` after now on the database clock: the same clock every check of
 * `expires_at` uses (sessionUser, liveSessions), so an app host whose clock drifts cannot shorten or lengthen it.
 */
export async function insertSession(db: Executor, values: { id: string; userId: string; absoluteHours: number }): Promise<Date> {
  const [row] = await db
    .insert(sessions)
    .values({ id: values.id, userId: values.userId, expiresAt: sql`now() + make_interval(hours => ${values.absoluteHours})` })
    .returning({ expiresAt: sessions.expiresAt });
  if (!row) throw new Error('session insert returned nothing');
  return row.expiresAt;
}

/** A sign-in subject's lock state, read on the database clock. */
export interface LoginState {
  locked: boolean;
  lockedUntil: Date | null;
}

/** The account behind a username, with `locked` decided on the database clock. */
export async function findLoginUser(db: Executor, username: string): Promise<(UserRow & { locked: boolean }) | undefined> {
  const [row] = await db
    .select({ user: users, locked: sql<boolean>`coalesce(${users.lockedUntil} > now(), false)` })
    .from(users)
    .where(eq(users.username, username));
  return row ? { ...row.user, locked: row.locked } : undefined;
}

/** Lock state of a name without an account (login_throttle). */
export async function throttleState(db: Executor, key: string): Promise<LoginState> {
  const [row] = await db
    .select({ lockedUntil: loginThrottle.lockedUntil, locked: sql<boolean>`coalesce(${loginThrottle.lockedUntil} > now(), false)` })
    .from(loginThrottle)
    .where(eq(loginThrottle.key, key));
  return row ?? { locked: false, lockedUntil: null };
}

export interface FailureCount {
  failures: number;
  locked: boolean;
  lockedUntil: Date | null;
}

/**
 * Counts one failed sign-in in one statement (concurrent failures cannot under-count); the `maxFailures`-th locks
 * for `lockMinutes` and resets the count. For an account (`userId`) or for a name without one (`throttleKey`),
 * with the same arithmetic, so the answers cannot tell the two apart.
 */
export async function countLoginFailure(db: Executor, subject: { userId: string } | { throttleKey: string }, maxFailures: number, lockMinutes: number): Promise<FailureCount> {
  if ('userId' in subject) {
    const result = await db.execute<{ failures: number; locked_until: Date | null; locked: boolean }>(sql`
      UPDATE users SET
        failed_logins = CASE WHEN failed_logins + 1 >= ${maxFailures} THEN 0 ELSE failed_logins + 1 END,
        locked_until = CASE WHEN failed_logins + 1 >= ${maxFailures} THEN now() + make_interval(mins => ${lockMinutes}) ELSE locked_until END
      WHERE id = ${subject.userId}
      RETURNING failed_logins AS failures, locked_until, (failed_logins = 0) AS locked`);
    const row = result.rows[0];
    if (!row) throw new Error('user vanished while counting a failed sign-in');
    return { failures: row.locked ? maxFailures : row.failures, locked: row.locked, lockedUntil: row.locked_until ? new Date(row.locked_until) : null };
  }
  const result = await db.execute<{ failures: number; locked_until: Date | null; locked: boolean }>(sql`
    INSERT INTO login_throttle AS t (key, failures, locked_until, updated_at) VALUES (${subject.throttleKey}, 1, NULL, now())
    ON CONFLICT (key) DO UPDATE SET
      failures = CASE WHEN t.failures + 1 >= ${maxFailures} THEN 0 ELSE t.failures + 1 END,
      locked_until = CASE WHEN t.failures + 1 >= ${maxFailures} THEN now() + make_interval(mins => ${lockMinutes}) ELSE t.locked_until END,
      updated_at = now()
    RETURNING failures, locked_until, (failures = 0) AS locked`);
  const row = result.rows[0];
  if (!row) throw new Error('login_throttle upsert returned nothing');
  return { failures: row.locked ? maxFailures : row.failures, locked: row.locked, lockedUntil: row.locked_until ? new Date(row.locked_until) : null };
}

/** Forgets failed sign-ins of names without an account after a day (keeps the table small under a spray). */
export async function pruneLoginThrottle(db: Executor): Promise<void> {
  await db.execute(sql`DELETE FROM login_throttle WHERE updated_at < now() - interval '1 day' AND (locked_until IS NULL OR locked_until < now())`);
}

/** Last activity is written at most this often, so a busy client costs one read per request, not a write. */
export const SESSION_TOUCH_SECONDS = 30;

/**
 * The enabled user behind a live session (not revoked, not expired, not idle longer than `idleMinutes`), in one
 * statement. The session's last activity is moved forward only when it is older than SESSION_TOUCH_SECONDS; a
 * request that changes nothing writes nothing, so idle time is measured to within that many seconds.
 */
export async function sessionUser(db: Executor, id: string, idleMinutes: number): Promise<AuthUser | undefined> {
  const result = await db.execute<AuthUser & Record<string, unknown>>(sql`
    WITH live AS (
      SELECT s.id, s.user_id, s.last_seen_at FROM ${sessions} s
      WHERE s.id = ${id} AND s.revoked_at IS NULL AND s.expires_at > now()
        AND s.last_seen_at > now() - make_interval(mins => ${idleMinutes})
    ), touched AS (
      UPDATE ${sessions} SET last_seen_at = now() FROM live
      WHERE ${sessions}.id = live.id AND live.last_seen_at < now() - make_interval(secs => ${SESSION_TOUCH_SECONDS})
    )
    SELECT u.id, u.username, u.display_name AS "displayName", u.staff_id AS "staffId", u.unit_id AS "unitId",
           u.is_staff AS "isStaff", u.roles, u.must_change_password AS "mustChangePassword"
    FROM live JOIN ${users} u ON u.id = live.user_id AND NOT u.disabled`);
  return result.rows[0];
}

export async function revokeSession(db: Executor, id: string): Promise<void> {
  await db
    .update(sessions)
    .set({ revokedAt: sql`now()` })
    .where(eq(sessions.id, id));
}

/** Ends every live session of the user (but `exceptId`, when given); returns how many ended. */
export async function revokeUserSessions(db: Executor, userId: string, exceptId?: string): Promise<number> {
  const rows = await db
    .update(sessions)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), exceptId ? ne(sessions.id, exceptId) : undefined))
    .returning({ id: sessions.id });
  return rows.length;
}

/**
 * Which of these sessions are live now (not revoked, not past their absolute expiry, not idle, user enabled),
 * with the user's current roles and unit, WITHOUT refreshing their idle clock: live sockets re-check their
 * session with this, and an open socket must not keep an idle session alive.
 */
export async function liveSessions(db: Executor, ids: readonly string[], idleMinutes: number): Promise<Map<string, { userId: string; roles: string[]; unitId: string | null }>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: sessions.id, userId: sessions.userId, roles: users.roles, unitId: users.unitId })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        inArray(sessions.id, [...ids]),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, sql`now()`),
        gt(sessions.lastSeenAt, sql`now() - make_interval(mins => ${idleMinutes})`),
        eq(users.disabled, false),
      ),
    );
  return new Map(rows.map((r) => [r.id, { userId: r.userId, roles: r.roles, unitId: r.unitId }]));
}
