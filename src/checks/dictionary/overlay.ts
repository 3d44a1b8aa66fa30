import type { DictionarySources } from './dictionary';

/**
 * Admin changes layered over the shipped dictionary files. The files stay the baseline; each overlay row either
 * adds a term to a list (a line appended to that file) or takes a baseline term out (its line becomes a
 * comment, so the line numbers of the other baseline terms — cited in findings' evidence — do not move).
 * Pure: the service reads the rows from PostgreSQL and the files from disk.
 */
export interface OverlayTerm {
  /** File path of the list, e.g. `sensitive/politics.txt` or `whitelist.txt`. */
  list: string;
  term: string;
  state: 'added' | 'removed';
  /** `block` | `review` | `info` | `-` (term lists only). */
  severity: string;
  note: string;
  /** Comma-separated flags as in the files (`py,seg`), term lists only. */
  flags: string;
}

/** Directories whose files are term lists an admin may edit (and create new categories in). */
export const TERM_LIST_DIRS = ['sensitive', 'secrecy', 'advertising', 'escalation'] as const;
export const WHITELIST_PATH = 'whitelist.txt';
export const BANNED_NAMES_PATH = 'proofreading/banned-names.txt';

/** The public id of a list: `sensitive.politics`, `proofreading.banned-names`, `whitelist`. */
export const LIST_KEY_PATTERN = /^(whitelist|proofreading\.banned-names|(sensitive|secrecy|advertising|escalation)\.[a-z][a-z0-9-]{0,39})$/;

/** List id → file path, or undefined when the id names no editable list. */
export function listPath(key: string): string | undefined {
  if (!LIST_KEY_PATTERN.test(key)) return undefined;
  if (key === 'whitelist') return WHITELIST_PATH;
  const dot = key.indexOf('.');
  return `${key.slice(0, dot)}/${key.slice(dot + 1)}.txt`;
}

/** File path → list id, or undefined for files that are not editable lists (pairs, co-occurrence). */
export function listKey(path: string): string | undefined {
  if (path === WHITELIST_PATH) return 'whitelist';
  const m = /^([a-z]+)\/([a-z0-9-]+)\.txt$/.exec(path);
  if (!m) return undefined;
  const key = `${m[1]}.${m[2]}`;
  return LIST_KEY_PATTERN.test(key) ? key : undefined;
}

/** The term of a data line (first TAB column); undefined for blank, comment and directive lines. */
export function lineTerm(line: string): string | undefined {
  const text = line.replace(/\r$/, '');
  if (text.trim() === '' || text.startsWith('#')) return undefined;
  return text.split('\t')[0];
}

const clean = (s: string) => s.replace(/[\t\r\n]/g, ' ').trim();

/** One overlay row as a line of its list's file format. */
export function formatOverlayLine(t: Pick<OverlayTerm, 'list' | 'term' | 'severity' | 'note' | 'flags'>): string {
  if (t.list === WHITELIST_PATH) return t.note ? `${t.term}\t${clean(t.note)}` : t.term;
  const cols = [t.term, t.severity || '-', clean(t.note)];
  if (t.flags) cols.push(t.flags);
  return cols.join('\t');
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
