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
 *  proofreading/titles.txt — name TAB titles TAB note (titles `|`-separated: the titles the person holds; a
 *    different title written next to the name is flagged).
 */

export interface TermFlags {
  pinyin: boolean;
  segment: boolean;
  exact: boolean;
  weight?: number | undefined;
}

/** One term-list entry, materialised on demand (see `TermList.entry`). */
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

const FLAG_PINYIN = 1;
const FLAG_SEGMENT = 2;
const FLAG_EXACT = 4;

/**
 * One term-list file, stored column-wise: the term strings plus typed arrays for severity, flags, line and an
 * interned note, instead of an object per term. A 100k-term list is then ~5 MB of heap rather than ~20 MB,
 * and the engine keeps it for as long as it runs. `entry(i)` builds the object view for the few terms that hit.
 */
export class TermList {
  readonly category: string;
  readonly label: string;
  readonly file: string;
  /** Terms in file order. */
  readonly terms: readonly string[];
  readonly #severity: Uint8Array;
  readonly #flags: Uint8Array;
  readonly #line: Uint32Array;
  readonly #note: Uint32Array;
  readonly #notes: readonly string[];
  readonly #weights: ReadonlyMap<number, number>;

  constructor(init: {
    category: string;
    label: string;
    file: string;
    terms: string[];
    severity: Uint8Array;
    flags: Uint8Array;
    line: Uint32Array;
    note: Uint32Array;
    notes: string[];
    weights: Map<number, number>;
  }) {
    this.category = init.category;
    this.label = init.label;
    this.file = init.file;
    this.terms = init.terms;
    this.#severity = init.severity;
    this.#flags = init.flags;
    this.#line = init.line;
    this.#note = init.note;
    this.#notes = init.notes;
    this.#weights = init.weights;
  }

  /** A list built from entry objects (tests, small in-memory lists). */
  static fromEntries(meta: { category: string; label: string; file: string }, entries: ReadonlyArray<Omit<TermEntry, 'category' | 'file'>>): TermList {
    const b = new TermListBuilder(meta, entries.length);
    for (const e of entries) b.push(e.term, e.severity, e.note, e.flags, e.line);
    return b.finish();
  }

  get size(): number {
    return this.terms.length;
  }

  severity(i: number): Severity {
    return SEVERITIES[this.#severity[i]!]!;
  }

  flags(i: number): TermFlags {
    const bits = this.#flags[i]!;
    return { pinyin: (bits & FLAG_PINYIN) !== 0, segment: (bits & FLAG_SEGMENT) !== 0, exact: (bits & FLAG_EXACT) !== 0, weight: this.#weights.get(i) };
  }

  /** The i-th entry as an object (allocated per call: meant for hits and admin listings, not for scanning). */
  entry(i: number): TermEntry {
    return {
      term: this.terms[i]!,
      severity: this.severity(i),
      note: this.#notes[this.#note[i]!]!,
      flags: this.flags(i),
      category: this.category,
      file: this.file,
      line: this.#line[i]!,
    };
  }

  /** Every entry as objects, in file order. */
  toEntries(): TermEntry[] {
    return this.terms.map((_, i) => this.entry(i));
  }

  /** The same columns under another category (banned names are their own category). */
  withCategory(category: string, label: string): TermList {
    return new TermList({
      category,
      label,
      file: this.file,
      terms: this.terms as string[],
      severity: this.#severity,
      flags: this.#flags,
      line: this.#line,
      note: this.#note,
      notes: this.#notes as string[],
      weights: this.#weights as Map<number, number>,
    });
  }
}

/** Fills a TermList's columns; `capacity` is an upper bound on the entries (the file's data lines). */
class TermListBuilder {
  readonly #terms: string[] = [];
  readonly #severity: Uint8Array;
  readonly #flags: Uint8Array;
  readonly #line: Uint32Array;
  readonly #note: Uint32Array;
  readonly #notes: string[] = [''];
  readonly #noteIds = new Map<string, number>([['', 0]]);
  readonly #weights = new Map<number, number>();

  constructor(
    private readonly meta: { category: string; label: string; file: string },
    capacity: number,
  ) {
    this.#severity = new Uint8Array(capacity);
    this.#flags = new Uint8Array(capacity);
    this.#line = new Uint32Array(capacity);
    this.#note = new Uint32Array(capacity);
  }

  push(term: string, severity: Severity, note: string, flags: TermFlags, line: number): void {
    const i = this.#terms.length;
    this.#terms.push(term);
    this.#severity[i] = SEVERITIES.indexOf(severity);
    this.#flags[i] = (flags.pinyin ? FLAG_PINYIN : 0) | (flags.segment ? FLAG_SEGMENT : 0) | (flags.exact ? FLAG_EXACT : 0);
    this.#line[i] = line;
    // Notes repeat a lot in real lexicons (一个来源一个说明): store each distinct note once.
    let id = this.#noteIds.get(note);
    if (id === undefined) {
      id = this.#notes.length;
      this.#notes.push(note);
      this.#noteIds.set(note, id);
    }
    this.#note[i] = id;
    if (flags.weight !== undefined) this.#weights.set(i, flags.weight);
  }

  finish(): TermList {
    const n = this.#terms.length;
    const fit = <T extends Uint8Array | Uint32Array>(a: T): T => (a.length === n ? a : (a.slice(0, n) as T));
    return new TermList({
      ...this.meta,
      terms: this.#terms,
      severity: fit(this.#severity),
      flags: fit(this.#flags),
      line: fit(this.#line),
      note: fit(this.#note),
      notes: this.#notes,
      weights: this.#weights,
    });
  }
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

/** A listed person and the titles they hold (校对: a different title next to the name is flagged). */
export interface NameTitles {
  name: string;
  titles: string[];
  note: string;
  file: string;
  line: number;
}

/** All rule data, parsed. `version` is the content hash of the files it came from. */
export interface Dictionaries {
  sensitive: TermList[];
  secrecy: TermList[];
  advertising: TermList[];
  escalation: TermList[];
  /** proofreading/banned-names.txt, category `banned-name` (empty when the file is absent). */
  bannedNames: TermList;
  whitelist: WhitelistEntry[];
  cooccurrence: CooccurrenceRule[];
  proofreadingPairs: ProofreadingPair[];
  nameTitles: NameTitles[];
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
    super(`${issues.length} bad dictionary line(s):\n` + issues.map((i) => `  ${i.file}:${i.line}: ${i.message}: ${JSON.stringify(i.text)}`).join('\n'));
    this.name = 'DictionaryError';
  }
}

const TERM_LIST_DIRS = ['sensitive', 'secrecy', 'advertising', 'escalation'] as const;
const MAX_TERM_LENGTH = 64;
/** The banned-names file is a term list whose findings use this category. */
export const BANNED_NAME_CATEGORY = 'banned-name';
const BANNED_NAMES_FILE = 'proofreading/banned-names.txt';
const MAX_LIST_ITEMS = 50;
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
      // The value is trimmed in code: `\s*(.*?)\s*$` rescans a trailing whitespace run from each of its positions.
      const m = /^#!\s*([a-z-]+)\s*:(.*)$/.exec(text);
      if (!m) issues.push({ file, line: no, message: 'malformed directive (expected "#! key: value")', text });
      else directives.set(m[1]!, m[2]!.trim());
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
  const category = file
    .split('/')
    .pop()!
    .replace(/\.txt$/, '');
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
  const list = new TermListBuilder({ category, label: directives.get('label') ?? category, file }, lines.length);
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
    list.push(term, severity, note.trim(), flags, no);
  }
  return list.finish();
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

/** Files with a fixed column layout take no directives: report any, never ignore them. */
function rejectDirectives(file: string, directives: Map<string, string>, issues: DictionaryIssue[]): void {
  for (const key of directives.keys()) issues.push({ file, line: 0, message: `unknown directive "${key}"`, text: key });
}

/** A `|`-separated list of terms: every item must be a valid term, no empty items, no repeats. */
function parseTermAlternatives(value: string, what: string): string[] | string {
  const items = value.split('|').map((t) => t.trim());
  if (items.length === 1 && items[0] === '') return `${what} needs at least one term`;
  if (items.length > MAX_LIST_ITEMS) return `${what} has more than ${MAX_LIST_ITEMS} terms`;
  for (const item of items) {
    if (item === '') return `${what} has an empty item (check the | separators)`;
    const problem = checkTerm(item);
    if (problem) return `${what}: "${item}": ${problem}`;
  }
  const dup = items.find((t, i) => items.indexOf(t) !== i);
  return dup === undefined ? items : `${what} lists "${dup}" twice`;
}

function parseCooccurrence(file: string, content: string, issues: DictionaryIssue[]): CooccurrenceRule[] {
  const out: CooccurrenceRule[] = [];
  const ids = new Map<string, number>();
  const directives = new Map<string, string>();
  for (const { no, text } of dataLines(content, file, issues, directives)) {
    const cols = text.split('\t');
    const bad = (message: string) => issues.push({ file, line: no, message, text });
    if (cols.length < 6 || cols.length > 7) {
      bad('expected: id, category, severity, termsA, termsB, window, note (TAB-separated)');
      continue;
    }
    const [id = '', category = '', sev = '', a = '', bTerms = '', win = '', note = ''] = cols;
    if (!/^[a-z0-9][a-z0-9.-]{0,63}$/.test(id)) {
      bad(`bad rule id "${id}" (lower-case letters, digits, . and -)`);
      continue;
    }
    if (ids.has(id)) {
      bad(`duplicate rule id "${id}" (first on line ${ids.get(id)})`);
      continue;
    }
    if (!/^[a-z][a-z0-9.-]{0,39}$/.test(category)) {
      bad(`bad category "${category}" (lower-case kebab-case)`);
      continue;
    }
    if (!SEVERITY_SET.has(sev)) {
      bad(`unknown severity "${sev}" (block, review or info)`);
      continue;
    }
    const termsA = parseTermAlternatives(a, 'termsA');
    const termsB = parseTermAlternatives(bTerms, 'termsB');
    if (typeof termsA === 'string' || typeof termsB === 'string') {
      bad(typeof termsA === 'string' ? termsA : (termsB as string));
      continue;
    }
    const both = termsA.find((t) => termsB.includes(t));
    if (both !== undefined) {
      bad(`"${both}" is in both termsA and termsB`);
      continue;
    }
    if (!/^[0-9]+$/.test(win) || Number(win) < 1 || Number(win) > 500) {
      bad(`window must be an integer between 1 and 500, got "${win}"`);
      continue;
    }
    ids.set(id, no);
    out.push({ id, category, severity: sev as Severity, termsA, termsB, window: Number(win), note: note.trim(), file, line: no });
  }
  rejectDirectives(file, directives, issues);
  return out;
}

function parsePairs(file: string, content: string, issues: DictionaryIssue[]): ProofreadingPair[] {
  const out: ProofreadingPair[] = [];
  const seen = new Map<string, number>();
  const directives = new Map<string, string>();
  for (const { no, text } of dataLines(content, file, issues, directives)) {
    const cols = text.split('\t');
    const bad = (message: string) => issues.push({ file, line: no, message, text });
    if (cols.length < 2 || cols.length > 4) {
      bad('expected: wrong, right, note [, severity] (TAB-separated)');
      continue;
    }
    const [wrong = '', rawRight = '', note = '', sev] = cols;
    const right = rawRight.trim();
    const problem = checkTerm(wrong) ?? (right === '' ? 'empty replacement' : right.length > MAX_TERM_LENGTH ? `replacement longer than ${MAX_TERM_LENGTH} characters` : undefined);
    if (problem) {
      bad(problem);
      continue;
    }
    if (wrong === right) {
      bad('wrong and right are the same');
      continue;
    }
    // The corrected text would contain the wrong form again and be flagged forever.
    if (right.includes(wrong)) {
      bad(`the replacement "${right}" contains the wrong form "${wrong}"`);
      continue;
    }
    const severity = parseSeverity(sev?.trim(), 'info');
    if (!severity) {
      bad(`unknown severity "${sev}" (block, review, info or -)`);
      continue;
    }
    if (seen.has(wrong)) {
      bad(`duplicate pair (first on line ${seen.get(wrong)})`);
      continue;
    }
    seen.set(wrong, no);
    out.push({ wrong, right, note: note.trim(), severity, file, line: no });
  }
  rejectDirectives(file, directives, issues);
  return out;
}

function parseNameTitles(file: string, content: string, issues: DictionaryIssue[]): NameTitles[] {
  const out: NameTitles[] = [];
  const seen = new Map<string, number>();
  const directives = new Map<string, string>();
  for (const { no, text } of dataLines(content, file, issues, directives)) {
    const cols = text.split('\t');
    const bad = (message: string) => issues.push({ file, line: no, message, text });
    if (cols.length < 2 || cols.length > 3) {
      bad('expected: name, titles (|-separated), note (TAB-separated)');
      continue;
    }
    const [name = '', rawTitles = '', note = ''] = cols;
    const problem = checkTerm(name);
    if (problem) {
      bad(problem);
      continue;
    }
    const titles = parseTermAlternatives(rawTitles, 'titles');
    if (typeof titles === 'string') {
      bad(titles);
      continue;
    }
    if (seen.has(name)) {
      bad(`duplicate name (first on line ${seen.get(name)})`);
      continue;
    }
    seen.set(name, no);
    out.push({ name, titles, note: note.trim(), file, line: no });
  }
  rejectDirectives(file, directives, issues);
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
    bannedNames: TermList.fromEntries({ category: BANNED_NAME_CATEGORY, label: '禁用人名', file: BANNED_NAMES_FILE }, []),
    whitelist: [],
    cooccurrence: [],
    proofreadingPairs: [],
    nameTitles: [],
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
    } else if (path === 'proofreading/titles.txt') {
      d.nameTitles = parseNameTitles(path, content, issues);
    } else if (path === BANNED_NAMES_FILE) {
      const list = parseTermList(path, content, issues);
      d.bannedNames = list.withCategory(BANNED_NAME_CATEGORY, list.label === 'banned-names' ? '禁用人名' : list.label);
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
