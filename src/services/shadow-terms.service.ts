import { and, desc, eq, sql } from 'drizzle-orm';
import { appendAuditEvent } from '../db/audit.repository';
import { shadowTerms } from '../db/schema';
import { createCheckEngine } from '../checks/engine';
import { DictionaryError } from '../checks/dictionary/dictionary';
import { composeSources, listKind, listPath, type OverlayTerm } from '../checks/dictionary/overlay';
import type { AuthUser } from '../domain/access';
import { SECURITY_CHAIN, auditActor } from '../domain/audit';
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

export interface NewShadowTerm {
  list: string;
  term: string;
  severity?: Severity | undefined;
  note?: string | undefined;
  flags?: string[] | undefined;
}

function shadowSources(base: Awaited<ReturnType<typeof loadEffectiveDictionary>>, row: { list: string; term: string; severity: string; note: string; flags: string }) {
  const path = listPath(row.list)!;
  const added: OverlayTerm = { list: path, term: row.term, state: 'added', severity: row.severity, note: row.note, flags: row.flags };
  return composeSources(base.sources, [...base.overlay, added]);
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
    await appendAuditEvent(tx, { chain: SECURITY_CHAIN, actorId: actor.id, actorName: auditActor(actor), type: 'dictionary.shadow_added', data: { shadowId: created!.id, list: row.list, term: row.term, severity: row.severity, baseVersion: base.version } });
    return present(created!);
  });
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
  const check = CHECK_OF[row.list.split('.')[0]!]!;
  const category = row.list.slice(row.list.indexOf('.') + 1);
  const ruleId = `${check}:${category}:${row.term}`;
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
  return {
    shadow: present(row),
    ruleId,
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
    await appendAuditEvent(tx, { chain: SECURITY_CHAIN, actorId: actor.id, actorName: auditActor(actor), type: 'dictionary.shadow_promoted', data: { shadowId: id, list: row.list, term: row.term, changeId: result.changeId, version: result.version } });
  });
  return { ...result, shadow: present({ ...row, status: 'promoted', changeId: result.changeId, decidedAt: new Date() }) };
}

/** @throws DomainError not_found | conflict */
export async function discardShadowTerm(deps: ShadowDeps, actor: AuthUser, id: string) {
  const row = await shadowRow(deps, id);
  if (row.status !== 'shadow') throw conflict('该影子词条已处理');
  return deps.db.transaction(async (tx) => {
    const [updated] = await tx.update(shadowTerms).set({ status: 'discarded', decidedBy: actor.id, decidedAt: sql`now()` }).where(and(eq(shadowTerms.id, id), eq(shadowTerms.status, 'shadow'))).returning();
    if (!updated) throw conflict('该影子词条已处理');
    await appendAuditEvent(tx, { chain: SECURITY_CHAIN, actorId: actor.id, actorName: auditActor(actor), type: 'dictionary.shadow_discarded', data: { shadowId: id, list: row.list, term: row.term } });
    return present(updated);
  });
}
