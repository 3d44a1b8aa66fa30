import { and, asc, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import type { AuthUser } from '../domain/access';
import type { Executor, Tx } from './pool';
import { platforms, sessions, units, users } from './schema';

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
  return db.select().from(users).where(inArray(users.id, [...ids]));
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

export async function insertSession(db: Executor, values: typeof sessions.$inferInsert): Promise<void> {
  await db.insert(sessions).values(values);
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
           u.is_staff AS "isStaff", u.roles
    FROM live JOIN ${users} u ON u.id = live.user_id AND NOT u.disabled`);
  return result.rows[0];
}

export async function revokeSession(db: Executor, id: string): Promise<void> {
  await db.update(sessions).set({ revokedAt: sql`now()` }).where(eq(sessions.id, id));
}

export async function revokeUserSessions(db: Executor, userId: string): Promise<void> {
  await db.update(sessions).set({ revokedAt: sql`now()` }).where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
}

/**
 * Which of these sessions are live now (not revoked, not past their absolute expiry, not idle, user enabled),
 * with the user's current roles and unit, WITHOUT refreshing their idle clock: live sockets re-check their
 * session with this, and an open socket must not keep an idle session alive.
 */
export async function liveSessions(
  db: Executor,
  ids: readonly string[],
  idleMinutes: number,
): Promise<Map<string, { userId: string; roles: string[]; unitId: string | null }>> {
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
