import { and, asc, desc, eq, exists, gte, ilike, inArray, isNull, lte, ne, or, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { RevisionContent } from '../domain/content';
import { conflict, notFound } from '../domain/errors';
import type { Finding } from '../domain/findings';
import type { DecisionRecord, DraftAggregate, DraftStatus, StageId, Transition } from '../domain/workflow';
import { DEFAULT_REVIEW_TIME_ZONE } from '../domain/calendar';
import type { Executor, Tx } from './pool';
import { checkRuns, decisions, drafts, findings, platforms, revisions, units, users } from './schema';

export type DraftRow = typeof drafts.$inferSelect;
export type RevisionRow = typeof revisions.$inferSelect;
export type FindingRow = typeof findings.$inferSelect;
export type DecisionRow = typeof decisions.$inferSelect;
export type CheckRunRow = typeof checkRuns.$inferSelect;

export interface NewSubmission {
  draftId: string;
  revisionId: string;
  platformId: string;
  unitId: string;
  authorId: string;
  major: boolean;
  content: RevisionContent;
  contentHash: string;
  checkIds: readonly string[];
  /** 体裁 (src/shared/genres.ts), optional. */
  genre?: string | null | undefined;
  /** The zone whose calendar year numbers the draft (TZ_REVIEW); default Asia/Shanghai. */
  timeZone?: string | undefined;
  /** Test-only: the instant the running number's year is taken at (default: the database's now()). */
  at?: Date | undefined;
}

export type SubmittedDraftRow = Pick<DraftRow, 'id' | 'number' | 'unitId' | 'status' | 'stage' | 'version' | 'createdAt'>;

/**
 * Writes a new draft in one statement: its 来稿统一编号 (a gap-free running number per year, e.g. 2026-000123),
 * the draft, its first revision and the check runs it owes. The ids come from the caller so the draft can point at
 * its current revision from the start. The year's counter row stays locked until COMMIT (that is what keeps the
 * numbers gap-free), so the caller should do little after this.
 */
export async function insertSubmission(tx: Tx, s: NewSubmission): Promise<SubmittedDraftRow> {
  const { title, body, format, origin, assets } = s.content;
  const media = s.content.media ?? [];
  const notes = s.content.notes ?? [];
  // Check ids are [a-z_]+ (config), so a comma-joined list is an unambiguous single parameter.
  const result = await tx.execute<{ id: string; number: string; unit_id: string; status: string; stage: string | null; version: number; created_at: string }>(sql`
    WITH counter AS (
      INSERT INTO draft_counters (year, last) VALUES (extract(year FROM coalesce(${s.at?.toISOString() ?? null}::timestamptz, now()) AT TIME ZONE ${s.timeZone ?? DEFAULT_REVIEW_TIME_ZONE})::int, 1)
      ON CONFLICT (year) DO UPDATE SET last = draft_counters.last + 1
      RETURNING year || '-' || lpad(last::text, 6, '0') AS number
    ), draft AS (
      INSERT INTO drafts (id, number, title, platform_id, unit_id, author_id, major, genre, status, current_revision_id)
      SELECT ${s.draftId}, counter.number, ${title}, ${s.platformId}, ${s.unitId}, ${s.authorId}, ${s.major}, ${s.genre ?? null}, 'checking', ${s.revisionId}
      FROM counter
      RETURNING id, number, unit_id, status, stage, version, created_at
    ), revision AS (
      INSERT INTO revisions (id, draft_id, number, kind, title, body, format, origin, assets, media, doc_notes, content_hash, created_by)
      SELECT ${s.revisionId}, draft.id, 1, 'submission', ${title}, ${body}, ${format}, ${JSON.stringify(origin)}::jsonb,
             ${JSON.stringify(assets)}::jsonb, ${JSON.stringify(media)}::jsonb, ${JSON.stringify(notes)}::jsonb, ${s.contentHash}, ${s.authorId}
      FROM draft
      RETURNING id, draft_id
    ), owed AS (
      INSERT INTO check_runs (draft_id, revision_id, check_id)
      SELECT revision.draft_id, revision.id, check_id FROM revision, unnest(string_to_array(${s.checkIds.join(',')}, ',')) AS check_id
    )
    SELECT id, number, unit_id, status, stage, version, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at
    FROM draft`);
  const row = result.rows[0];
  if (!row) throw new Error('draft insert returned nothing');
  return {
    id: row.id,
    number: row.number,
    unitId: row.unit_id,
    status: row.status,
    stage: row.stage,
    version: row.version,
    createdAt: new Date(row.created_at),
  };
}

export async function insertRevision(
  tx: Tx,
  values: { draftId: string; kind: string; content: RevisionContent; contentHash: string; createdBy: string; diff?: unknown; note?: string | null },
): Promise<RevisionRow> {
  const next = await tx.execute<{ n: number }>(
    sql`SELECT coalesce(max(number), 0) + 1 AS n FROM revisions WHERE draft_id = ${values.draftId}`,
  );
  const [row] = await tx
    .insert(revisions)
    .values({
      draftId: values.draftId,
      number: next.rows[0]?.n ?? 1,
      kind: values.kind,
      title: values.content.title,
      body: values.content.body,
      format: values.content.format,
      origin: values.content.origin,
      assets: values.content.assets,
      media: values.content.media ?? [],
      docNotes: values.content.notes ?? [],
      contentHash: values.contentHash,
      diff: values.diff ?? null,
      note: values.note ?? null,
      createdBy: values.createdBy,
    })
    .returning();
  if (!row) throw new Error('revision insert returned nothing');
  return row;
}

/** Records the check runs a revision owes; PostgreSQL, not Redis, is what remembers they are owed. */
export async function insertOwedRuns(tx: Tx, draftId: string, revisionId: string, checkIds: readonly string[]): Promise<void> {
  if (checkIds.length === 0) return;
  await tx
    .insert(checkRuns)
    .values(checkIds.map((checkId) => ({ draftId, revisionId, checkId })))
    .onConflictDoNothing();
}

/** Takes the draft's row lock; with `expectedVersion`, refuses a caller that acted on an older state. */
export async function lockDraft(tx: Tx, draftId: string, expectedVersion?: number): Promise<DraftRow> {
  const [row] = await tx.select().from(drafts).where(eq(drafts.id, draftId)).for('update');
  if (!row) throw notFound('稿件');
  if (expectedVersion !== undefined && row.version !== expectedVersion) {
    throw conflict('稿件已被他人更新，请刷新后再操作', { expectedVersion, currentVersion: row.version, status: row.status, stage: row.stage });
  }
  return row;
}

export async function getDraft(db: Executor, draftId: string): Promise<DraftRow | undefined> {
  const [row] = await db.select().from(drafts).where(eq(drafts.id, draftId));
  return row;
}

export async function getRevision(db: Executor, revisionId: string): Promise<RevisionRow | undefined> {
  const [row] = await db.select().from(revisions).where(eq(revisions.id, revisionId));
  return row;
}

export async function listRevisions(db: Executor, draftId: string): Promise<RevisionRow[]> {
  return db.select().from(revisions).where(eq(revisions.draftId, draftId)).orderBy(asc(revisions.number));
}

export async function listDecisions(db: Executor, draftId: string): Promise<DecisionRow[]> {
  return db.select().from(decisions).where(eq(decisions.draftId, draftId)).orderBy(asc(decisions.seq));
}

export async function listRuns(db: Executor, revisionId: string): Promise<CheckRunRow[]> {
  return db.select().from(checkRuns).where(eq(checkRuns.revisionId, revisionId)).orderBy(asc(checkRuns.checkId));
}

export async function listFindings(db: Executor, revisionId: string): Promise<FindingRow[]> {
  return db
    .select()
    .from(findings)
    .where(eq(findings.revisionId, revisionId))
    .orderBy(asc(findings.startOffset), asc(findings.checkId));
}

/** Everything the pure workflow needs, read under the caller's lock. */
export async function loadAggregate(tx: Executor, draft: DraftRow, current?: RevisionRow): Promise<DraftAggregate & { revision: RevisionRow }> {
  if (!draft.currentRevisionId) throw new Error(`draft ${draft.id} has no revision`);
  // Revisions are immutable: a caller that already read the current one passes it in.
  const revision = current?.id === draft.currentRevisionId ? current : await getRevision(tx, draft.currentRevisionId);
  if (!revision) throw new Error(`draft ${draft.id} revision missing`);
  // Sequential on purpose: inside a transaction every query shares one connection.
  const decisionRows = await listDecisions(tx, draft.id);
  // A `never` finding counts as unwaived whatever its row says (a waiver from before policies existed).
  const counts = await tx.execute<{ owed: number; blocking: number; never: number; propaganda: number; stage: number; level: string | null; author_staff_id: string | null }>(sql`
      WITH b AS (SELECT coalesce(waiver_policy, 'stage') AS policy FROM findings WHERE revision_id = ${revision.id}
                  AND severity = 'block' AND (waived_at IS NULL OR waiver_policy = 'never'))
      SELECT (SELECT count(*)::int FROM check_runs WHERE revision_id = ${revision.id} AND status <> 'done') AS owed,
             (SELECT count(*)::int FROM b) AS blocking,
             (SELECT count(*)::int FROM b WHERE policy = 'never') AS never,
             (SELECT count(*)::int FROM b WHERE policy = 'propaganda') AS propaganda,
             (SELECT count(*)::int FROM b WHERE policy NOT IN ('never', 'propaganda')) AS stage,
             (SELECT level FROM platforms WHERE id = ${draft.platformId}) AS level,
             (SELECT staff_id FROM users WHERE id = ${draft.authorId}) AS author_staff_id`);
  const c = counts.rows[0];
  return {
    authorId: draft.authorId,
    authorStaffId: c?.author_staff_id ?? null,
    unitId: draft.unitId,
    major: draft.major,
    escalated: draft.escalated,
    status: draft.status as DraftStatus,
    stage: draft.stage as StageId | null,
    round: draft.round,
    everReleased: draft.everReleased,
    revisionHash: revision.contentHash,
    decisions: decisionRows.map(
      (d): DecisionRecord => ({
        stage: d.stage as StageId,
        action: d.action as DecisionRecord['action'],
        actorId: d.actorId,
        actorStaffId: d.actorStaffId,
        revisionHash: d.revisionHash,
        round: d.round,
      }),
    ),
    checksOwed: c?.owed ?? 0,
    blockingUnwaived: c?.blocking ?? 0,
    blockingByPolicy: { never: c?.never ?? 0, propaganda: c?.propaganda ?? 0, stage: c?.stage ?? 0 },
    platformLevel: c?.level === 'school' ? 'school' : 'unit',
    revision,
  };
}

/** Persists a transition and bumps the version; returns the new row. */
export async function saveTransition(
  tx: Tx,
  draft: DraftRow,
  t: Transition,
  extra: Partial<Pick<DraftRow, 'currentRevisionId' | 'title' | 'releasedHash' | 'releasedAt'>> = {},
): Promise<DraftRow> {
  const stageChanged = t.status !== draft.status || t.stage !== draft.stage;
  const [row] = await tx
    .update(drafts)
    .set({
      status: t.status,
      stage: t.stage,
      round: t.round,
      escalated: t.escalated,
      everReleased: t.everReleased,
      version: draft.version + 1,
      updatedAt: sql`now()`,
      ...(stageChanged ? { stageEnteredAt: sql`now()` } : {}),
      ...extra,
    })
    .where(eq(drafts.id, draft.id))
    .returning();
  if (!row) throw new Error('draft update returned nothing');
  return row;
}

export async function insertDecision(tx: Tx, values: typeof decisions.$inferInsert): Promise<DecisionRow> {
  const [row] = await tx.insert(decisions).values(values).returning();
  if (!row) throw new Error('decision insert returned nothing');
  return row;
}

/** Locks one owed run; `undefined` when it does not exist. */
/** The draft whose revision owes these runs (no lock), or undefined when the revision owes none. */
export async function draftOfRuns(db: Executor, revisionId: string): Promise<string | undefined> {
  const [row] = await db.select({ draftId: checkRuns.draftId }).from(checkRuns).where(eq(checkRuns.revisionId, revisionId)).limit(1);
  return row?.draftId;
}

export async function lockRun(tx: Tx, revisionId: string, checkId: string): Promise<CheckRunRow | undefined> {
  const [row] = await tx
    .select()
    .from(checkRuns)
    .where(and(eq(checkRuns.revisionId, revisionId), eq(checkRuns.checkId, checkId)))
    .for('update');
  return row;
}

/** Findings per INSERT: PostgreSQL takes at most 65,535 bind parameters per statement (15 per finding here). */
const FINDINGS_PER_INSERT = 1_000;

export interface CompletedRun {
  run: CheckRunRow;
  rulesetVersion: string;
  findings: Finding[];
}

/** Records several runs of one revision as done with their findings: one INSERT per 1,000 findings, one UPDATE. */
export async function completeRuns(tx: Tx, done: readonly CompletedRun[]): Promise<void> {
  if (done.length === 0) return;
  const rows = done.flatMap(({ run, findings: found }) => found.map((f) => ({ run, f })));
  for (let from = 0; from < rows.length; from += FINDINGS_PER_INSERT) {
    await tx.insert(findings).values(
      rows.slice(from, from + FINDINGS_PER_INSERT).map(({ run, f }) => ({
        draftId: run.draftId,
        revisionId: run.revisionId,
        checkId: run.checkId,
        category: f.category,
        severity: f.severity,
        startOffset: f.start,
        endOffset: f.end,
        source: f.source,
        matched: f.matched,
        ruleId: f.ruleId,
        rulesetVersion: f.rulesetVersion,
        message: f.message,
        suggestion: f.suggestion ?? null,
        escalate: f.escalate ?? false,
        evidence: f.evidence ?? null,
        waiverPolicy: f.waiverPolicy ?? null,
      })),
    );
  }
  const values = sql.join(
    done.map((d) => sql`(${d.run.revisionId}::uuid, ${d.run.checkId}::text, ${d.rulesetVersion}::text)`),
    sql`, `,
  );
  await tx.execute(sql`
    UPDATE check_runs AS c
       SET status = 'done', ruleset_version = v.version, error = NULL, finished_at = now(), updated_at = now()
      FROM (VALUES ${values}) AS v(revision_id, check_id, version)
     WHERE c.revision_id = v.revision_id AND c.check_id = v.check_id`);
}

/** Locks every run of one revision, in primary-key order (the order every writer uses). */
export async function lockRuns(tx: Tx, revisionId: string): Promise<CheckRunRow[]> {
  return tx.select().from(checkRuns).where(eq(checkRuns.revisionId, revisionId)).orderBy(asc(checkRuns.checkId)).for('update');
}

/**
 * Counts one more attempt at each of the given runs still pending, in one statement outside any long transaction.
 * @returns check id → its new attempt count (runs no longer pending are absent)
 */
export async function claimRuns(db: Executor, revisionId: string, checkIds: readonly string[]): Promise<Map<string, number>> {
  const rows = await db
    .update(checkRuns)
    .set({ attempts: sql`${checkRuns.attempts} + 1`, updatedAt: sql`now()` })
    .where(and(eq(checkRuns.revisionId, revisionId), inArray(checkRuns.checkId, [...new Set(checkIds)]), eq(checkRuns.status, 'pending')))
    .returning({ checkId: checkRuns.checkId, attempts: checkRuns.attempts });
  return new Map(rows.map((r) => [r.checkId, r.attempts]));
}

export interface RevisionToCheck {
  revision: RevisionRow;
  unitId: string;
  platformId: string;
  /** The draft's 体裁, if given. */
  genre: string | null;
  /** Checks with a pending run. */
  owed: string[];
}

/** What the checks of a revision need, in one query: its content, its draft's unit and platform, the runs it owes. */
export async function revisionToCheck(db: Executor, revisionId: string): Promise<RevisionToCheck | undefined> {
  const [row] = await db
    .select({
      revision: revisions,
      unitId: drafts.unitId,
      platformId: drafts.platformId,
      genre: drafts.genre,
      owed: sql<string[]>`array(SELECT check_id FROM check_runs WHERE revision_id = ${revisions.id} AND status = 'pending')`,
    })
    .from(revisions)
    .innerJoin(drafts, eq(drafts.id, revisions.draftId))
    .where(eq(revisions.id, revisionId));
  return row;
}

export async function failRun(tx: Tx, run: CheckRunRow, error: string): Promise<void> {
  await tx
    .update(checkRuns)
    .set({ status: 'failed', error: error.slice(0, 500), finishedAt: sql`now()`, updatedAt: sql`now()` })
    .where(and(eq(checkRuns.revisionId, run.revisionId), eq(checkRuns.checkId, run.checkId)));
}

export async function resetFailedRuns(tx: Tx, revisionId: string): Promise<string[]> {
  const rows = await tx
    .update(checkRuns)
    .set({ status: 'pending', attempts: 0, error: null, finishedAt: null, updatedAt: sql`now()` })
    .where(and(eq(checkRuns.revisionId, revisionId), ne(checkRuns.status, 'done')))
    .returning({ checkId: checkRuns.checkId });
  return rows.map((r) => r.checkId);
}

/** Owed runs untouched for a while: candidates for the sweeper. */
export async function stalePendingRuns(db: Executor, olderThanMs: number, limit: number): Promise<CheckRunRow[]> {
  return db
    .select()
    .from(checkRuns)
    .where(
      and(
        eq(checkRuns.status, 'pending'),
        lte(checkRuns.updatedAt, sql`now() - make_interval(secs => ${olderThanMs / 1000})`),
      ),
    )
    .orderBy(asc(checkRuns.updatedAt))
    .limit(limit);
}

export async function touchRun(db: Executor, revisionId: string, checkId: string): Promise<void> {
  await db
    .update(checkRuns)
    .set({ updatedAt: sql`now()` })
    .where(and(eq(checkRuns.revisionId, revisionId), eq(checkRuns.checkId, checkId)));
}

export async function lockFinding(tx: Tx, findingId: string): Promise<FindingRow | undefined> {
  const [row] = await tx.select().from(findings).where(eq(findings.id, findingId)).for('update');
  return row;
}

export async function waiveFindingRow(tx: Tx, findingId: string, userId: string, reason: string): Promise<void> {
  await tx
    .update(findings)
    .set({ waivedBy: userId, waivedAt: sql`now()`, waiveReason: reason })
    .where(and(eq(findings.id, findingId), isNull(findings.waivedAt)));
}

export interface DraftListFilter {
  status?: string | undefined;
  stage?: string | undefined;
  unitId?: string | undefined;
  platformId?: string | undefined;
  text?: string | undefined;
  /** Drafts on which a reviewer whose display name, username or staff id contains this made a decision. */
  reviewer?: string | undefined;
  /** An instant, or a calendar day (YYYY-MM-DD) taken in `timeZone`: from its first moment. */
  from?: Date | string | undefined;
  /** An instant (inclusive), or a calendar day (YYYY-MM-DD) taken in `timeZone`: through its last moment. */
  to?: Date | string | undefined;
  /** IANA zone for day filters (TZ_REVIEW). */
  timeZone?: string | undefined;
  /** Restricts to these units (null = school-wide). */
  unitScope: string[] | null;
  /** Also show drafts by this author regardless of unit. */
  authorId?: string | undefined;
  limit: number;
  /** Only drafts written by `authorId`. */
  mine?: boolean | undefined;
  /** Keyset position: the last row of the previous page (newest first). */
  after?: ListCursor | undefined;
  /** Count at most this many matches (the first page only); more reads as "cap+". 0 = do not count. */
  countCap?: number | undefined;
}

/** Where a page ended: created_at as PostgreSQL prints it (microseconds kept) and the unique 来稿编号. */
export interface ListCursor {
  createdAt: string;
  number: string;
}

export interface DraftListItem {
  id: string;
  number: string;
  title: string;
  status: string;
  stage: string | null;
  version: number;
  major: boolean;
  genre: string | null;
  escalated: boolean;
  unitId: string;
  unitName: string;
  platformId: string;
  platformName: string;
  authorId: string;
  authorName: string;
  createdAt: Date;
  updatedAt: Date;
  stageEnteredAt: Date;
}

/** Columns of a draft as lists and the board show it: the draft with its unit, platform and author names. */
export const DRAFT_CARD_COLUMNS = {
  id: drafts.id,
  number: drafts.number,
  title: drafts.title,
  status: drafts.status,
  stage: drafts.stage,
  version: drafts.version,
  major: drafts.major,
  genre: drafts.genre,
  escalated: drafts.escalated,
  unitId: drafts.unitId,
  unitName: units.name,
  platformId: drafts.platformId,
  platformName: platforms.name,
  authorId: drafts.authorId,
  authorName: users.displayName,
  createdAt: drafts.createdAt,
  updatedAt: drafts.updatedAt,
  stageEnteredAt: drafts.stageEnteredAt,
};

/** Drafts of these units, or written by `authorId`; `null` scope means the whole school. */
export function visibleDrafts(unitScope: readonly string[] | null | undefined, authorId?: string): SQL | undefined {
  if (!unitScope) return undefined;
  const scope = unitScope.length > 0 ? inArray(drafts.unitId, [...unitScope]) : sql`false`;
  return authorId ? or(scope, eq(drafts.authorId, authorId)) : scope;
}

/**
 * The tokens a search for `text` asks the token index for (sanshen_search_tokens, migration 0004): every pair of
 * adjacent characters, and the single characters only when the text is one character. Every character of a longer
 * text is inside one of its pairs, so the rows found are the same as with all tokens; but a single character is the
 * commonest kind of token, and GIN walks the posting list of each token asked for (at 1M drafts a 12-character
 * phrase's 24 tokens cost 390 ms in the index alone). ILIKE then confirms the substring.
 */
export function searchTokens(text: string): SQL {
  // Pairs of code points (PostgreSQL's characters), each lower-cased by PostgreSQL as the index's tokens were; a
  // literal array, so the planner sees the tokens (as it did the immutable sanshen_search_tokens(text)).
  const chars = Array.from(text);
  const tokens = chars.length < 2 ? chars : chars.slice(1).map((c, i) => `${chars[i]}${c}`);
  return sql`ARRAY[${sql.join(tokens.map((t) => sql`lower(${t})`), sql`, `)}]::text[]`;
}

/** LIKE pattern for a literal substring. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Drafts whose number, title or (any revision's) body contains `text`, served by the token indexes: every
 * character and character pair of the text must be in the row's tokens (GIN), then ILIKE confirms the substring.
 */
export function draftTextMatches(text: string): SQL {
  const pattern = likePattern(text);
  const tokens = searchTokens(text);
  return sql`${drafts.id} IN (
    SELECT d.id FROM drafts d
      WHERE sanshen_search_tokens(d.number || ' ' || d.title) @> ${tokens} AND (d.title ILIKE ${pattern} OR d.number ILIKE ${pattern})
    UNION
    SELECT r.draft_id FROM revisions r WHERE sanshen_search_tokens(r.body) @> ${tokens} AND r.body ILIKE ${pattern})`;
}

/** A case-insensitive substring search over the given columns, with LIKE's wildcards taken literally. */
export function textMatches(text: string, columns: readonly AnyColumn[]): SQL | undefined {
  const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return or(...columns.map((column) => ilike(column, pattern)));
}

/** How many of the newest drafts (under the other filters) a text/reviewer search reads before it asks the indexes. */
const SEARCH_WINDOW = 2_000;

/** A day (YYYY-MM-DD) filter as the instant its day starts in `zone`; `nextDay` for the start of the day after. */
function dayStart(day: string, zone: string, nextDay = false): SQL {
  return sql`((${day}::date + ${nextDay ? 1 : 0}::int)::timestamp AT TIME ZONE ${zone}::text)`;
}
const isDay = (v: Date | string): v is string => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v);

/**
 * One page of drafts, newest first, by keyset (`after`) rather than OFFSET, and on the first page a count of matches
 * capped at `countCap` (so no page counts the whole archive). Every filter is served by an index (migration 0004).
 */
export async function listDrafts(
  db: Executor,
  filter: DraftListFilter,
): Promise<{ items: Array<DraftListItem & { cursor: ListCursor }>; total: number | null; totalCapped: boolean; nextCursor: ListCursor | null }> {
  const where: SQL[] = [];
  const zone = filter.timeZone ?? 'Asia/Shanghai';
  if (filter.status) where.push(eq(drafts.status, filter.status));
  if (filter.stage) where.push(eq(drafts.stage, filter.stage));
  if (filter.unitId) where.push(eq(drafts.unitId, filter.unitId));
  if (filter.platformId) where.push(eq(drafts.platformId, filter.platformId));
  if (filter.from) where.push(isDay(filter.from) ? sql`${drafts.createdAt} >= ${dayStart(filter.from, zone)}` : gte(drafts.createdAt, new Date(filter.from)));
  if (filter.to) where.push(isDay(filter.to) ? sql`${drafts.createdAt} < ${dayStart(filter.to, zone, true)}` : lte(drafts.createdAt, new Date(filter.to)));
  if (filter.mine && filter.authorId) where.push(eq(drafts.authorId, filter.authorId));
  const rest = where.length > 0 ? and(...where) : undefined;
  const visible = visibleDrafts(filter.unitScope, filter.authorId);
  const base = and(rest, visible);
  const cursor = filter.after
    ? sql`(${drafts.createdAt}, ${drafts.number}) < (${filter.after.createdAt}::timestamptz, ${filter.after.number})`
    : undefined;
  const selectPage = (condition: SQL | undefined) =>
    db
      .select({ ...DRAFT_CARD_COLUMNS, cursorAt: sql<string>`${drafts.createdAt}::text` })
      .from(drafts)
      .innerJoin(units, eq(units.id, drafts.unitId))
      .innerJoin(platforms, eq(platforms.id, drafts.platformId))
      .innerJoin(users, eq(users.id, drafts.authorId))
      .where(condition)
      .orderBy(desc(drafts.createdAt), desc(drafts.number))
      .limit(filter.limit + 1);
  // A capped count in the list's own order, so the planner walks the same index and stops after cap + 1 (never a heap
  // scan that hopes to meet matches early: open drafts are the newest, at the end of the heap).
  const cappedPart = (condition: SQL | undefined, cap: number, ordered = true) =>
    db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM (
      SELECT 1 FROM drafts WHERE ${condition ?? sql`true`} ${ordered ? sql`ORDER BY ${drafts.createdAt} DESC, ${drafts.number} DESC` : sql``} LIMIT ${cap + 1}) AS capped`);
  // "Of my units, or mine" counted along the list index filters every draft of the other units (a reviewer of one
  // unit of 30 at 1M drafts: 290k rows, 150 ms). Counted instead as two disjoint parts, each along its own index; the
  // second (own drafts outside the units: usually none) unordered, so drafts_author_unit_idx alone answers it.
  const cappedCount = async (extra: SQL | undefined, cap: number) => {
    if (!(filter.unitScope && filter.authorId)) return cappedPart(and(base, extra), cap);
    const scope = visibleDrafts(filter.unitScope)!;
    const parts = await Promise.all([
      cappedPart(and(rest, scope, extra), cap),
      cappedPart(and(rest, eq(drafts.authorId, filter.authorId), sql`NOT (${scope})`, extra), cap, false),
    ]);
    return { rows: [{ n: parts.reduce((n, p) => n + (p.rows[0]?.n ?? 0), 0) }] };
  };
  const cap = filter.after ? 0 : (filter.countCap ?? 0);
  let rows: Awaited<ReturnType<typeof selectPage>>;
  let counted: { rows: Array<{ n: number }> } | null = null;
  // Text and reviewer filters may match much of the archive or almost nothing. A common one fills the page from the
  // newest drafts: look among the newest SEARCH_WINDOW (under the other filters) first, one index probe each (bounded
  // work). Only when they hold less than a page, ask the indexes for every match (then matches are few).
  const inWindow: SQL[] = [];
  const everywhere: SQL[] = [];
  if (filter.text) {
    const pattern = likePattern(filter.text);
    inWindow.push(sql`(w.title ILIKE ${pattern} OR w.number ILIKE ${pattern}
      OR (SELECT bool_or(r.body ILIKE ${pattern}) FROM revisions r WHERE r.draft_id = w.id))`);
    everywhere.push(draftTextMatches(filter.text));
  }
  if (filter.reviewer) {
    const pattern = likePattern(filter.reviewer);
    // Users are few and matched first (an InitPlan); decisions by decisions_draft_idx (window) or decisions_actor_idx.
    const reviewers = sql`ARRAY(SELECT u.id FROM users u WHERE u.display_name ILIKE ${pattern} OR u.username ILIKE ${pattern} OR u.staff_id ILIKE ${pattern})`;
    inWindow.push(sql`(SELECT bool_or(dc.actor_id = ANY(${reviewers})) FROM decisions dc WHERE dc.draft_id = w.id)`);
    everywhere.push(sql`${drafts.id} IN (SELECT dc.draft_id FROM decisions dc WHERE dc.actor_id IN (
      SELECT u.id FROM users u WHERE u.display_name ILIKE ${pattern} OR u.username ILIKE ${pattern} OR u.staff_id ILIKE ${pattern}))`);
  }
  if (inWindow.length > 0) {
    // The correlated scalar subqueries are on purpose: an EXISTS here would be hashed over every revision/decision.
    const windowed = sql`${drafts.id} IN (
      SELECT w.id FROM (SELECT id, title, number FROM drafts WHERE ${and(base, cursor) ?? sql`true`}
                        ORDER BY created_at DESC, number DESC LIMIT ${SEARCH_WINDOW}) AS w
      WHERE ${and(...inWindow)})`;
    rows = await selectPage(and(base, cursor, windowed));
    if (rows.length <= filter.limit) {
      const all = and(base, ...everywhere);
      [rows, counted] = await Promise.all([selectPage(and(all, cursor)), cap > 0 ? cappedCount(and(...everywhere), cap) : Promise.resolve(null)]);
    }
    // else: not counted (total null): counting a filter this common would read much of the archive.
  } else {
    [rows, counted] = await Promise.all([selectPage(and(base, cursor)), cap > 0 ? cappedCount(undefined, cap) : Promise.resolve(null)]);
  }
  const more = rows.length > filter.limit;
  const items = rows.slice(0, filter.limit).map(({ cursorAt, ...r }) => ({ ...r, cursor: { createdAt: cursorAt, number: r.number } }));
  const n = counted ? (counted.rows[0]?.n ?? 0) : null;
  return {
    items,
    total: n === null ? null : Math.min(n, cap),
    totalCapped: n !== null && n > cap,
    nextCursor: more ? (items[items.length - 1]?.cursor ?? null) : null,
  };
}
