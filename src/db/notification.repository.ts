import { sql } from 'drizzle-orm';
import type { Db, Executor, Tx } from './pool';

/** All SQL of notifications (issue 14): the outbox, deliveries, channels, the in-app inbox and preferences. */

export interface ChannelRow {
  id: string;
  kind: 'email' | 'wecom' | 'dingtalk' | 'webhook';
  name: string;
  url: string;
  secret: string | null;
  unitId: string | null;
  events: string[] | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface PersonRow {
  id: string;
  email: string | null;
  emailEnabled: boolean;
  digest: boolean;
  quietStart: string | null;
  quietEnd: string | null;
}

export interface DeliveryRow {
  id: string;
  notificationId: string;
  channelId: string | null;
  userId: string | null;
  kind: string;
  status: 'pending' | 'sending' | 'sent' | 'failed';
  attempts: number;
  lastError: string | null;
  notBefore: Date;
  createdAt: Date;
  updatedAt: Date;
  sentAt: Date | null;
}

export interface DraftNotifyContext {
  id: string;
  number: string;
  title: string;
  unitId: string;
  unitName: string;
  authorId: string;
  platformLevel: string;
  secrecy: boolean;
}

const rows = async <T>(db: Executor, query: ReturnType<typeof sql>): Promise<T[]> => (await db.execute(query)).rows as T[];

const CHANNEL_COLUMNS = sql`id, kind, name, url, secret, unit_id AS "unitId", events, created_at AS "createdAt", updated_at AS "updatedAt"`;
const DELIVERY_COLUMNS = sql`id, notification_id AS "notificationId", channel_id AS "channelId", user_id AS "userId", kind, status, attempts,
  last_error AS "lastError", not_before AS "notBefore", created_at AS "createdAt", updated_at AS "updatedAt", sent_at AS "sentAt"`;
const PERSON_COLUMNS = sql`u.id, u.email, coalesce(p.email_enabled, true) AS "emailEnabled", coalesce(p.digest, false) AS digest,
  p.quiet_start AS "quietStart", p.quiet_end AS "quietEnd"`;

/** What a payload may say about a draft; `secrecy` when its current revision has any 密级 finding (waived or not). */
export async function draftNotifyContext(db: Executor, draftId: string): Promise<DraftNotifyContext | undefined> {
  const [row] = await rows<DraftNotifyContext>(
    db,
    sql`SELECT d.id, d.number, d.title, d.unit_id AS "unitId", u.name AS "unitName", d.author_id AS "authorId", p.level AS "platformLevel",
          EXISTS (SELECT 1 FROM findings f WHERE f.revision_id = d.current_revision_id AND f.category LIKE 'secrecy%') AS secrecy
        FROM drafts d JOIN units u ON u.id = d.unit_id JOIN platforms p ON p.id = d.platform_id WHERE d.id = ${draftId}`,
  );
  return row;
}

/** Staff with `role`, enabled, in `unitId` (null: any unit), with their notification preferences and roles. */
export async function peopleWithRole(db: Executor, role: string, unitId: string | null): Promise<Array<PersonRow & { roles: string[]; unitId: string | null; isStaff: boolean }>> {
  return rows(
    db,
    sql`SELECT ${PERSON_COLUMNS}, u.roles, u.unit_id AS "unitId", u.is_staff AS "isStaff"
        FROM users u LEFT JOIN notification_preferences p ON p.user_id = u.id
        WHERE ${role} = ANY(u.roles) AND NOT u.disabled ${unitId ? sql`AND u.unit_id = ${unitId}` : sql``}
        ORDER BY u.username`,
  );
}

export async function peopleByIds(db: Executor, ids: readonly string[]): Promise<PersonRow[]> {
  if (ids.length === 0) return [];
  return rows(
    db,
    sql`SELECT ${PERSON_COLUMNS} FROM users u LEFT JOIN notification_preferences p ON p.user_id = u.id WHERE u.id IN (${sql.join(
      ids.map((i) => sql`${i}`),
      sql`, `,
    )}) AND NOT u.disabled`,
  );
}

/** Live channels that hear `event` for a draft of `unitId` (school-wide channels hear every unit). */
export async function channelsFor(db: Executor, unitId: string, event: string): Promise<ChannelRow[]> {
  return rows(
    db,
    sql`SELECT ${CHANNEL_COLUMNS} FROM notification_channels
        WHERE deleted_at IS NULL AND (unit_id IS NULL OR unit_id = ${unitId}) AND (events IS NULL OR ${event} = ANY(events)) ORDER BY created_at`,
  );
}

/** Inserts one notification; with a dedup key already used, nothing (undefined). */
export async function insertNotification(tx: Tx, values: { event: string; draftId: string | null; dedupKey?: string | null; payload: Record<string, unknown> }): Promise<string | undefined> {
  const [row] = await rows<{ id: string }>(
    tx,
    sql`INSERT INTO notifications (event, draft_id, dedup_key, payload) VALUES (${values.event}, ${values.draftId}, ${values.dedupKey ?? null}, ${JSON.stringify(values.payload)}::jsonb)
        ON CONFLICT (dedup_key) DO NOTHING RETURNING id`,
  );
  return row?.id;
}

export async function insertInbox(tx: Tx, notificationId: string, userIds: readonly string[]): Promise<void> {
  if (userIds.length === 0) return;
  await tx.execute(
    sql`INSERT INTO notification_inbox (notification_id, user_id) VALUES ${sql.join(
      userIds.map((u) => sql`(${notificationId}, ${u})`),
      sql`, `,
    )} ON CONFLICT DO NOTHING`,
  );
}

export async function insertDeliveries(tx: Tx, notificationId: string, targets: ReadonlyArray<{ channelId?: string; userId?: string; kind: string; notBefore?: Date }>): Promise<string[]> {
  if (targets.length === 0) return [];
  const values = targets.map((t) => sql`(${notificationId}, ${t.channelId ?? null}, ${t.userId ?? null}, ${t.kind}, ${t.notBefore ?? sql`now()`})`);
  const out = await rows<{ id: string }>(
    tx,
    sql`INSERT INTO notification_deliveries (notification_id, channel_id, user_id, kind, not_before) VALUES ${sql.join(values, sql`, `)} ON CONFLICT DO NOTHING RETURNING id`,
  );
  return out.map((r) => r.id);
}

/** Takes a pending delivery for one attempt (pending → sending, attempts + 1); undefined when it is not pending. */
export async function claimDelivery(db: Db, id: string): Promise<DeliveryRow | undefined> {
  const [row] = await rows<DeliveryRow>(
    db,
    sql`UPDATE notification_deliveries SET status = 'sending', attempts = attempts + 1, updated_at = now()
        WHERE id = ${id} AND status = 'pending' RETURNING ${DELIVERY_COLUMNS}`,
  );
  return row;
}

export async function notificationPayload(db: Executor, id: string): Promise<{ event: string; draftId: string | null; payload: Record<string, unknown>; createdAt: Date } | undefined> {
  const [row] = await rows<{ event: string; draftId: string | null; payload: Record<string, unknown>; createdAt: Date }>(
    db,
    sql`SELECT event, draft_id AS "draftId", payload, created_at AS "createdAt" FROM notifications WHERE id = ${id}`,
  );
  // Raw queries return timestamps as text.
  return row && { ...row, createdAt: new Date(row.createdAt) };
}

export async function channelById(db: Executor, id: string, includeDeleted = false): Promise<(ChannelRow & { deletedAt: Date | null }) | undefined> {
  const [row] = await rows<ChannelRow & { deletedAt: Date | null }>(
    db,
    sql`SELECT ${CHANNEL_COLUMNS}, deleted_at AS "deletedAt" FROM notification_channels WHERE id = ${id} ${includeDeleted ? sql`` : sql`AND deleted_at IS NULL`}`,
  );
  return row;
}

/** Records a send that succeeded; only the attempt that holds the delivery ("sending") may. */
export async function markSent(db: Db, id: string): Promise<boolean> {
  const out = await rows<{ id: string }>(db, sql`UPDATE notification_deliveries SET status = 'sent', sent_at = now(), updated_at = now() WHERE id = ${id} AND status = 'sending' RETURNING id`);
  return out.length > 0;
}

/** A failed attempt: owed again at `retryAt`, or failed for good (null). */
export async function markAttemptFailed(db: Db, id: string, error: string, retryAt: Date | null): Promise<void> {
  await db.execute(
    retryAt
      ? sql`UPDATE notification_deliveries SET status = 'pending', last_error = ${error}, not_before = ${retryAt}, updated_at = now() WHERE id = ${id} AND status = 'sending'`
      : sql`UPDATE notification_deliveries SET status = 'failed', last_error = ${error}, updated_at = now() WHERE id = ${id} AND status = 'sending'`,
  );
}

/** Gives the attempt back (quiet hours): not counted, owed again at `until`. */
export async function deferDelivery(db: Db, id: string, until: Date): Promise<void> {
  await db.execute(sql`UPDATE notification_deliveries SET status = 'pending', attempts = attempts - 1, not_before = ${until}, updated_at = now() WHERE id = ${id} AND status = 'sending'`);
}

/** Deliveries whose worker died mid-send ("sending" past the lease) are owed again; the attempt stays counted. */
export async function releaseStaleSending(db: Db, leaseMs: number): Promise<number> {
  const out = await rows<{ id: string }>(
    db,
    sql`UPDATE notification_deliveries SET status = 'pending', last_error = coalesce(last_error, '') || CASE WHEN last_error IS NULL THEN '' ELSE '；' END || '投递中断（进程退出），将重试', updated_at = now()
        WHERE status = 'sending' AND updated_at < now() - make_interval(secs => ${leaseMs / 1000}) RETURNING id`,
  );
  return out.length;
}

/** Pending deliveries due for at least `idleMs` (their job was lost, or never enqueued). */
export async function owedDeliveries(db: Db, idleMs: number, limit: number): Promise<Array<{ id: string; attempts: number }>> {
  return rows(
    db,
    sql`SELECT id, attempts FROM notification_deliveries WHERE status = 'pending' AND not_before <= now() - make_interval(secs => ${idleMs / 1000})
        ORDER BY not_before LIMIT ${limit}`,
  );
}

export interface DeliveryListRow extends DeliveryRow {
  event: string;
  draftId: string | null;
  channelName: string | null;
  userName: string | null;
}

export async function listDeliveries(db: Executor, filter: { draftId?: string | undefined; status?: string | undefined; limit: number }): Promise<DeliveryListRow[]> {
  return rows(
    db,
    sql`SELECT ${sql.raw('d.id, d.notification_id AS "notificationId", d.channel_id AS "channelId", d.user_id AS "userId", d.kind, d.status, d.attempts, d.last_error AS "lastError", d.not_before AS "notBefore", d.created_at AS "createdAt", d.updated_at AS "updatedAt", d.sent_at AS "sentAt"')},
          n.event, n.draft_id AS "draftId", c.name AS "channelName", u.display_name AS "userName"
        FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id
        LEFT JOIN notification_channels c ON c.id = d.channel_id LEFT JOIN users u ON u.id = d.user_id
        WHERE TRUE ${filter.draftId ? sql`AND n.draft_id = ${filter.draftId}` : sql``} ${filter.status ? sql`AND d.status = ${filter.status}` : sql``}
        ORDER BY d.created_at DESC, d.id LIMIT ${filter.limit}`,
  );
}

/** A failed delivery owed again with a fresh attempt budget (an admin's retry). */
export async function retryDelivery(tx: Tx, id: string): Promise<DeliveryRow | undefined> {
  const [row] = await rows<DeliveryRow>(
    tx,
    sql`UPDATE notification_deliveries SET status = 'pending', attempts = 0, not_before = now(), updated_at = now() WHERE id = ${id} AND status = 'failed' RETURNING ${DELIVERY_COLUMNS}`,
  );
  return row;
}

export async function deliveryById(db: Executor, id: string): Promise<DeliveryRow | undefined> {
  const [row] = await rows<DeliveryRow>(db, sql`SELECT ${DELIVERY_COLUMNS} FROM notification_deliveries WHERE id = ${id}`);
  return row;
}

// ---- channels (admin) ----

export async function listChannels(db: Executor): Promise<ChannelRow[]> {
  return rows(db, sql`SELECT ${CHANNEL_COLUMNS} FROM notification_channels WHERE deleted_at IS NULL ORDER BY created_at`);
}

export async function insertChannel(
  tx: Tx,
  v: { kind: string; name: string; url: string; secret: string | null; unitId: string | null; events: string[] | null; createdBy: string },
): Promise<ChannelRow> {
  const [row] = await rows<ChannelRow>(
    tx,
    sql`INSERT INTO notification_channels (kind, name, url, secret, unit_id, events, created_by)
        VALUES (${v.kind}, ${v.name}, ${v.url}, ${v.secret}, ${v.unitId}, ${
          v.events
            ? sql`ARRAY[${sql.join(
                v.events.map((e) => sql`${e}`),
                sql`, `,
              )}]::text[]`
            : sql`NULL`
        }, ${v.createdBy})
        RETURNING ${CHANNEL_COLUMNS}`,
  );
  return row!;
}

export async function updateChannel(
  tx: Tx,
  id: string,
  v: Partial<{ kind: string; name: string; url: string; secret: string | null; unitId: string | null; events: string[] | null }>,
): Promise<ChannelRow | undefined> {
  const sets = [sql`updated_at = now()`];
  if (v.kind !== undefined) sets.push(sql`kind = ${v.kind}`);
  if (v.name !== undefined) sets.push(sql`name = ${v.name}`);
  if (v.url !== undefined) sets.push(sql`url = ${v.url}`);
  if (v.secret !== undefined) sets.push(sql`secret = ${v.secret}`);
  if (v.unitId !== undefined) sets.push(sql`unit_id = ${v.unitId}`);
  if (v.events !== undefined)
    sets.push(
      v.events
        ? sql`events = ARRAY[${sql.join(
            v.events.map((e) => sql`${e}`),
            sql`, `,
          )}]::text[]`
        : sql`events = NULL`,
    );
  const [row] = await rows<ChannelRow>(tx, sql`UPDATE notification_channels SET ${sql.join(sets, sql`, `)} WHERE id = ${id} AND deleted_at IS NULL RETURNING ${CHANNEL_COLUMNS}`);
  return row;
}

/** Channels are retired, not erased: their deliveries stay listed. */
export async function retireChannel(tx: Tx, id: string): Promise<boolean> {
  const out = await rows<{ id: string }>(tx, sql`UPDATE notification_channels SET deleted_at = now(), updated_at = now() WHERE id = ${id} AND deleted_at IS NULL RETURNING id`);
  return out.length > 0;
}

// ---- inbox ----

export interface InboxRow {
  id: string;
  event: string;
  draftId: string | null;
  payload: Record<string, unknown>;
  createdAt: Date;
  readAt: Date | null;
}

export async function inboxOf(db: Executor, userId: string, limit: number): Promise<InboxRow[]> {
  return rows(
    db,
    sql`SELECT n.id, n.event, n.draft_id AS "draftId", n.payload, i.created_at AS "createdAt", i.read_at AS "readAt"
        FROM notification_inbox i JOIN notifications n ON n.id = i.notification_id WHERE i.user_id = ${userId}
        ORDER BY i.created_at DESC, n.id LIMIT ${limit}`,
  );
}

export async function unreadCount(db: Executor, userId: string): Promise<number> {
  const [row] = await rows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM notification_inbox WHERE user_id = ${userId} AND read_at IS NULL`);
  return row?.n ?? 0;
}

export async function markRead(db: Executor, userId: string, ids: readonly string[] | 'all'): Promise<number> {
  const out = await rows<{ id: string }>(
    db,
    ids === 'all'
      ? sql`UPDATE notification_inbox SET read_at = now() WHERE user_id = ${userId} AND read_at IS NULL RETURNING notification_id AS id`
      : ids.length === 0
        ? sql`SELECT NULL::uuid AS id WHERE FALSE`
        : sql`UPDATE notification_inbox SET read_at = now() WHERE user_id = ${userId} AND read_at IS NULL AND notification_id IN (${sql.join(
            ids.map((i) => sql`${i}`),
            sql`, `,
          )}) RETURNING notification_id AS id`,
  );
  return out.length;
}

// ---- preferences ----

export async function preferencesOf(db: Executor, userId: string): Promise<PersonRow | undefined> {
  const [row] = await rows<PersonRow>(db, sql`SELECT ${PERSON_COLUMNS} FROM users u LEFT JOIN notification_preferences p ON p.user_id = u.id WHERE u.id = ${userId}`);
  return row;
}

export async function savePreferences(db: Executor, userId: string, v: { emailEnabled: boolean; digest: boolean; quietStart: string | null; quietEnd: string | null }): Promise<void> {
  await db.execute(
    sql`INSERT INTO notification_preferences (user_id, email_enabled, digest, quiet_start, quiet_end) VALUES (${userId}, ${v.emailEnabled}, ${v.digest}, ${v.quietStart}, ${v.quietEnd})
        ON CONFLICT (user_id) DO UPDATE SET email_enabled = EXCLUDED.email_enabled, digest = EXCLUDED.digest, quiet_start = EXCLUDED.quiet_start, quiet_end = EXCLUDED.quiet_end, updated_at = now()`,
  );
}

export async function setUserEmail(tx: Tx, userId: string, email: string | null): Promise<boolean> {
  const out = await rows<{ id: string }>(tx, sql`UPDATE users SET email = ${email} WHERE id = ${userId} RETURNING id`);
  return out.length > 0;
}

// ---- reminders and digests ----

export interface OverdueDraft {
  id: string;
  stage: string;
  round: number;
  stageEnteredAt: Date;
}

/** Drafts in review whose time in stage passed `minHours` at `now`. */
export async function draftsInReviewSince(db: Executor, now: Date, minHours: number, limit: number): Promise<OverdueDraft[]> {
  const found = await rows<OverdueDraft>(
    db,
    sql`SELECT id, stage, round, stage_entered_at AS "stageEnteredAt" FROM drafts
        WHERE status = 'in_review' AND stage IS NOT NULL AND stage_entered_at <= ${new Date(now.getTime() - minHours * 3_600_000)}
        ORDER BY stage_entered_at LIMIT ${limit}`,
  );
  return found.map((d) => ({ ...d, stageEnteredAt: new Date(d.stageEnteredAt) }));
}

/** People who chose the daily digest and have an e-mail address. */
export async function digestSubscribers(db: Executor): Promise<PersonRow[]> {
  return rows(db, sql`SELECT ${PERSON_COLUMNS} FROM users u JOIN notification_preferences p ON p.user_id = u.id WHERE p.digest AND p.email_enabled AND u.email IS NOT NULL AND NOT u.disabled`);
}

/** A person's notifications from `since` on (the digest's content). */
export async function inboxSince(db: Executor, userId: string, since: Date): Promise<InboxRow[]> {
  return rows(
    db,
    sql`SELECT n.id, n.event, n.draft_id AS "draftId", n.payload, i.created_at AS "createdAt", i.read_at AS "readAt"
        FROM notification_inbox i JOIN notifications n ON n.id = i.notification_id WHERE i.user_id = ${userId} AND i.created_at >= ${since}
        ORDER BY i.created_at LIMIT 200`,
  );
}
