import { and, eq, sql } from 'drizzle-orm';
import { appendAuditEvent } from '../db/audit.repository';
import { drafts, findingReports, findings, scopedWhitelist } from '../db/schema';
import type { AuthUser } from '../domain/access';
import { draftChain, SECURITY_CHAIN, auditActor } from '../domain/audit';
import { auditEvent } from '../domain/audit-events';
import { conflict, notFound, validationFailed } from '../domain/errors';
import { addDictionaryTerms, type DictionaryChangeResult } from './dictionaries.service';
import type { ServiceDeps } from './deps';
import { forgetGenreWhitelist, forgetUnitWhitelist } from './scoped-whitelist.service';
import { readableDraft } from './draft-queries.service';

/**
 * Learning from 三审 (issue 11): every waiver and every 报告误报 is a labelled false alarm, every finding that stood on
 * a revision the reviewer returned is a labelled hit. Per rule over the last N days: hits (review/block findings),
 * waived, reported, returned-for, precision = (hits − false alarms) / hits, with recent false-alarm examples. An
 * admin turns a waived phrase into a whitelist entry through the dictionary overlay (versioned, audited, reloaded
 * by the workers like any dictionary change).
 */

type FeedbackDeps = Pick<ServiceDeps, 'db' | 'logger' | 'dictionaryEvents' | 'dictionaryDir'>;

export interface RuleExample {
  findingId: string;
  draftId: string;
  draftNumber: string;
  /** The draft's 体裁 (for a whitelist entry scoped to it), null when none was given. */
  draftGenre: string | null;
  matched: string;
  kind: 'waived' | 'reported';
  reason: string;
  at: string;
}

export interface RuleStat {
  ruleId: string;
  checkId: string;
  category: string;
  hits: number;
  waived: number;
  reported: number;
  returnedFor: number;
  falseAlarms: number;
  /** (hits − false alarms) / hits; null without hits. */
  precision: number | null;
  examples: RuleExample[];
}

export async function ruleFeedback(deps: Pick<ServiceDeps, 'db'>, query: { days: number; check?: string | undefined; limit: number }): Promise<{ days: number; rules: RuleStat[] }> {
  const since = sql`now() - make_interval(days => ${query.days}::int)`;
  const checkFilter = query.check ? sql`AND f.check_id = ${query.check}` : sql``;
  const stats = await deps.db.execute<{ rule_id: string; check_id: string; category: string; hits: number; waived: number; reported: number; returned_for: number; false_alarms: number }>(sql`
    WITH f AS (
      SELECT f.id, f.rule_id, f.check_id, f.category, f.waived_at IS NOT NULL AS waived,
             EXISTS (SELECT 1 FROM finding_reports r WHERE r.finding_id = f.id) AS reported,
             EXISTS (SELECT 1 FROM decisions d WHERE d.revision_id = f.revision_id AND d.action = 'return') AS returned
        FROM findings f
       WHERE f.created_at >= ${since} AND f.severity IN ('block', 'review') ${checkFilter}
    )
    SELECT rule_id, check_id, min(category) AS category, count(*)::int AS hits,
           count(*) FILTER (WHERE waived)::int AS waived,
           count(*) FILTER (WHERE reported)::int AS reported,
           count(*) FILTER (WHERE returned AND NOT waived AND NOT reported)::int AS returned_for,
           count(*) FILTER (WHERE waived OR reported)::int AS false_alarms
      FROM f GROUP BY rule_id, check_id
     ORDER BY count(*) FILTER (WHERE waived OR reported) DESC, count(*) DESC, rule_id
     LIMIT ${query.limit}`);
  const ruleIds = stats.rows.map((r) => r.rule_id);
  const examples = new Map<string, RuleExample[]>();
  if (ruleIds.length > 0) {
    const inList = sql.join(
      ruleIds.map((r) => sql`${r}`),
      sql`, `,
    );
    const ex = await deps.db.execute<{
      rule_id: string;
      id: string;
      draft_id: string;
      number: string;
      genre: string | null;
      matched: string;
      kind: 'waived' | 'reported';
      reason: string;
      at: Date;
    }>(sql`
      SELECT * FROM (
        SELECT x.*, row_number() OVER (PARTITION BY x.rule_id ORDER BY x.at DESC) AS n FROM (
          SELECT f.rule_id, f.id, f.draft_id, d.number, d.genre, f.matched, 'waived' AS kind, coalesce(f.waive_reason, '') AS reason, f.waived_at AS at
            FROM findings f JOIN drafts d ON d.id = f.draft_id
           WHERE f.waived_at >= ${since} AND f.rule_id IN (${inList})
          UNION ALL
          SELECT r.rule_id, f.id, f.draft_id, d.number, d.genre, f.matched, 'reported' AS kind, r.comment AS reason, r.created_at AS at
            FROM finding_reports r JOIN findings f ON f.id = r.finding_id JOIN drafts d ON d.id = f.draft_id
           WHERE r.created_at >= ${since} AND r.rule_id IN (${inList})
        ) x
      ) y WHERE n <= 3`);
    for (const e of ex.rows) {
      const list = examples.get(e.rule_id) ?? [];
      list.push({ findingId: e.id, draftId: e.draft_id, draftNumber: e.number, draftGenre: e.genre, matched: e.matched, kind: e.kind, reason: e.reason, at: new Date(e.at).toISOString() });
      examples.set(e.rule_id, list);
    }
  }
  return {
    days: query.days,
    rules: stats.rows.map((r) => ({
      ruleId: r.rule_id,
      checkId: r.check_id,
      category: r.category,
      hits: r.hits,
      waived: r.waived,
      reported: r.reported,
      returnedFor: r.returned_for,
      falseAlarms: r.false_alarms,
      precision: r.hits > 0 ? Math.round(((r.hits - r.false_alarms) / r.hits) * 1000) / 1000 : null,
      examples: examples.get(r.rule_id) ?? [],
    })),
  };
}

/**
 * 报告误报: a reader of the draft reports a finding as a false alarm (once per person and finding), audited on the
 * draft's chain.
 * @throws DomainError not_found | conflict
 */
export async function reportFalseAlarm(deps: Pick<ServiceDeps, 'db'>, actor: AuthUser, draftId: string, findingId: string, comment: string) {
  await readableDraft(deps.db, actor, draftId);
  return deps.db.transaction(async (tx) => {
    const [f] = await tx
      .select()
      .from(findings)
      .where(and(eq(findings.id, findingId), eq(findings.draftId, draftId)));
    if (!f) throw notFound('问题');
    const inserted = await tx
      .insert(findingReports)
      .values({ findingId, draftId, ruleId: f.ruleId, reporterId: actor.id, comment })
      .onConflictDoNothing()
      .returning({ id: findingReports.id, createdAt: findingReports.createdAt });
    if (inserted.length === 0) throw conflict('您已报告过该误报');
    await appendAuditEvent(tx, {
      chain: draftChain(draftId),
      draftId,
      revisionId: f.revisionId,
      actorId: actor.id,
      actorName: auditActor(actor),
      type: 'finding.false_alarm_reported',
      data: { findingId, checkId: f.checkId, ruleId: f.ruleId, matched: f.matched, comment },
    });
    return { id: inserted[0]!.id, findingId, ruleId: f.ruleId, createdAt: inserted[0]!.createdAt.toISOString() };
  });
}

export const WHITELIST_SCOPES = ['school', 'unit', 'genre'] as const;
export type WhitelistResult = DictionaryChangeResult & { phrase: string; scope: string; id?: string; unitId?: string; genre?: string | null };

/**
 * Turns the phrase of a finding (default: its matched text; an edited phrase must contain it) into a whitelist
 * entry: school-wide through the dictionary overlay, or scoped to the finding's unit or to its draft's genre (体裁).
 * A hit wholly inside a whitelisted phrase is dropped from the next run on (for the scope's drafts).
 * @throws DomainError not_found | validation_failed
 */
export async function whitelistFromFinding(
  deps: FeedbackDeps,
  actor: AuthUser,
  input: { findingId: string; phrase?: string | undefined; scope: (typeof WHITELIST_SCOPES)[number]; note?: string | undefined },
): Promise<WhitelistResult> {
  const [f] = await deps.db.select().from(findings).where(eq(findings.id, input.findingId));
  if (!f) throw notFound('问题');
  const matched = f.matched.trim();
  const phrase = (input.phrase ?? matched).trim();
  if (!phrase) throw validationFailed('该问题没有可加入白名单的文字（元数据类问题请修改规则）');
  if (!phrase.includes(matched)) throw validationFailed(`白名单短语须包含命中文字「${matched}」`, { issues: [{ path: 'phrase', message: `须包含「${matched}」` }] });
  if (input.scope === 'unit' || input.scope === 'genre') {
    // Scoped to the unit, or the genre, of the finding's draft: applied to those revisions only, audited on the
    // security chain; each check result records the version (hash) of the scoped entries it applied.
    const [draft] = await deps.db.select({ unitId: drafts.unitId, genre: drafts.genre }).from(drafts).where(eq(drafts.id, f.draftId));
    const unitId = input.scope === 'unit' ? draft!.unitId : null;
    const genre = input.scope === 'genre' ? draft!.genre : null;
    if (input.scope === 'genre' && !genre) throw validationFailed('该稿件未选择体裁，不能按体裁加入白名单', { issues: [{ path: 'scope', message: '稿件无体裁' }] });
    const label = input.scope === 'unit' ? '本单位' : `体裁「${genre}」`;
    const note = input.note?.trim() || `误报白名单：规则 ${f.ruleId}（来自稿件问题 ${f.id.slice(0, 8)}，范围：${label}）`;
    const created = await deps.db.transaction(async (tx) => {
      const rows = await tx.insert(scopedWhitelist).values({ phrase, unitId, genre, ruleId: f.ruleId, note, createdBy: actor.id }).onConflictDoNothing().returning({ id: scopedWhitelist.id });
      if (rows.length === 0) throw conflict(`该短语已在${label}白名单中`);
      await appendAuditEvent(tx, {
        chain: SECURITY_CHAIN,
        actorId: actor.id,
        actorName: auditActor(actor),
        ...(unitId
          ? auditEvent('dictionary.unit_whitelist_added', { id: rows[0]!.id, phrase, unitId, ruleId: f.ruleId, findingId: f.id })
          : auditEvent('dictionary.genre_whitelist_added', { id: rows[0]!.id, phrase, genre, ruleId: f.ruleId, findingId: f.id })),
      });
      return rows[0]!;
    });
    if (unitId) forgetUnitWhitelist(unitId);
    if (genre) forgetGenreWhitelist(genre);
    return { list: 'whitelist', changeId: 0, version: '', added: 1, removed: 0, rescanId: null, phrase, scope: input.scope, ...(unitId ? { unitId } : { genre }), id: created.id };
  }
  const note = input.note?.trim() || `误报白名单：规则 ${f.ruleId}（来自稿件问题 ${f.id.slice(0, 8)}，范围：全校）`;
  const result = await addDictionaryTerms(deps, actor, 'whitelist', [{ term: phrase, note }]);
  return { ...result, phrase, scope: input.scope };
}
