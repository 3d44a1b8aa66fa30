import { createHash } from 'node:crypto';
import { SEVERITIES, type Severity } from '../../domain/findings';

/**
 * Dictionary files (data, never code). Every file is UTF-8 text, one record per line, columns separated by a
 * TAB; `#` starts a comment line; `#! key: value` lines are directives; blank lines are ignored. Every other
 * line must parse — bad lines are collected with file and line number and reported together
 * (`DictionaryError`), never skipped.
 *
 *  sensitive/<category>.txt, secrecy/<category>.txt, advertising/<kind>.txt, escalation/<kind>.txt,
 *  proofreading/banned-names.txt — term lists:
 *      term [TAB severity [TAB note [TAB flags]]]
 *    severity: block | review | info | - (file default, see `#! default-severity:`; `review` if unset)
 *    flags (comma separated): py (also match pinyin / mixed pinyin), seg (only where jieba segments the hit as
 *    whole words), exact (no noise skipping or repeat collapsing), weight=N (advertising evidence weight).
 *    A line with only a term is valid, so one-term-per-line lexicons import as they are.
 *    Directives: `#! label: 政治有害`, `#! default-severity: block`.
 *  whitelist.txt — term [TAB note]: a hit lying wholly inside a whitelisted word is dropped (大麻烦 vs 大麻).
 *  cooccurrence.txt — id TAB category TAB severity TAB termsA TAB termsB TAB window TAB note
 *    (termsA/termsB are `|`-separated; fires when some A and some B occur within `window` characters).
 *  proofreading/pairs.txt — wrong TAB right TAB note [TAB severity]  (default severity info).
 */

export interface TermFlags {
  pinyin: boolean;
  segment: boolean;
  exact: boolean;
  weight?: number | undefined;
}

export interface TermEntry {
  term: string;
  severity: Severity;
  note: string;
  flags: TermFlags;
  /** Category (file name without extension) for term lists. */
  category: string;
  file: string;
  line: number;
}

export interface TermList {
  category: string;
  label: string;
  file: string;
  entries: TermEntry[];
}

export interface WhitelistEntry {
  term: string;
  note: string;
  file: string;
  line: number;
}

export interface CooccurrenceRule {
  id: string;
  category: string;
  severity: Severity;
  termsA: string[];
  termsB: string[];
  window: number;
  note: string;
  file: string;
  line: number;
}

export interface ProofreadingPair {
  wrong: string;
  right: string;
  note: string;
  severity: Severity;
  file: string;
  line: number;
}

/** All rule data, parsed. `version` is the content hash of the files it came from. */
export interface Dictionaries {
  sensitive: TermList[];
  secrecy: TermList[];
  advertising: TermList[];
  escalation: TermList[];
  bannedNames: TermEntry[];
  whitelist: WhitelistEntry[];
  cooccurrence: CooccurrenceRule[];
  proofreadingPairs: ProofreadingPair[];
  /** Relative paths of the files used, sorted. */
  files: string[];
  /** sha256 (hex, first 16) over the sorted file paths and contents. */
  contentHash: string;
}

/** Relative path (with `/`) → file content. */
export type DictionarySources = Readonly<Record<string, string>>;

export interface DictionaryIssue {
  file: string;
  line: number;
  message: string;
  text: string;
}

/** Thrown when dictionary files contain bad lines; lists every one of them. */
export class DictionaryError extends Error {
  readonly code = 'dictionary_invalid';
  constructor(readonly issues: readonly DictionaryIssue[]) {
    super(
      `${issues.length} bad dictionary line(s):\n` +
        issues.map((i) => `  ${i.file}:${i.line}: ${i.message}: ${JSON.stringify(i.text)}`).join('\n'),
    );
    this.name = 'DictionaryError';
  }
}

const TERM_LIST_DIRS = ['sensitive', 'secrecy', 'advertising', 'escalation'] as const;
const MAX_TERM_LENGTH = 64;
const SEVERITY_SET = new Set<string>(SEVERITIES);
const CATEGORY_NAME = /^[a-z][a-z0-9-]{0,39}$/;

interface Line {
  no: number;
  text: string;
}

function dataLines(content: string, file: string, issues: DictionaryIssue[], directives: Map<string, string>): Line[] {
  const out: Line[] = [];
  const lines = content.replace(/^\ufeff/, '').split('\n');
  lines.forEach((rawLine, idx) => {
    const text = rawLine.replace(/\r$/, '');
    const no = idx + 1;
    if (text.trim() === '') return;
    if (text.startsWith('#!')) {
      const m = /^#!\s*([a-z-]+)\s*:\s*(.*?)\s*$/.exec(text);
      if (!m) issues.push({ file, line: no, message: 'malformed directive (expected "#! key: value")', text });
      else directives.set(m[1]!, m[2]!);
      return;
    }
    if (text.startsWith('#')) return;
    out.push({ no, text });
  });
  return out;
}

function parseSeverity(value: string | undefined, fallback: Severity): Severity | undefined {
  if (value === undefined || value === '' || value === '-') return fallback;
  return SEVERITY_SET.has(value) ? (value as Severity) : undefined;
}

function parseFlags(value: string | undefined): TermFlags | string {
  const flags: TermFlags = { pinyin: false, segment: false, exact: false };
  if (value === undefined || value.trim() === '' || value.trim() === '-') return flags;
  for (const raw of value.split(',')) {
    const f = raw.trim();
    if (f === 'py') flags.pinyin = true;
    else if (f === 'seg') flags.segment = true;
    else if (f === 'exact') flags.exact = true;
    else if (/^weight=\d+(\.\d+)?$/.test(f)) flags.weight = Number(f.slice(7));
    else return `unknown flag "${f}" (known: py, seg, exact, weight=N)`;
  }
  return flags;
}

function checkTerm(term: string): string | undefined {
  if (term !== term.trim()) return 'term has leading or trailing spaces';
  if (term.length === 0) return 'empty term';
  if (term.length > MAX_TERM_LENGTH) return `term longer than ${MAX_TERM_LENGTH} characters`;
  if (/[\t\n]/.test(term)) return 'term contains a tab or line break';
  if (!/[\p{L}\p{N}]/u.test(term)) return 'term has no letter or digit';
  return undefined;
}

function parseTermList(file: string, content: string, issues: DictionaryIssue[]): TermList {
  const category = file.split('/').pop()!.replace(/\.txt$/, '');
  const directives = new Map<string, string>();
  const lines = dataLines(content, file, issues, directives);
  if (!CATEGORY_NAME.test(category)) {
    issues.push({ file, line: 0, message: 'category file names must be lower-case kebab-case (a-z, 0-9, -)', text: file });
  }
  for (const key of directives.keys()) {
    if (key !== 'label' && key !== 'default-severity') {
      issues.push({ file, line: 0, message: `unknown directive "${key}"`, text: key });
    }
  }
  const defaultSeverity = parseSeverity(directives.get('default-severity'), 'review');
  if (!defaultSeverity) issues.push({ file, line: 0, message: 'bad default-severity', text: directives.get('default-severity') ?? '' });
  const list: TermList = { category, label: directives.get('label') ?? category, file, entries: [] };
  const seen = new Map<string, number>();
  for (const { no, text } of lines) {
    const cols = text.split('\t');
    const [term = '', sev, note = '', flagCol, ...extra] = cols;
    const bad = (message: string) => issues.push({ file, line: no, message, text });
    if (cols.length === 1 && /\s(block|review|info)(\s|$)/.test(text)) {
      bad('looks like space-separated columns; columns must be separated by TAB');
      continue;
    }
    if (extra.length > 0) {
      bad('too many columns (term, severity, note, flags)');
      continue;
    }
    const termProblem = checkTerm(term);
    if (termProblem) {
      bad(termProblem);
      continue;
    }
    const severity = parseSeverity(sev?.trim(), defaultSeverity ?? 'review');
    if (!severity) {
      bad(`unknown severity "${sev}" (block, review, info or -)`);
      continue;
    }
    const flags = parseFlags(flagCol);
    if (typeof flags === 'string') {
      bad(flags);
      continue;
    }
    const dup = seen.get(term);
    if (dup !== undefined) {
      bad(`duplicate term (first on line ${dup})`);
      continue;
    }
    seen.set(term, no);
    list.entries.push({ term, severity, note: note.trim(), flags, category, file, line: no });
  }
  return list;
}

function parseWhitelist(file: string, content: string, issues: DictionaryIssue[]): WhitelistEntry[] {
  const out: WhitelistEntry[] = [];
  const directives = new Map<string, string>();
  const seen = new Map<string, number>();
  for (const { no, text } of dataLines(content, file, issues, directives)) {
    const cols = text.split('\t');
    if (cols.length > 2) {
      issues.push({ file, line: no, message: 'too many columns (term, note)', text });
      continue;
    }
    const term = cols[0] ?? '';
    const problem = checkTerm(term);
    if (problem) {
      issues.push({ file, line: no, message: problem, text });
      continue;
    }
    if (seen.has(term)) {
      issues.push({ file, line: no, message: `duplicate term (first on line ${seen.get(term)})`, text });
      continue;
    }
    seen.set(term, no);
    out.push({ term, note: (cols[1] ?? '').trim(), file, line: no });
  }
  for (const key of directives.keys()) issues.push({ file, line: 0, message: `unknown directive "${key}"`, text: key });
  return out;
}

function parseCooccurrence(file: string, content: string, issues: DictionaryIssue[]): CooccurrenceRule[] {
  const out: CooccurrenceRule[] = [];
  const ids = new Set<string>();
  for (const { no, text } of dataLines(content, file, issues, new Map())) {
    const cols = text.split('\t');
    const bad = (message: string) => issues.push({ file, line: no, message, text });
    if (cols.length < 6 || cols.length > 7) {
      bad('expected: id, category, severity, termsA, termsB, window, note');
      continue;
    }
    const [id = '', category = '', sev = '', a = '', bTerms = '', win = '', note = ''] = cols;
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(id) || ids.has(id)) {
      bad(ids.has(id) ? `duplicate rule id "${id}"` : `bad rule id "${id}"`);
      continue;
    }
    const severity = parseSeverity(sev, 'review');
    if (!severity || sev === '' || sev === '-') {
      bad(`unknown severity "${sev}"`);
      continue;
    }
    const termsA = a.split('|').map((t) => t.trim()).filter(Boolean);
    const termsB = bTerms.split('|').map((t) => t.trim()).filter(Boolean);
    const problem = [...termsA, ...termsB].map(checkTerm).find(Boolean);
    if (termsA.length === 0 || termsB.length === 0 || problem) {
      bad(problem ?? 'termsA and termsB need at least one term each');
      continue;
    }
    const window = Number(win);
    if (!Number.isInteger(window) || window < 1 || window > 500) {
      bad('window must be an integer between 1 and 500');
      continue;
    }
    if (!/^[a-z][a-z0-9.-]*$/.test(category)) {
      bad(`bad category "${category}"`);
      continue;
    }
    ids.add(id);
    out.push({ id, category, severity, termsA, termsB, window, note: note.trim(), file, line: no });
  }
  return out;
}

function parsePairs(file: string, content: string, issues: DictionaryIssue[]): ProofreadingPair[] {
  const out: ProofreadingPair[] = [];
  const seen = new Map<string, number>();
  for (const { no, text } of dataLines(content, file, issues, new Map())) {
    const cols = text.split('\t');
    const bad = (message: string) => issues.push({ file, line: no, message, text });
    if (cols.length < 2 || cols.length > 4) {
      bad('expected: wrong, right, note [, severity]');
      continue;
    }
    const [wrong = '', right = '', note = '', sev] = cols;
    const problem = checkTerm(wrong) ?? (right.trim() === '' ? 'empty replacement' : undefined);
    if (problem) {
      bad(problem);
      continue;
    }
    if (wrong === right) {
      bad('wrong and right are the same');
      continue;
    }
    const severity = parseSeverity(sev?.trim(), 'info');
    if (!severity) {
      bad(`unknown severity "${sev}"`);
      continue;
    }
    if (seen.has(wrong)) {
      bad(`duplicate pair (first on line ${seen.get(wrong)})`);
      continue;
    }
    seen.set(wrong, no);
    out.push({ wrong, right: right.trim(), note: note.trim(), severity, file, line: no });
  }
  return out;
}

/** Hash of the given files (sorted by path) — the dictionary part of the rule-set version. */
export function hashSources(sources: DictionarySources): string {
  const h = createHash('sha256');
  for (const path of Object.keys(sources).sort()) {
    h.update(path, 'utf8');
    h.update('\0');
    h.update(sources[path]!, 'utf8');
    h.update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

/**
 * Parses dictionary files given as relative path → content (the loader reads a directory into this shape; the
 * admin API and unit tests build it in memory). Files other than the layout above are reported as issues.
 * @throws DictionaryError listing every bad line
 */
export function parseDictionaries(sources: DictionarySources): Dictionaries {
  const issues: DictionaryIssue[] = [];
  const d: Dictionaries = {
    sensitive: [],
    secrecy: [],
    advertising: [],
    escalation: [],
    bannedNames: [],
    whitelist: [],
    cooccurrence: [],
    proofreadingPairs: [],
    files: [],
    contentHash: '',
  };
  const used: Record<string, string> = {};
  for (const path of Object.keys(sources).sort()) {
    const content = sources[path]!;
    if (path.endsWith('.md')) continue;
    used[path] = content;
    const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
    if (!path.endsWith('.txt')) {
      issues.push({ file: path, line: 0, message: 'dictionary files must end in .txt', text: path });
    } else if ((TERM_LIST_DIRS as readonly string[]).includes(dir)) {
      d[dir as (typeof TERM_LIST_DIRS)[number]].push(parseTermList(path, content, issues));
    } else if (path === 'whitelist.txt') {
      d.whitelist = parseWhitelist(path, content, issues);
    } else if (path === 'cooccurrence.txt') {
      d.cooccurrence = parseCooccurrence(path, content, issues);
    } else if (path === 'proofreading/pairs.txt') {
      d.proofreadingPairs = parsePairs(path, content, issues);
    } else if (path === 'proofreading/banned-names.txt') {
      d.bannedNames = parseTermList(path, content, issues).entries.map((e) => ({ ...e, category: 'banned-name' }));
    } else {
      issues.push({ file: path, line: 0, message: 'unknown dictionary file (see dictionaries/README.md)', text: path });
    }
  }
  if (issues.length > 0) throw new DictionaryError(issues);
  d.files = Object.keys(used);
  d.contentHash = hashSources(used);
  return d;
}

/** Formats one term-list line (for tools that append terms, e.g. the admin API). */
export function formatTermLine(entry: Pick<TermEntry, 'term' | 'severity' | 'note'> & { flags?: Partial<TermFlags> }): string {
  const flags: string[] = [];
  if (entry.flags?.pinyin) flags.push('py');
  if (entry.flags?.segment) flags.push('seg');
  if (entry.flags?.exact) flags.push('exact');
  if (entry.flags?.weight !== undefined) flags.push(`weight=${entry.flags.weight}`);
  const cols = [entry.term, entry.severity, entry.note.replace(/[\t\n]/g, ' ')];
  if (flags.length > 0) cols.push(flags.join(','));
  return cols.join('\t');
}
