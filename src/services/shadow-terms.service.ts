import { and, desc, eq, sql } from 'drizzle-orm';
import { appendAuditEvent } from '../db/audit.repository';
import { shadowHits, shadowTerms } from '../db/schema';
import { createCheckEngine, type CheckEngine } from '../checks/engine';
import { DictionaryError } from '../checks/dictionary/dictionary';
import { composeSources, listKind, listPath, type OverlayTerm } from '../checks/dictionary/overlay';
import type { AuthUser } from '../domain/access';
import { SECURITY_CHAIN } from '../domain/audit';
import type { RevisionContent } from '../domain/content';
import { conflict, notFound, validationFailed } from '../domain/errors';
import type { Severity } from '../domain/findings';
import { addDictionaryTerms } from './dictionaries.service';
import type { ServiceDeps } from './deps';
import { loadEffectiveDictionary } from './effective-dictionary.service';

/**
 * 影子规则 (shadow mode, issue 11): a new or changed term runs silently — never on the findings reviewers see — and
 * the admin previews what it would flag on new, in-flight and released drafts before switching it on. Switching on
 * goes through the dictionary overlay (versioned, audited, reloaded by the workers); adding, switching on and
 * discarding a shadow term are security-chain audit events.
 */

type ShadowDeps = Pick<ServiceDeps, 'db' | 'logger' | 'dictionaryEvents' | 'dictionaryDir'>;

const CHECK_OF: Record<string, string> = { sensitive: 'sensitive', secrecy: 'secrecy', advertising: 'advertising', escalation: 'escalation' };
const actorName = (u: AuthUser) => `${u.displayName}（${u.username}）`;

export interface NewShadowTerm {
  list: string;
  term: string;
  severity?: Severity | undefined;
  note?: string | undefined;
  flags?: string[] | undefined;
}

type ShadowLine = { list: string; term: string; severity: string; note: string; flags: string };
const overlayLine = (row: ShadowLine): OverlayTerm => ({ list: listPath(row.list)!, term: row.term, state: 'added', severity: row.severity, note: row.note, flags: row.flags });

function shadowSources(base: Awaited<ReturnType<typeof loadEffectiveDictionary>>, row: ShadowLine) {
  return composeSources(base.sources, [...base.overlay, overlayLine(row)]);
}

/** The rule id a shadow term's findings carry (`sensitive:politics:某词`) and the check that produces them. */
function shadowRule(row: { list: string; term: string }): { check: string; ruleId: string } {
  const check = CHECK_OF[row.list.split('.')[0]!]!;
  return { check, ruleId: `${check}:${row.list.slice(row.list.indexOf('.') + 1)}:${row.term}` };
}

/**
 * The worker's shadow engine: the dictionary in force plus every active shadow term, rebuilt only when the set of
 * shadow terms or the dictionary changes (checked at most every SHADOW_TTL_MS). `null` when no term is in shadow.
 */
const SHADOW_TTL_MS = 2_000;
interface ShadowEngine {
  key: string;
  engine: CheckEngine;
  /** Active shadow terms by check: rule id → shadow id. */
  byCheck: Map<string, Map<string, string>>;
}
let shadowState: { at: number; current: Promise<ShadowEngine | null> } | null = null;
let lastBuilt: ShadowEngine | null = null;

async function buildShadowEngine(deps: Pick<ServiceDeps, 'db' | 'dictionaryDir'>): Promise<ShadowEngine | null> {
  const rows = await deps.db.select().from(shadowTerms).where(eq(shadowTerms.status, 'shadow')).orderBy(shadowTerms.createdAt);
  if (rows.length === 0) return (lastBuilt = null);
  const base = await loadEffectiveDictionary(deps.db, deps.dictionaryDir);
  const key = `${base.version}|${rows.map((r) => r.id).join(',')}`;
  if (lastBuilt?.key === key) return lastBuilt;
  const byCheck = new Map<string, Map<string, string>>();
  for (const r of rows) {
    const { check, ruleId } = shadowRule(r);
    if (!byCheck.has(check)) byCheck.set(check, new Map());
    byCheck.get(check)!.set(ruleId, r.id);
  }
  const engine = createCheckEngine({ sources: composeSources(base.sources, [...base.overlay, ...rows.map(overlayLine)]) });
  return (lastBuilt = { key, engine, byCheck });
}

function shadowEngine(deps: Pick<ServiceDeps, 'db' | 'dictionaryDir'>): Promise<ShadowEngine | null> {
  if (shadowState && Date.now() - shadowState.at < SHADOW_TTL_MS) return shadowState.current;
  const current = buildShadowEngine(deps);
  current.catch(() => (shadowState = null));
  shadowState = { at: Date.now(), current };
  return current;
}

/** Forget the cached shadow set (after an admin adds, promotes or discards one, so this process sees it next run). */
export function forgetShadowTerms(): void {
  shadowState = null;
}

/**
 * Runs the active shadow terms of `checkId` silently on a revision the worker is checking and records what they
 * would have flagged in shadow_hits (idempotent per shadow term, revision and span). Nothing here reaches the
 * findings, the draft's status or a reviewer: the caller records its own result whatever happens here.
 * @returns the number of hits recorded
 */
export async function recordShadowHits(
  deps: Pick<ServiceDeps, 'db' | 'dictionaryDir'>,
  revision: { id: string; draftId: string },
  checkId: string,
  content: RevisionContent,
): Promise<number> {
  const shadow = await shadowEngine(deps);
  const rules = shadow?.byCheck.get(checkId);
  if (!shadow || !rules) return 0;
  const hits = shadow.engine
    .run(checkId, content)
    .findings.filter((f) => rules.has(f.ruleId))
    .slice(0, 50)
    .map((f) => ({ shadowId: rules.get(f.ruleId)!, draftId: revision.draftId, revisionId: revision.id, checkId, severity: f.severity, start: f.start, end: f.end, matched: f.matched }));
  if (hits.length === 0) return 0;
  const inserted = await deps.db.insert(shadowHits).values(hits).onConflictDoNothing().returning({ id: shadowHits.id });
  return inserted.length;
}

/**
 * Adds a shadow term to a term list (sensitive.* / secrecy.* / advertising.* / escalation.*). Checked by the
 * dictionary parser as a line of the list; nothing reviewers see changes.
 * @throws DomainError validation_failed | conflict
 */
export async function addShadowTerm(deps: ShadowDeps, actor: AuthUser, input: NewShadowTerm) {
  const path = listPath(input.list);
  const check = CHECK_OF[input.list.split('.')[0] ?? ''];
  if (!path || listKind(path) !== 'terms' || !check) throw validationFailed('影子规则只用于词表（sensitive.*、secrecy.*、advertising.*、escalation.*）', { issues: [{ path: 'list', message: '不支持的词表' }] });
  if (/[\t\r\n]/.test(input.term)) throw validationFailed('词条含有制表符或换行符');
  const row = { list: input.list, term: input.term.trim(), severity: input.severity ?? '-', note: (input.note ?? '').replace(/[\t\r\n]/g, ' ').trim(), flags: (input.flags ?? []).join(',') };
  const base = await loadEffectiveDictionary(deps.db, deps.dictionaryDir);
  try {
    createCheckEngine({ sources: shadowSources(base, row) });
  } catch (error) {
    if (error instanceof DictionaryError) throw validationFailed('影子词条不合法', { issues: error.issues.map((i) => ({ message: i.message, text: i.text })) });
    throw error;
  }
  return deps.db.transaction(async (tx) => {
    const [existing] = await tx.select({ id: shadowTerms.id }).from(shadowTerms).where(and(eq(shadowTerms.list, row.list), eq(shadowTerms.term, row.term), eq(shadowTerms.status, 'shadow')));
    if (existing) throw conflict('该影子词条已存在');
    const [created] = await tx.insert(shadowTerms).values({ ...row, baseVersion: base.version, createdBy: actor.id }).returning();
    await appendAuditEvent(tx, { chain: SECURITY_CHAIN, actorId: actor.id, actorName: actorName(actor), type: 'dictionary.shadow_added', data: { shadowId: created!.id, list: row.list, term: row.term, severity: row.severity, baseVersion: base.version } });
    return present(created!);
  }).finally(forgetShadowTerms);
}

type ShadowRow = typeof shadowTerms.$inferSelect;
const present = (r: ShadowRow) => ({
  id: r.id,
  list: r.list,
  term: r.term,
  severity: r.severity,
  note: r.note,
  flags: r.flags ? r.flags.split(',') : [],
  status: r.status,
  baseVersion: r.baseVersion,
  createdAt: r.createdAt.toISOString(),
  decidedAt: r.decidedAt?.toISOString() ?? null,
  changeId: r.changeId,
});

export async function listShadowTerms(deps: Pick<ServiceDeps, 'db'>) {
  const rows = await deps.db.select().from(shadowTerms).orderBy(desc(shadowTerms.createdAt)).limit(200);
  return { items: rows.map(present) };
}

async function shadowRow(deps: Pick<ServiceDeps, 'db'>, id: string): Promise<ShadowRow> {
  const [row] = await deps.db.select().from(shadowTerms).where(eq(shadowTerms.id, id));
  if (!row) throw notFound('影子词条');
  return row;
}

/**
 * What the shadow term would flag: the check of its list run with the term over the current revision of the most
 * recent `limit` drafts that are new, in flight or released (findings of the term only; nothing is stored).
 * @throws DomainError not_found
 */
export async function previewShadowTerm(deps: ShadowDeps, id: string, limit: number) {
  const row = await shadowRow(deps, id);
  const base = await loadEffectiveDictionary(deps.db, deps.dictionaryDir);
  const engine = createCheckEngine({ sources: shadowSources(base, row) });
  const { check, ruleId } = shadowRule(row);
  const drafts = await deps.db.execute<{ id: string; number: string; status: string; created_at: Date; title: string; body: string; format: string; origin: unknown; assets: unknown }>(sql`
    SELECT d.id, d.number, d.status, d.created_at, r.title, r.body, r.format, r.origin, r.assets
      FROM drafts d JOIN revisions r ON r.id = d.current_revision_id
     WHERE d.status IN ('checking', 'in_review', 'returned', 'approved', 'released', 'checks_failed')
     ORDER BY d.created_at DESC LIMIT ${limit}`);
  const hits: Array<{ draftId: string; number: string; status: string; title: string; isNew: boolean; findings: Array<{ matched: string; severity: string; start: number; end: number }> }> = [];
  for (const d of drafts.rows) {
    const content = { title: d.title, body: d.body, format: d.format, origin: d.origin, assets: d.assets } as RevisionContent;
    const found = engine.run(check, content).findings.filter((f) => f.ruleId === ruleId);
    if (found.length === 0) continue;
    hits.push({
      draftId: d.id,
      number: d.number,
      status: d.status,
      title: d.title,
      isNew: new Date(d.created_at) >= row.createdAt,
      findings: found.slice(0, 10).map((f) => ({ matched: f.matched, severity: f.severity, start: f.start, end: f.end })),
    });
  }
  const by = (s: string[]) => hits.filter((h) => s.includes(h.status)).length;
  // What the worker recorded as drafts arrived (every revision checked since the term went into shadow).
  const recorded = await deps.db.execute<{ draft_id: string; number: string; status: string; title: string; revision_id: string; matched: string; severity: string; start: number; end: number; created_at: Date }>(sql`
    SELECT h.draft_id, d.number, d.status, d.title, h.revision_id, h.matched, h.severity, h.start, h."end", h.created_at
      FROM shadow_hits h JOIN drafts d ON d.id = h.draft_id
     WHERE h.shadow_id = ${id}
     ORDER BY h.created_at DESC, h.start LIMIT 200`);
  const [recordedCount] = (await deps.db.execute<{ hits: number; drafts: number; revisions: number }>(sql`
    SELECT count(*)::int AS hits, count(DISTINCT draft_id)::int AS drafts, count(DISTINCT revision_id)::int AS revisions FROM shadow_hits WHERE shadow_id = ${id}`)).rows;
  return {
    shadow: present(row),
    ruleId,
    recorded: {
      hits: recordedCount?.hits ?? 0,
      drafts: recordedCount?.drafts ?? 0,
      revisions: recordedCount?.revisions ?? 0,
      items: recorded.rows.map((h) => ({ draftId: h.draft_id, number: h.number, status: h.status, title: h.title, revisionId: h.revision_id, matched: h.matched, severity: h.severity, start: h.start, end: h.end, at: new Date(h.created_at).toISOString() })),
    },
    scanned: drafts.rows.length,
    wouldFlag: hits.length,
    byState: { released: by(['released']), inFlight: by(['checking', 'in_review', 'returned', 'approved', 'checks_failed']), newSinceShadow: hits.filter((h) => h.isNew).length },
    drafts: hits.slice(0, 100),
  };
}

/**
 * Switches a shadow term on: added to its list through the dictionary overlay (new version, audited, announced to
 * the workers, 回溯检查 of released drafts), the shadow row marked promoted with the change id.
 * @throws DomainError not_found | conflict | validation_failed
 */
export async function promoteShadowTerm(deps: ShadowDeps, actor: AuthUser, id: string) {
  const row = await shadowRow(deps, id);
  if (row.status !== 'shadow') throw conflict('该影子词条已处理');
  const result = await addDictionaryTerms(deps, actor, row.list, [{ term: row.term, severity: row.severity === '-' ? undefined : (row.severity as Severity), note: row.note || undefined, flags: row.flags ? row.flags.split(',') : undefined }]);
  await deps.db.transaction(async (tx) => {
    await tx.update(shadowTerms).set({ status: 'promoted', decidedBy: actor.id, decidedAt: sql`now()`, changeId: result.changeId }).where(eq(shadowTerms.id, id));
    await appendAuditEvent(tx, { chain: SECURITY_CHAIN, actorId: actor.id, actorName: actorName(actor), type: 'dictionary.shadow_promoted', data: { shadowId: id, list: row.list, term: row.term, changeId: result.changeId, version: result.version } });
  });
  forgetShadowTerms();
  return { ...result, shadow: present({ ...row, status: 'promoted', changeId: result.changeId, decidedAt: new Date() }) };
}

/** @throws DomainError not_found | conflict */
export async function discardShadowTerm(deps: ShadowDeps, actor: AuthUser, id: string) {
  const row = await shadowRow(deps, id);
  if (row.status !== 'shadow') throw conflict('该影子词条已处理');
  return deps.db.transaction(async (tx) => {
    const [updated] = await tx.update(shadowTerms).set({ status: 'discarded', decidedBy: actor.id, decidedAt: sql`now()` }).where(and(eq(shadowTerms.id, id), eq(shadowTerms.status, 'shadow'))).returning();
    if (!updated) throw conflict('该影子词条已处理');
    await appendAuditEvent(tx, { chain: SECURITY_CHAIN, actorId: actor.id, actorName: actorName(actor), type: 'dictionary.shadow_discarded', data: { shadowId: id, list: row.list, term: row.term } });
    return present(updated);
  }).finally(forgetShadowTerms);
}
