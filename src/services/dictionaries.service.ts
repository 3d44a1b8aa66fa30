import { appendAuditEvent } from '../db/audit.repository';
import { insertChange, insertRescan, lastChange, listOverlay, lockDictionaries, upsertOverlay } from '../db/dictionary.repository';
import { DictionaryError, parseDictionaries, type Dictionaries } from '../checks/dictionary/dictionary';
import {
  BANNED_NAMES_PATH,
  COOCCURRENCE_PATH,
  encodeFields,
  formatOverlayLine,
  listKey,
  listKind,
  listPath,
  PAIRS_PATH,
  TITLES_PATH,
  WHITELIST_PATH,
  type ListKind,
  type OverlayTerm,
} from '../checks/dictionary/overlay';
import type { AuthUser } from '../domain/access';
import { SECURITY_CHAIN } from '../domain/audit';
import { notFound, validationFailed } from '../domain/errors';
import type { Severity } from '../domain/findings';
import type { DictionaryChangeResult, DictionaryOverview, DictionaryTerm, DictionaryTermsPage } from '../shared/api';
import { afterCommit, type ServiceDeps } from './deps';

export type { DictionaryChangeResult, DictionaryTerm } from '../shared/api';
import { composeEffective, DEFAULT_DICTIONARY_DIR, loadBaseline, loadEffectiveDictionary, type EffectiveDictionary } from './effective-dictionary.service';

type DictionaryDeps = Pick<ServiceDeps, 'db' | 'logger' | 'dictionaryEvents' | 'dictionaryDir'>;

/** A term-list or whitelist entry to add. */
export interface NewTerm {
  term: string;
  severity?: Severity | undefined;
  note?: string | undefined;
  flags?: string[] | undefined;
}

/** A proofreading pair (错别字 / 规范表述) to add. */
export interface NewPair {
  wrong: string;
  right: string;
  note?: string | undefined;
  severity?: Severity | undefined;
}

/** A name → title pair to add: the titles the person holds. */
export interface NewNameTitles {
  name: string;
  titles: string[];
  note?: string | undefined;
}

/** A co-occurrence rule to add: some term of A and some term of B within `window` characters. */
export interface NewCooccurrence {
  id: string;
  category: string;
  severity: Severity;
  termsA: string[];
  termsB: string[];
  window: number;
  note?: string | undefined;
}

export type NewEntry = NewTerm | NewPair | NewNameTitles | NewCooccurrence;


/** A line problem as the API reports it: `line` for imports, `index` (0-based) for entry arrays. */
interface LineIssue {
  line?: number;
  index?: number;
  term?: string;
  message: string;
  text?: string;
}

const MAX_ISSUES = 200;
const AUDIT_TERMS = 200;
const LIST_LABELS: Partial<Record<string, string>> = {
  [WHITELIST_PATH]: '白名单',
  [BANNED_NAMES_PATH]: '禁用人名',
  [PAIRS_PATH]: '校对词对（错别字、规范表述）',
  [TITLES_PATH]: '人名与职务',
  [COOCCURRENCE_PATH]: '共现规则',
};

const actorName = (u: AuthUser) => `${u.displayName}（${u.username}）`;
const dirOf = (deps: DictionaryDeps) => deps.dictionaryDir ?? DEFAULT_DICTIONARY_DIR;
const cleanNote = (note: string | undefined) => (note ?? '').replace(/[\t\r\n]/g, ' ').trim();

function resolveList(key: string): string {
  const path = listPath(key);
  if (!path) throw notFound('词表');
  return path;
}

const termLists = (dicts: Dictionaries) => [...dicts.sensitive, ...dicts.secrecy, ...dicts.advertising, ...dicts.escalation];

/** One entry: what the API shows and the overlay columns that reproduce its line. */
interface Entry {
  item: DictionaryTerm;
  row: Pick<OverlayTerm, 'term' | 'severity' | 'note' | 'flags'>;
}

/** Entries currently in one list of a parsed dictionary, keyed by the entry key (first column). */
function entriesOf(dicts: Dictionaries, path: string): Map<string, Entry> {
  const out = new Map<string, Entry>();
  const source = 'baseline' as const;
  switch (listKind(path)) {
    case 'whitelist':
      for (const w of dicts.whitelist) {
        out.set(w.term, { item: { term: w.term, severity: null, note: w.note, flags: [], source, line: w.line }, row: { term: w.term, severity: '-', note: w.note, flags: '' } });
      }
      return out;
    case 'pairs':
      for (const p of dicts.proofreadingPairs) {
        out.set(p.wrong, {
          item: { term: p.wrong, wrong: p.wrong, right: p.right, severity: p.severity, note: p.note, source, line: p.line },
          row: { term: p.wrong, severity: p.severity, note: p.note, flags: encodeFields({ right: p.right }) },
        });
      }
      return out;
    case 'titles':
      for (const t of dicts.nameTitles) {
        out.set(t.name, {
          item: { term: t.name, name: t.name, titles: t.titles, note: t.note, source, line: t.line },
          row: { term: t.name, severity: '-', note: t.note, flags: encodeFields({ titles: t.titles.join('|') }) },
        });
      }
      return out;
    case 'cooccurrence':
      for (const r of dicts.cooccurrence) {
        const { id, category, severity, termsA, termsB, window, note, line } = r;
        out.set(id, {
          item: { term: id, id, category, severity, termsA, termsB, window, note, source, line },
          row: { term: id, severity, note, flags: encodeFields({ category, termsA: termsA.join('|'), termsB: termsB.join('|'), window: String(window) }) },
        });
      }
      return out;
    case 'terms': {
      const list = path === BANNED_NAMES_PATH ? dicts.bannedNames : termLists(dicts).find((l) => l.file === path);
      for (const e of list?.toEntries() ?? []) {
        const flags = [...(e.flags.pinyin ? ['py'] : []), ...(e.flags.segment ? ['seg'] : []), ...(e.flags.exact ? ['exact'] : []), ...(e.flags.weight !== undefined ? [`weight=${e.flags.weight}`] : [])];
        out.set(e.term, { item: { term: e.term, severity: e.severity, note: e.note, flags, source, line: e.line }, row: { term: e.term, severity: e.severity, note: e.note, flags: flags.join(',') } });
      }
      return out;
    }
  }
}

/** How many entries a list has (without materialising a 100k-term list). */
function sizeOf(dicts: Dictionaries, path: string): number {
  const kind = listKind(path);
  if (kind !== 'terms') return entriesOf(dicts, path).size;
  return (path === BANNED_NAMES_PATH ? dicts.bannedNames : termLists(dicts).find((l) => l.file === path))?.size ?? 0;
}

function withSources(effective: EffectiveDictionary, path: string): Map<string, Entry> {
  const entries = entriesOf(effective.dicts, path);
  for (const row of effective.overlay) {
    const e = row.list === path && row.state === 'added' ? entries.get(row.term) : undefined;
    if (e) e.item.source = 'admin';
  }
  return entries;
}

/** A list's kind and category from its path: `sensitive/politics.txt` → sensitive, politics. */
function describe(path: string, dicts: Dictionaries) {
  const key = listKey(path)!;
  const dot = key.indexOf('.');
  const [group, category] = dot < 0 ? [key, key] : [key.slice(0, dot), key.slice(dot + 1)];
  const list = termLists(dicts).find((l) => l.file === path);
  const label = list?.label ?? LIST_LABELS[path] ?? category;
  return { key, kind: group, format: listKind(path), category, label, file: path };
}

/** Lists, counts and version of the dictionary in force (admin, 宣传部, auditors). */
export async function listDictionaries(deps: DictionaryDeps): Promise<DictionaryOverview> {
  const effective = await loadEffectiveDictionary(deps.db, dirOf(deps));
  const lists = Object.keys(effective.sources)
    .filter((path) => listKey(path) !== undefined)
    .sort()
    .map((path) => {
      const rows = effective.overlay.filter((r) => r.list === path);
      return {
        ...describe(path, effective.dicts),
        terms: sizeOf(effective.dicts, path),
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

/** The words of an entry a search looks at: its key, note and text columns (not source or line). */
function searchText(item: DictionaryTerm): string {
  const words = Object.entries(item).flatMap(([name, value]) => (name === 'source' ? [] : typeof value === 'string' ? [value] : Array.isArray(value) ? value.map(String) : []));
  return words.join('\n').toLowerCase();
}

/** One list's entries, searchable and paginated. @throws DomainError not_found */
export async function listDictionaryTerms(deps: DictionaryDeps, key: string, query: { q?: string | undefined; offset: number; limit: number }): Promise<DictionaryTermsPage> {
  const path = resolveList(key);
  const effective = await loadEffectiveDictionary(deps.db, dirOf(deps));
  if (!(path in effective.sources)) throw notFound('词表');
  let items = [...withSources(effective, path).values()].map((e) => e.item);
  const q = query.q?.trim().toLowerCase();
  if (q) items = items.filter((t) => searchText(t).includes(q));
  return {
    list: key,
    format: listKind(path),
    version: effective.version,
    total: items.length,
    offset: query.offset,
    limit: query.limit,
    items: items.slice(query.offset, query.offset + query.limit),
  };
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

/**
 * Lists whose added entries start a 回溯检查: term lists and co-occurrence rules (new banned words and
 * combinations matter in what is already out). Not the whitelist (it only removes hits), adverts (scored), nor
 * proofreading pairs and titles: a 错别字 rule or a changed title says nothing about drafts released before it.
 */
const rescannable = (path: string) => {
  const kind = listKind(path);
  return kind === 'cooccurrence' || (kind === 'terms' && !path.startsWith('advertising/'));
};

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

const added = (path: string, row: Entry['row']): OverlayTerm => ({ list: path, state: 'added', ...row });

/** Whether an API item has the shape of the list's kind (the routes guarantee it; other callers may not). */
function shapeError(kind: ListKind, item: NewEntry): string | undefined {
  const want = { terms: 'term', whitelist: 'term', pairs: 'wrong', titles: 'name', cooccurrence: 'id' }[kind];
  return want in item ? undefined : `该词表的条目需要字段 ${want}`;
}

/** The overlay columns an API item asks for (checked afterwards by the dictionary parser). */
function requestedRow(kind: ListKind, item: NewEntry): Entry['row'] {
  switch (kind) {
    case 'whitelist': {
      const t = item as NewTerm;
      return { term: t.term, severity: '-', note: cleanNote(t.note), flags: '' };
    }
    case 'terms': {
      const t = item as NewTerm;
      return { term: t.term, severity: t.severity ?? '-', note: cleanNote(t.note), flags: (t.flags ?? []).join(',') };
    }
    case 'pairs': {
      const p = item as NewPair;
      return { term: p.wrong, severity: p.severity ?? '-', note: cleanNote(p.note), flags: encodeFields({ right: p.right }) };
    }
    case 'titles': {
      const t = item as NewNameTitles;
      return { term: t.name, severity: '-', note: cleanNote(t.note), flags: encodeFields({ titles: t.titles.join('|') }) };
    }
    case 'cooccurrence': {
      const r = item as NewCooccurrence;
      return {
        term: r.id,
        severity: r.severity,
        note: cleanNote(r.note),
        flags: encodeFields({ category: r.category, termsA: r.termsA.join('|'), termsB: r.termsB.join('|'), window: String(r.window) }),
      };
    }
  }
}

/** Text fields other than the note must not carry TAB or line breaks (they would shift the file's columns). */
function controlCharError(item: NewEntry): string | undefined {
  const strings = Object.entries(item).flatMap(([name, v]) => (name === 'note' ? [] : [v as unknown])).flatMap((v) => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []));
  return strings.some((v) => /[\t\r\n]/.test(v)) ? '含有制表符或换行符' : undefined;
}

/**
 * Adds entries to a list: terms to a term list or the whitelist (a new `sensitive.<name>` list creates the
 * category), pairs to `proofreading.pairs`, name → titles to `proofreading.titles`, rules to `cooccurrence`.
 * Every entry is checked by the dictionary parser, as a line of the list's file. All or nothing: any bad or
 * already present entry rejects the request with its index.
 * @throws DomainError not_found | validation_failed
 */
export async function addDictionaryTerms(deps: DictionaryDeps, actor: AuthUser, key: string, items: readonly NewEntry[]): Promise<DictionaryChangeResult> {
  const path = resolveList(key);
  const kind = listKind(path);
  const shape = items.flatMap((item, index) => {
    const message = shapeError(kind, item) ?? controlCharError(item);
    return message ? [{ index, message }] : [];
  });
  if (shape.length > 0) rejectIssues('条目不合法', shape);
  const requested = items.map((item) => requestedRow(kind, item));
  const parsed = parseCandidate(path, requested.map((row) => formatOverlayLine({ list: path, ...row })).join('\n'));
  if (parsed.issues.length > 0) {
    rejectIssues('条目不合法', parsed.issues.map(({ line, ...rest }) => ({ index: (line ?? 1) - 1, term: requested[(line ?? 1) - 1]?.term, ...rest })));
  }
  const candidate = entriesOf(parsed.dicts!, path);
  return commitChange(deps, actor, path, (before) => {
    const present = entriesOf(before.dicts, path);
    const dup = requested.flatMap((r, index) => (present.has(r.term) ? [{ index, term: r.term, message: '条目已存在（如需修改请先删除）' }] : []));
    if (dup.length > 0) rejectIssues('条目已存在', dup);
    return { action: 'add', rows: [...candidate.values()].map((e) => added(path, e.row)) };
  });
}

/**
 * Removes entries from a list (shipped or added) by key: the term, the wrong form of a pair, the name, the
 * rule id. Unknown keys reject the request with their index.
 * @throws DomainError not_found | validation_failed
 */
export async function removeDictionaryTerms(deps: DictionaryDeps, actor: AuthUser, key: string, terms: readonly string[]): Promise<DictionaryChangeResult> {
  const path = resolveList(key);
  return commitChange(deps, actor, path, (before) => {
    const present = entriesOf(before.dicts, path);
    const missing = terms.flatMap((term, index) => (present.has(term) ? [] : [{ index, term, message: '词表中没有该条目' }]));
    if (missing.length > 0) rejectIssues('条目不存在', missing);
    return {
      action: 'remove',
      rows: [...new Set(terms)].map((term) => ({ list: path, state: 'removed' as const, ...present.get(term)!.row })),
    };
  });
}

export interface ImportInput {
  text: string;
  /**
   * `lines`: one term per line (plain lexicon; term lists and the whitelist only); `dictionary`: the
   * dictionaries/ file format of the list (TAB columns). Default: `lines` for term lists and the whitelist,
   * `dictionary` for pairs, titles and co-occurrence rules.
   */
  format?: 'lines' | 'dictionary' | undefined;
  /** Severity for `lines` imports (term lists). */
  severity?: Severity | undefined;
  note?: string | undefined;
}

/**
 * Imports a file into a list. Every bad line is reported with its line number (400 validation_failed) and
 * nothing is written; lines whose key is already in the list are reported back as `alreadyPresent`.
 * @throws DomainError not_found | validation_failed
 */
export async function importDictionaryLexicon(deps: DictionaryDeps, actor: AuthUser, key: string, input: ImportInput) {
  const path = resolveList(key);
  const kind = listKind(path);
  const structured = kind !== 'terms' && kind !== 'whitelist';
  const format = input.format ?? (structured ? 'dictionary' : 'lines');
  if (structured && format === 'lines') {
    throw validationFailed('该词表有多列，只能按词表文件格式（format: dictionary，TAB 分隔）导入', { issues: [{ message: 'format lines is for term lists' }], total: 1 });
  }
  const note = cleanNote(input.note);
  const raw = input.text.replace(/^\ufeff/, '').split('\n');
  const issues: LineIssue[] = [];
  const content =
    format === 'dictionary'
      ? raw.join('\n')
      : raw
          .map((line, i) => {
            const text = line.replace(/\r$/, '').trim();
            if (text === '' || text.startsWith('#')) return text;
            if (text.includes('\t')) {
              issues.push({ line: i + 1, message: '按行导入时一行只能有一个词条（含 TAB 的文件请用 dictionary 格式导入）', text });
              return '#';
            }
            if (kind === 'whitelist') return note ? `${text}\t${note}` : text;
            return [text, input.severity ?? 'review', note].join('\t');
          })
          .join('\n');
  const parsed = parseCandidate(path, content);
  issues.push(...parsed.issues);
  if (issues.length > 0) rejectIssues(`导入文件有 ${issues.length} 行不合法，未导入任何条目`, issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));
  const candidate = [...entriesOf(parsed.dicts!, path).values()];
  return commitChange(deps, actor, path, (before) => {
    const present = entriesOf(before.dicts, path);
    const fresh = candidate.filter((e) => !present.has(e.row.term));
    const alreadyPresent = candidate.filter((e) => present.has(e.row.term)).map((e) => ({ line: e.item.line, term: e.row.term }));
    return {
      action: 'import',
      rows: fresh.map((e) => added(path, e.row)),
      report: { lines: raw.length, alreadyPresent: alreadyPresent.slice(0, MAX_ISSUES), alreadyPresentCount: alreadyPresent.length },
    };
  });
}
