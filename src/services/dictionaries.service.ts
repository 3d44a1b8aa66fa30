import { appendAuditEvent } from '../db/audit.repository';
import { insertChange, insertRescan, lastChange, listOverlay, lockDictionaries, upsertOverlay } from '../db/dictionary.repository';
import { DictionaryError, parseDictionaries, type Dictionaries } from '../checks/dictionary/dictionary';
import { BANNED_NAMES_PATH, listKey, listPath, WHITELIST_PATH, type OverlayTerm } from '../checks/dictionary/overlay';
import type { AuthUser } from '../domain/access';
import { SECURITY_CHAIN } from '../domain/audit';
import { notFound, validationFailed } from '../domain/errors';
import type { Severity } from '../domain/findings';
import { afterCommit, type ServiceDeps } from './deps';
import { composeEffective, DEFAULT_DICTIONARY_DIR, loadBaseline, loadEffectiveDictionary, type EffectiveDictionary } from './effective-dictionary.service';

type DictionaryDeps = Pick<ServiceDeps, 'db' | 'logger' | 'dictionaryEvents' | 'dictionaryDir'>;

/** One term as stored in a list. */
export interface DictionaryTerm {
  term: string;
  severity: Severity | null;
  note: string;
  flags: string[];
  /** `baseline` = shipped file, `admin` = added through the API. */
  source: 'baseline' | 'admin';
  line: number;
}

export interface NewTerm {
  term: string;
  severity?: Severity | undefined;
  note?: string | undefined;
  flags?: string[] | undefined;
}

export interface DictionaryChangeResult {
  list: string;
  changeId: number | null;
  version: string;
  added: number;
  removed: number;
  /** 回溯检查 started for the added terms (null: nothing added, or a list that is not rescanned). */
  rescanId: string | null;
}

/** A line problem as the API reports it: `line` for imports, `index` (0-based) for term arrays. */
interface LineIssue {
  line?: number;
  index?: number;
  term?: string;
  message: string;
  text?: string;
}

const MAX_ISSUES = 200;
const AUDIT_TERMS = 200;

const actorName = (u: AuthUser) => `${u.displayName}（${u.username}）`;
const dirOf = (deps: DictionaryDeps) => deps.dictionaryDir ?? DEFAULT_DICTIONARY_DIR;

function resolveList(key: string): string {
  const path = listPath(key);
  if (!path) throw notFound('词表');
  return path;
}

/** Terms currently in one list of the effective dictionary, keyed by term. */
function termsOf(dicts: Dictionaries, path: string): Map<string, DictionaryTerm> {
  const out = new Map<string, DictionaryTerm>();
  if (path === WHITELIST_PATH) {
    for (const w of dicts.whitelist) out.set(w.term, { term: w.term, severity: null, note: w.note, flags: [], source: 'baseline', line: w.line });
    return out;
  }
  const entries =
    path === BANNED_NAMES_PATH ? dicts.bannedNames : [...dicts.sensitive, ...dicts.secrecy, ...dicts.advertising, ...dicts.escalation].find((l) => l.file === path)?.entries ?? [];
  for (const e of entries) {
    const flags = [...(e.flags.pinyin ? ['py'] : []), ...(e.flags.segment ? ['seg'] : []), ...(e.flags.exact ? ['exact'] : []), ...(e.flags.weight !== undefined ? [`weight=${e.flags.weight}`] : [])];
    out.set(e.term, { term: e.term, severity: e.severity, note: e.note, flags, source: 'baseline', line: e.line });
  }
  return out;
}

function withSources(effective: EffectiveDictionary, path: string): Map<string, DictionaryTerm> {
  const terms = termsOf(effective.dicts, path);
  for (const row of effective.overlay) {
    const t = row.list === path && row.state === 'added' ? terms.get(row.term) : undefined;
    if (t) t.source = 'admin';
  }
  return terms;
}

/** A list's kind and category from its path: `sensitive/politics.txt` → sensitive, politics. */
function describe(path: string, dicts: Dictionaries) {
  const key = listKey(path)!;
  const [kind, category] = key === 'whitelist' ? ['whitelist', 'whitelist'] : (key.split('.') as [string, string]);
  const list = [...dicts.sensitive, ...dicts.secrecy, ...dicts.advertising, ...dicts.escalation].find((l) => l.file === path);
  const label = list?.label ?? (path === WHITELIST_PATH ? '白名单' : path === BANNED_NAMES_PATH ? '禁用人名' : category);
  return { key, kind, category, label, file: path };
}

/** Lists, counts and version of the dictionary in force (admin, 宣传部, auditors). */
export async function listDictionaries(deps: DictionaryDeps) {
  const effective = await loadEffectiveDictionary(deps.db, dirOf(deps));
  const lists = Object.keys(effective.sources)
    .filter((path) => listKey(path) !== undefined)
    .sort()
    .map((path) => {
      const rows = effective.overlay.filter((r) => r.list === path);
      return {
        ...describe(path, effective.dicts),
        terms: termsOf(effective.dicts, path).size,
        added: rows.filter((r) => r.state === 'added').length,
        removed: rows.filter((r) => r.state === 'removed').length,
      };
    });
  const last = await lastChange(deps.db);
  return {
    version: effective.version,
    changeId: effective.changeId,
    lastChangedAt: last?.createdAt.toISOString() ?? null,
    lists,
  };
}

/** One list's terms, searchable and paginated. @throws DomainError not_found */
export async function listDictionaryTerms(deps: DictionaryDeps, key: string, query: { q?: string | undefined; offset: number; limit: number }) {
  const path = resolveList(key);
  const effective = await loadEffectiveDictionary(deps.db, dirOf(deps));
  if (!(path in effective.sources)) throw notFound('词表');
  let items = [...withSources(effective, path).values()];
  const q = query.q?.trim().toLowerCase();
  if (q) items = items.filter((t) => t.term.toLowerCase().includes(q) || t.note.toLowerCase().includes(q));
  return { list: key, version: effective.version, total: items.length, offset: query.offset, limit: query.limit, items: items.slice(query.offset, query.offset + query.limit) };
}

/** Checks candidate lines with the dictionary parser itself, so the API accepts exactly what the files accept. */
function parseCandidate(path: string, content: string): { issues: LineIssue[]; dicts?: Dictionaries } {
  try {
    return { issues: [], dicts: parseDictionaries({ [path]: content }) };
  } catch (error) {
    if (!(error instanceof DictionaryError)) throw error;
    return { issues: error.issues.map((i) => ({ line: i.line, message: i.message, text: i.text })) };
  }
}

function rejectIssues(message: string, issues: LineIssue[]): never {
  throw validationFailed(message, { issues: issues.slice(0, MAX_ISSUES), total: issues.length });
}

/** Lists a change to the added terms is rescanned for: not the whitelist (it only removes hits) nor adverts (scored). */
const rescannable = (path: string) => path !== WHITELIST_PATH && !path.startsWith('advertising/');

interface Plan {
  action: 'add' | 'remove' | 'import';
  rows: OverlayTerm[];
  report?: Record<string, unknown>;
}

/**
 * Applies one change under the dictionary lock: re-reads the overlay, lets `plan` validate against the
 * dictionary in force, composes and re-parses the result, then writes overlay rows, the change log, the rescan
 * record and one security audit event in the same transaction. Announces over Redis only after COMMIT.
 */
async function commitChange(deps: DictionaryDeps, actor: AuthUser, path: string, plan: (before: EffectiveDictionary) => Plan): Promise<DictionaryChangeResult & Record<string, unknown>> {
  const baseline = await loadBaseline(dirOf(deps));
  const key = listKey(path)!;
  const committed = await deps.db.transaction(async (tx) => {
    await lockDictionaries(tx);
    const overlay = await listOverlay(tx);
    const before = composeEffective(baseline, overlay, 0);
    const { action, rows, report } = plan(before);
    if (rows.length === 0) return { result: { list: key, changeId: null, version: before.version, added: 0, removed: 0, rescanId: null, ...report }, announce: null };

    // Same order as the table's ids: updated rows keep their place, new rows go last.
    const id = (t: OverlayTerm) => `${t.list}\0${t.term}`;
    const changed = new Map(rows.map((r) => [id(r), r]));
    const merged = overlay.map((o) => changed.get(id(o)) ?? o);
    const existing = new Set(overlay.map(id));
    for (const r of rows) if (!existing.has(id(r))) merged.push(r);
    let after: EffectiveDictionary;
    try {
      after = composeEffective(baseline, merged, 0);
    } catch (error) {
      if (error instanceof DictionaryError) rejectIssues('词表变更后无法解析', error.issues.map((i) => ({ line: i.line, message: i.message, text: i.text })));
      throw error;
    }
    const added = rows.filter((r) => r.state === 'added').map((r) => r.term);
    const removed = rows.filter((r) => r.state === 'removed').map((r) => r.term);
    const change = await insertChange(tx, { action, list: path, terms: rows.map((r) => r.term), versionBefore: before.version, versionAfter: after.version, actorId: actor.id });
    await upsertOverlay(tx, rows, change.id, actor.id);
    const rescan =
      added.length > 0 && rescannable(path)
        ? await insertRescan(tx, { changeId: change.id, terms: added.map((term) => ({ list: path, term })), createdBy: actor.id })
        : null;
    const terms = rows.map((r) => r.term);
    await appendAuditEvent(tx, {
      chain: SECURITY_CHAIN,
      actorId: actor.id,
      actorName: actorName(actor),
      type: action === 'remove' ? 'dictionary.terms_removed' : action === 'import' ? 'dictionary.imported' : 'dictionary.terms_added',
      data: {
        list: key,
        changeId: change.id,
        added: added.length,
        removed: removed.length,
        terms: terms.slice(0, AUDIT_TERMS),
        termsTruncated: terms.length > AUDIT_TERMS,
        versionBefore: before.version,
        versionAfter: after.version,
        rescanId: rescan?.id ?? null,
      },
    });
    return {
      result: { list: key, changeId: change.id, version: after.version, added: added.length, removed: removed.length, rescanId: rescan?.id ?? null, ...report },
      announce: { changeId: change.id, version: after.version, rescanId: rescan?.id ?? null },
    };
  });
  const { announce } = committed;
  if (announce && deps.dictionaryEvents) {
    const events = deps.dictionaryEvents;
    afterCommit(deps, 'announce dictionary change', () => events.publish(announce));
  }
  return committed.result;
}

function termRow(path: string, t: { term: string; severity: string; note: string; flags: string }): OverlayTerm {
  return path === WHITELIST_PATH ? { list: path, term: t.term, state: 'added', severity: '-', note: t.note, flags: '' } : { list: path, state: 'added', ...t };
}

/**
 * Adds terms to a list (a new `sensitive.<name>` list creates the category). All or nothing: any bad or
 * already present term rejects the request with its index.
 * @throws DomainError not_found | validation_failed
 */
export async function addDictionaryTerms(deps: DictionaryDeps, actor: AuthUser, key: string, items: readonly NewTerm[]): Promise<DictionaryChangeResult> {
  const path = resolveList(key);
  const lines = items.map((i) =>
    path === WHITELIST_PATH
      ? [i.term, (i.note ?? '').replace(/[\t\r\n]/g, ' ').trim()].filter(Boolean).join('\t')
      : [i.term, i.severity ?? '-', (i.note ?? '').replace(/[\t\r\n]/g, ' ').trim(), ...(i.flags && i.flags.length > 0 ? [i.flags.join(',')] : [])].join('\t'),
  );
  const parsed = parseCandidate(path, lines.join('\n'));
  if (parsed.issues.length > 0) rejectIssues('词条不合法', parsed.issues.map(({ line, ...rest }) => ({ index: (line ?? 1) - 1, term: items[(line ?? 1) - 1]?.term, ...rest })));
  const candidate = termsOf(parsed.dicts!, path);
  return commitChange(deps, actor, path, (before) => {
    const present = termsOf(before.dicts, path);
    const dup = items.flatMap((i, index) => (present.has(i.term) ? [{ index, term: i.term, message: '词条已存在' }] : []));
    if (dup.length > 0) rejectIssues('词条已存在', dup);
    return {
      action: 'add',
      rows: [...candidate.values()].map((t) => termRow(path, { term: t.term, severity: t.severity ?? '-', note: t.note, flags: t.flags.join(',') })),
    };
  });
}

/**
 * Removes terms from a list (shipped or added). Unknown terms reject the request with their index.
 * @throws DomainError not_found | validation_failed
 */
export async function removeDictionaryTerms(deps: DictionaryDeps, actor: AuthUser, key: string, terms: readonly string[]): Promise<DictionaryChangeResult> {
  const path = resolveList(key);
  return commitChange(deps, actor, path, (before) => {
    const present = termsOf(before.dicts, path);
    const missing = terms.flatMap((term, index) => (present.has(term) ? [] : [{ index, term, message: '词表中没有该词条' }]));
    if (missing.length > 0) rejectIssues('词条不存在', missing);
    const unique = [...new Set(terms)];
    return {
      action: 'remove',
      rows: unique.map((term) => {
        const t = present.get(term)!;
        return { list: path, term, state: 'removed' as const, severity: t.severity ?? '-', note: t.note, flags: t.flags.join(',') };
      }),
    };
  });
}

export interface ImportInput {
  text: string;
  /** `lines`: one term per line (plain lexicon); `dictionary`: the dictionaries/ file format (TAB columns). */
  format: 'lines' | 'dictionary';
  /** Severity for `lines` imports (term lists). */
  severity?: Severity | undefined;
  note?: string | undefined;
}

/**
 * Imports a lexicon into a list. Every bad line is reported with its line number (400 validation_failed) and
 * nothing is written; lines whose term is already in the list are reported back as `alreadyPresent`.
 * @throws DomainError not_found | validation_failed
 */
export async function importDictionaryLexicon(deps: DictionaryDeps, actor: AuthUser, key: string, input: ImportInput) {
  const path = resolveList(key);
  const note = (input.note ?? '').replace(/[\t\r\n]/g, ' ').trim();
  const raw = input.text.replace(/^\ufeff/, '').split('\n');
  const issues: LineIssue[] = [];
  const content =
    input.format === 'dictionary'
      ? raw.join('\n')
      : raw
          .map((line, i) => {
            const text = line.replace(/\r$/, '').trim();
            if (text === '' || text.startsWith('#')) return text;
            if (text.includes('\t')) {
              issues.push({ line: i + 1, message: '按行导入时一行只能有一个词条（含 TAB 的文件请用 dictionary 格式导入）', text });
              return '#';
            }
            if (path === WHITELIST_PATH) return note ? `${text}\t${note}` : text;
            return [text, input.severity ?? 'review', note].join('\t');
          })
          .join('\n');
  const parsed = parseCandidate(path, content);
  issues.push(...parsed.issues);
  if (issues.length > 0) rejectIssues(`导入文件有 ${issues.length} 行不合法，未导入任何词条`, issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));
  const candidate = termsOf(parsed.dicts!, path);
  return commitChange(deps, actor, path, (before) => {
    const present = termsOf(before.dicts, path);
    const fresh = [...candidate.values()].filter((t) => !present.has(t.term));
    const alreadyPresent = [...candidate.values()].filter((t) => present.has(t.term)).map((t) => ({ line: t.line, term: t.term }));
    return {
      action: 'import',
      rows: fresh.map((t) => termRow(path, { term: t.term, severity: t.severity ?? '-', note: t.note, flags: t.flags.join(',') })),
      report: { lines: raw.length, alreadyPresent: alreadyPresent.slice(0, MAX_ISSUES), alreadyPresentCount: alreadyPresent.length },
    };
  });
}
