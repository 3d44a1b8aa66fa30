import type { OverlayTerm } from '../../domain/dictionary-overlay';
import type { DictionarySources } from './dictionary';

/**
 * Admin changes layered over the shipped dictionary files. The files stay the baseline; each overlay row either
 * adds an entry to a list (a line appended to that file) or takes a baseline entry out (its line becomes a
 * comment, so the line numbers of the other baseline entries — cited in findings' evidence — do not move).
 * An entry is identified by its list and its key, the first column of its line: the term, the wrong form of a
 * proofreading pair, the name of a name → title pair, the id of a co-occurrence rule.
 * Pure: the service reads the rows from PostgreSQL and the files from disk.
 */
export type { OverlayTerm } from '../../domain/dictionary-overlay';

/** The shape of a list's lines. */
export type ListKind = 'terms' | 'whitelist' | 'pairs' | 'titles' | 'cooccurrence';

/** Directories whose files are term lists an admin may edit (and create new categories in). */
export const TERM_LIST_DIRS = ['sensitive', 'secrecy', 'advertising', 'escalation'] as const;
export const WHITELIST_PATH = 'whitelist.txt';
export const BANNED_NAMES_PATH = 'proofreading/banned-names.txt';
export const PAIRS_PATH = 'proofreading/pairs.txt';
export const TITLES_PATH = 'proofreading/titles.txt';
export const COOCCURRENCE_PATH = 'cooccurrence.txt';

/**
 * The public id of a list: `sensitive.politics`, `proofreading.banned-names`, `whitelist`, `proofreading.pairs`,
 * `proofreading.titles`, `cooccurrence`.
 */
export const LIST_KEY_PATTERN = /^(whitelist|cooccurrence|proofreading\.(banned-names|pairs|titles)|(sensitive|secrecy|advertising|escalation)\.[a-z][a-z0-9-]{0,39})$/;

/** List id → file path, or undefined when the id names no editable list. */
export function listPath(key: string): string | undefined {
  if (!LIST_KEY_PATTERN.test(key)) return undefined;
  if (key === 'whitelist') return WHITELIST_PATH;
  if (key === 'cooccurrence') return COOCCURRENCE_PATH;
  const dot = key.indexOf('.');
  return `${key.slice(0, dot)}/${key.slice(dot + 1)}.txt`;
}

/** The line shape of the list at `path` (an editable list's path). */
export function listKind(path: string): ListKind {
  if (path === WHITELIST_PATH) return 'whitelist';
  if (path === PAIRS_PATH) return 'pairs';
  if (path === TITLES_PATH) return 'titles';
  if (path === COOCCURRENCE_PATH) return 'cooccurrence';
  return 'terms';
}

/** File path → list id, or undefined for files that are not editable lists. */
export function listKey(path: string): string | undefined {
  if (path === WHITELIST_PATH) return 'whitelist';
  if (path === COOCCURRENCE_PATH) return 'cooccurrence';
  const m = /^([a-z]+)\/([a-z0-9-]+)\.txt$/.exec(path);
  if (!m) return undefined;
  const key = `${m[1]}.${m[2]}`;
  return LIST_KEY_PATTERN.test(key) ? key : undefined;
}

/** The key of a data line (first TAB column); undefined for blank, comment and directive lines. */
export function lineTerm(line: string): string | undefined {
  const text = line.replace(/\r$/, '');
  if (text.trim() === '' || text.startsWith('#')) return undefined;
  return text.split('\t')[0];
}

const clean = (s: string) => s.replace(/[\t\r\n]/g, ' ').trim();

/** `name=value` fields, TAB-separated, as kept in `OverlayTerm.flags` for lists with more columns. */
export function encodeFields(fields: Readonly<Record<string, string>>): string {
  return Object.entries(fields)
    .map(([name, value]) => `${name}=${clean(value)}`)
    .join('\t');
}

/** The inverse of `encodeFields` (a value may contain `=`: only the first one separates). */
export function decodeFields(flags: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of flags.split('\t')) {
    const eq = field.indexOf('=');
    if (eq > 0) out[field.slice(0, eq)] = field.slice(eq + 1);
  }
  return out;
}

/**
 * One overlay row as a line of its list's file format. A field missing from `flags` becomes an empty column,
 * which the parser rejects with the line number: nothing malformed is silently completed.
 */
export function formatOverlayLine(t: Pick<OverlayTerm, 'list' | 'term' | 'severity' | 'note' | 'flags'>): string {
  const kind = listKind(t.list);
  if (kind === 'whitelist') return t.note ? `${t.term}\t${clean(t.note)}` : t.term;
  if (kind === 'terms') {
    const cols = [t.term, t.severity || '-', clean(t.note)];
    if (t.flags) cols.push(t.flags);
    return cols.join('\t');
  }
  const f = decodeFields(t.flags);
  const col = (name: string) => f[name] ?? '';
  if (kind === 'pairs') return [t.term, col('right'), clean(t.note), t.severity || '-'].join('\t');
  if (kind === 'titles') return [t.term, col('titles'), clean(t.note)].join('\t');
  return [t.term, col('category'), t.severity, col('termsA'), col('termsB'), col('window'), clean(t.note)].join('\t');
}

export const OVERLAY_HEADER = '# --- 管理员通过系统添加的词条（数据库） ---';

/**
 * The effective dictionary files: baseline with every term the overlay touches commented out, then the
 * overlay's added terms appended in the given order (callers pass rows ordered by id, so the result — and the
 * version hashed from it — is deterministic).
 */
export function composeSources(baseline: DictionarySources, overlay: readonly OverlayTerm[]): DictionarySources {
  const byList = new Map<string, OverlayTerm[]>();
  for (const row of overlay) {
    const rows = byList.get(row.list) ?? [];
    rows.push(row);
    byList.set(row.list, rows);
  }
  const out: Record<string, string> = { ...baseline };
  for (const [list, rows] of byList) {
    const touched = new Set(rows.map((r) => r.term));
    const base = baseline[list];
    const lines = base === undefined ? [] : base.split('\n');
    let commented = 0;
    const kept = lines.map((line) => {
      const term = lineTerm(line);
      if (term === undefined || !touched.has(term)) return line;
      commented++;
      return '# (由管理员变更，见数据库)';
    });
    const added = rows.filter((r) => r.state === 'added').map(formatOverlayLine);
    // Removing a term the files do not have changes nothing: keep the file (and the version) as shipped.
    if (added.length === 0 && commented === 0) continue;
    while (kept.length > 0 && kept[kept.length - 1]!.trim() === '') kept.pop();
    out[list] = [...kept, ...(added.length > 0 ? [OVERLAY_HEADER, ...added] : []), ''].join('\n');
  }
  return out;
}
