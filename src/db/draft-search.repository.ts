import { and, desc, eq, gte, ilike, inArray, lte, or, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import type { Executor } from './pool';
import { drafts, platforms, units, users } from './schema';

/*
 * Draft lists and search: the desks, filters, keyset cursors and text matching over drafts and revisions.
 */

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
  return sql`ARRAY[${sql.join(
    tokens.map((t) => sql`lower(${t})`),
    sql`, `,
  )}]::text[]`;
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
  const cursor = filter.after ? sql`(${drafts.createdAt}, ${drafts.number}) < (${filter.after.createdAt}::timestamptz, ${filter.after.number})` : undefined;
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
    const parts = await Promise.all([cappedPart(and(rest, scope, extra), cap), cappedPart(and(rest, eq(drafts.authorId, filter.authorId), sql`NOT (${scope})`, extra), cap, false)]);
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
