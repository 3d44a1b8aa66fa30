import type { BodyFormat, RevisionContent } from '../../domain/content';
import type { SourceSpan } from '../../domain/findings';

/**
 * Plain-text extraction with an offset map. Every plain-text code unit i comes from source range
 * [starts[i], ends[i]) — an entity "&amp;" yields one "&" spanning five source characters; a separator the
 * extractor inserts (block boundary, table cell) is zero-width at the tag it stands for. Markup (tags,
 * attributes other than alt text, link targets, emphasis markers) never reaches the plain text, so it can never
 * match; link targets are returned separately for the checks that need them (advertising, copyright).
 */

export interface ExtractedLink {
  href: string;
  /** Range of the href in the source. */
  start: number;
  end: number;
}

export interface ExtractedText {
  text: string;
  starts: Int32Array;
  ends: Int32Array;
  links: ExtractedLink[];
}

class Builder {
  private parts: string[] = [];
  private length = 0;
  private starts = new Int32Array(256);
  private ends = new Int32Array(256);
  readonly links: ExtractedLink[] = [];
  lastChar = '\n';

  constructor(private readonly source: string) {}

  private ensure(extra: number): void {
    if (this.length + extra <= this.starts.length) return;
    let cap = this.starts.length * 2;
    while (cap < this.length + extra) cap *= 2;
    const s = new Int32Array(cap);
    const e = new Int32Array(cap);
    s.set(this.starts);
    e.set(this.ends);
    this.starts = s;
    this.ends = e;
  }

  /** Appends `text` (decoded) standing for source [srcStart, srcEnd). */
  emit(text: string, srcStart: number, srcEnd: number): void {
    if (text.length === 0) return;
    this.ensure(text.length);
    for (let k = 0; k < text.length; k++) {
      this.starts[this.length] = srcStart;
      this.ends[this.length] = srcEnd;
      this.length++;
    }
    this.parts.push(text);
    this.lastChar = text[text.length - 1]!;
  }

  /** Appends source [from, to) verbatim, one code unit per code unit. */
  copy(from: number, to: number): void {
    if (to <= from) return;
    this.ensure(to - from);
    for (let p = from; p < to; p++) {
      this.starts[this.length] = p;
      this.ends[this.length] = p + 1;
      this.length++;
    }
    this.parts.push(this.source.slice(from, to));
    this.lastChar = this.source[to - 1]!;
  }

  /** A zero-width line break at `at`, unless the text already ends with one. */
  breakLine(at: number): void {
    if (this.length === 0 || this.lastChar === '\n') return;
    this.emit('\n', at, at);
  }

  /** A zero-width space (soft break, collapsed whitespace), unless the text ends with whitespace. */
  space(from: number, to: number): void {
    if (this.length === 0 || this.lastChar === '\n' || this.lastChar === ' ') return;
    this.emit(' ', from, to);
  }

  finish(): ExtractedText {
    let text = this.parts.join('');
    let len = this.length;
    // Trailing separators carry no content.
    while (len > 0 && (text[len - 1] === '\n' || text[len - 1] === ' ') && this.starts[len - 1] === this.ends[len - 1]) len--;
    if (len !== text.length) text = text.slice(0, len);
    return { text, starts: this.starts.slice(0, len), ends: this.ends.slice(0, len), links: this.links };
  }
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', ensp: '\u2002', emsp: '\u2003',
  thinsp: '\u2009', zwj: '\u200d', zwnj: '\u200c', shy: '\u00ad', copy: '©', reg: '®', trade: '™',
  hellip: '…', mdash: '—', ndash: '–', ldquo: '“', rdquo: '”', lsquo: '‘', rsquo: '’', laquo: '«',
  raquo: '»', middot: '·', bull: '•', times: '×', divide: '÷', yen: '¥', deg: '°', plusmn: '±', sect: '§',
  para: '¶', larr: '←', rarr: '→', uarr: '↑', darr: '↓', star: '☆', starf: '★', bigstar: '★',
};

/** Decodes the entity starting at `i` (source[i] === '&'); returns the text and the index after it. */
function decodeEntity(source: string, i: number): { text: string; next: number } | undefined {
  const m = /^&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z][a-zA-Z0-9]{1,31}));?/.exec(source.slice(i, i + 40));
  if (!m) return undefined;
  let text: string | undefined;
  if (m[1] !== undefined || m[2] !== undefined) {
    const cp = m[1] !== undefined ? Number.parseInt(m[1], 10) : Number.parseInt(m[2]!, 16);
    text = cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : '\ufffd';
  } else {
    if (!m[0].endsWith(';')) return undefined;
    text = NAMED_ENTITIES[m[3]!];
  }
  if (text === undefined) return undefined;
  return { text, next: i + m[0].length };
}

/** Emits source [from, to) decoding entities (used for attribute values and markdown text). */
function emitDecoded(b: Builder, source: string, from: number, to: number): void {
  let run = from;
  for (let p = from; p < to; p++) {
    if (source.charCodeAt(p) !== 0x26) continue;
    const ent = decodeEntity(source, p);
    if (!ent || ent.next > to) continue;
    b.copy(run, p);
    b.emit(ent.text, p, ent.next);
    p = ent.next - 1;
    run = ent.next;
  }
  b.copy(run, to);
}

// ---------------------------------------------------------------------------------------------- HTML

const HTML_BLOCK = new Set([
  'address', 'article', 'aside', 'blockquote', 'br', 'caption', 'dd', 'details', 'div', 'dl', 'dt', 'fieldset',
  'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li', 'main',
  'nav', 'ol', 'p', 'pre', 'section', 'summary', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'ul',
]);
const HTML_SKIP_CONTENT = new Set(['script', 'style', 'template', 'noscript', 'title', 'head', 'textarea', 'svg']);

interface TagAttr {
  name: string;
  valueStart: number;
  valueEnd: number;
}

/** parseTag's answer for a tag that never closes before the limit (its scan went to the limit). */
const UNTERMINATED = 'unterminated';

/**
 * The tag starting at `i`, ending before `limit`; undefined if there is none, UNTERMINATED if one starts but does
 * not close before the limit. After an unterminated tag, callers treat every later `<` as text: each of them would
 * scan to the limit again (quadratic on `<a x<a x…`), and a browser drops everything after such a tag anyway.
 */
function parseTag(source: string, i: number, limit = source.length): { name: string; closing: boolean; end: number; attrs: TagAttr[] } | undefined | typeof UNTERMINATED {
  const m = /^<(\/?)([a-zA-Z][a-zA-Z0-9:-]*)/.exec(source.slice(i, Math.min(i + 64, limit)));
  if (!m) return undefined;
  const attrs: TagAttr[] = [];
  let p = i + m[0].length;
  const n = limit;
  while (p < n) {
    const ch = source[p]!;
    if (ch === '>') return { name: m[2]!.toLowerCase(), closing: m[1] === '/', end: p + 1, attrs };
    if (/[\s/]/.test(ch)) {
      p++;
      continue;
    }
    const nameStart = p;
    while (p < n && !/[\s=>/]/.test(source[p]!)) p++;
    const name = source.slice(nameStart, p).toLowerCase();
    while (p < n && /\s/.test(source[p]!)) p++;
    if (source[p] !== '=') {
      attrs.push({ name, valueStart: p, valueEnd: p });
      continue;
    }
    p++;
    while (p < n && /\s/.test(source[p]!)) p++;
    const q = source[p];
    if (q === '"' || q === "'") {
      const close = source.indexOf(q, p + 1);
      const end = close < 0 || close >= n ? n : close;
      attrs.push({ name, valueStart: p + 1, valueEnd: end });
      p = end + 1;
    } else {
      const vs = p;
      while (p < n && !/[\s>]/.test(source[p]!)) p++;
      attrs.push({ name, valueStart: vs, valueEnd: p });
    }
  }
  return UNTERMINATED;
}

/** indexOf for a lower-case ASCII needle starting "</", ignoring case in `source` (closing tag names). */
function indexOfClosingTag(source: string, needle: string, from: number): number {
  for (let i = source.indexOf('</', from); i >= 0; i = source.indexOf('</', i + 2)) {
    if (source.slice(i, i + needle.length).toLowerCase() === needle) return i;
  }
  return -1;
}

function decodeAttr(source: string, a: TagAttr): string {
  const b = new Builder(source);
  emitDecoded(b, source, a.valueStart, a.valueEnd);
  return b.finish().text;
}

function extractHtml(source: string): ExtractedText {
  const b = new Builder(source);
  const n = source.length;
  let pre = 0;
  let i = 0;
  let tagsPossible = true;
  while (i < n) {
    const ch = source.charCodeAt(i);
    if (ch === 0x3c /* < */) {
      if (source.startsWith('<!--', i)) {
        const close = source.indexOf('-->', i + 4);
        i = close < 0 ? n : close + 3;
        continue;
      }
      if (source[i + 1] === '!' || source[i + 1] === '?') {
        const close = source.indexOf('>', i);
        i = close < 0 ? n : close + 1;
        continue;
      }
      const parsed = tagsPossible ? parseTag(source, i) : undefined;
      if (parsed === UNTERMINATED) tagsPossible = false;
      const tag = parsed === UNTERMINATED ? undefined : parsed;
      if (tag) {
        if (!tag.closing && HTML_SKIP_CONTENT.has(tag.name)) {
          // Not source.toLowerCase() per tag: that made every skipped element cost the whole document.
          const close = indexOfClosingTag(source, `</${tag.name}`, tag.end);
          const after = close < 0 ? n : source.indexOf('>', close);
          i = after < 0 ? n : after + 1;
          continue;
        }
        if (tag.name === 'pre') pre = Math.max(0, pre + (tag.closing ? -1 : 1));
        if (HTML_BLOCK.has(tag.name)) b.breakLine(i);
        for (const a of tag.attrs) {
          if ((a.name === 'href' || a.name === 'src') && a.valueEnd > a.valueStart) {
            b.links.push({ href: decodeAttr(source, a), start: a.valueStart, end: a.valueEnd });
          }
        }
        if (tag.name === 'img') {
          const alt = tag.attrs.find((a) => a.name === 'alt');
          if (alt && alt.valueEnd > alt.valueStart) {
            b.space(i, i);
            emitDecoded(b, source, alt.valueStart, alt.valueEnd);
            b.space(tag.end, tag.end);
          }
        }
        i = tag.end;
        continue;
      }
      b.copy(i, i + 1);
      i++;
      continue;
    }
    if (ch === 0x26 /* & */) {
      const ent = decodeEntity(source, i);
      if (ent) {
        b.emit(ent.text, i, ent.next);
        i = ent.next;
        continue;
      }
      b.copy(i, i + 1);
      i++;
      continue;
    }
    if (pre === 0 && (ch === 0x20 || ch === 0x09 || ch === 0x0a || ch === 0x0d || ch === 0x0c)) {
      let j = i + 1;
      while (j < n && /[ \t\n\r\f]/.test(source[j]!)) j++;
      b.space(i, j);
      i = j;
      continue;
    }
    // Copy a run of ordinary characters in one go.
    let j = i + 1;
    while (j < n) {
      const c = source.charCodeAt(j);
      if (c === 0x3c || c === 0x26 || (pre === 0 && (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c))) break;
      j++;
    }
    b.copy(i, j);
    i = j;
  }
  return b.finish();
}

// ------------------------------------------------------------------------------------------ markdown

const ASCII_PUNCT = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/;
const UNICODE_PUNCT = /[\p{P}\p{S}]/u;
// No two adjacent quantifiers over the same characters (`\s*(?:\|\s*)?`, not `\s*\|?\s*`): linear on long lines.
const TABLE_DELIMITER = /^\s*(?:\|\s*)?:?-+:?\s*(?:\|\s*:?-+:?\s*)*(?:\|\s*)?$/;

const isSpace = (ch: string | undefined) => ch !== undefined && /\s/.test(ch);

/**
 * Length of an ATX heading's closing sequence at the end of [from, to) — whitespace, #s, optional whitespace —
 * or 0: what /\s+#+\s*$/ matches, without rescanning a whitespace run from each of its positions.
 */
function closingSequenceLength(source: string, from: number, to: number): number {
  let end = to;
  while (end > from && isSpace(source[end - 1])) end--;
  let hashes = end;
  while (hashes > from && source[hashes - 1] === '#') hashes--;
  if (hashes === end) return 0;
  let start = hashes;
  while (start > from && isSpace(source[start - 1])) start--;
  return start === hashes ? 0 : to - start;
}

/**
 * One pass over a line's inline range, so that no construct is looked for by rescanning the rest of the line
 * (which made `[[[[…`, `[a](` runs and backtick runs of falling length quadratic):
 *  - `closer[k]`: for a `[` or `(` at base + k, its matching `]` / `)` (the first one at depth 0 after it, escaped
 *    characters skipped), or -1;
 *  - maximal backtick runs in order, with `nextLonger[r]`, the next run at least as long as run r.
 */
interface InlineScan {
  base: number;
  closer: Int32Array;
  runOf: Int32Array;
  runStart: number[];
  runLength: number[];
  nextLonger: number[];
}

function scanInline(source: string, from: number, to: number): InlineScan {
  const closer = new Int32Array(to - from).fill(-1);
  const runOf = new Int32Array(to - from).fill(-1);
  const squares: number[] = [];
  const rounds: number[] = [];
  // Brackets: a character after a backslash is skipped, as the forward scan for a closer always did.
  for (let p = from; p < to; p++) {
    const c = source.charCodeAt(p);
    if (c === 0x5c /* \\ */) p++;
    else if (c === 0x5b /* [ */) squares.push(p);
    else if (c === 0x28 /* ( */) rounds.push(p);
    else if (c === 0x5d /* ] */) {
      const open = squares.pop();
      if (open !== undefined) closer[open - from] = p;
    } else if (c === 0x29 /* ) */) {
      const open = rounds.pop();
      if (open !== undefined) closer[open - from] = p;
    }
  }
  // Backtick runs are raw: a code span's closing fence was always searched for without regard to escapes.
  const runStart: number[] = [];
  const runLength: number[] = [];
  for (let p = from; p < to; p++) {
    if (source.charCodeAt(p) !== 0x60 /* ` */) continue;
    if (p > from && source.charCodeAt(p - 1) === 0x60) runLength[runLength.length - 1]!++;
    else {
      runStart.push(p);
      runLength.push(1);
    }
    runOf[p - from] = runStart.length - 1;
  }
  // Next run at least as long, right to left with a stack of candidates (each run pushed and popped once).
  const nextLonger = new Array<number>(runStart.length).fill(-1);
  const stack: number[] = [];
  for (let r = runStart.length - 1; r >= 0; r--) {
    while (stack.length > 0 && runLength[stack[stack.length - 1]!]! < runLength[r]!) stack.pop();
    nextLonger[r] = stack.length > 0 ? stack[stack.length - 1]! : -1;
    stack.push(r);
  }
  return { base: from, closer, runOf, runStart, runLength, nextLonger };
}

/** Where the bracket opened at `open` closes before `to` (what a forward scan from open + 1 would find), or -1. */
function findClosing(scan: InlineScan, open: number, to: number): number {
  const close = scan.closer[open - scan.base] ?? -1;
  return close >= 0 && close < to ? close : -1;
}

/**
 * The first `count` backticks after run `run` (they start a later run at least that long), or -1: the first later
 * run at least `count` long, found by following next-at-least-as-long links over strictly longer runs only.
 */
function nextFence(scan: InlineScan, run: number, count: number): number {
  let r = run + 1 < scan.runStart.length ? run + 1 : -1;
  while (r >= 0 && scan.runLength[r]! < count) r = scan.nextLonger[r]!;
  return r;
}

/** Link text nests at most this deep; deeper link text is kept as it stands (no recursion without bound). */
const MAX_LINK_DEPTH = 32;

function inlineMarkdown(b: Builder, source: string, from: number, to: number, scan = scanInline(source, from, to), depth = 0): void {
  let run = from;
  let tagsPossible = true;
  const flush = (p: number) => {
    b.copy(run, p);
  };
  let p = from;
  while (p < to) {
    const c = source[p]!;
    if (c === '\\' && p + 1 < to && ASCII_PUNCT.test(source[p + 1]!)) {
      flush(p);
      b.emit(source[p + 1]!, p, p + 2);
      p += 2;
      run = p;
      continue;
    }
    if (c === '`') {
      let k = p;
      while (k < to && source[k] === '`') k++;
      // The first k - p backticks after this run open a later run at least that long; a code span only if exactly.
      const fence = nextFence(scan, scan.runOf[p - scan.base]!, k - p);
      const close = fence >= 0 ? scan.runStart[fence]! : -1;
      if (close >= 0 && close + (k - p) <= to && scan.runLength[fence]! === k - p) {
        flush(p);
        b.copy(k, close);
        p = close + (k - p);
        run = p;
        continue;
      }
      p = k;
      continue;
    }
    if ((c === '[' || (c === '!' && source[p + 1] === '[')) ) {
      const open = c === '!' ? p + 1 : p;
      const closeBracket = findClosing(scan, open, to);
      if (closeBracket > 0) {
        const after = closeBracket + 1;
        let end = -1;
        let hrefStart = -1;
        let hrefEnd = -1;
        if (source[after] === '(') {
          const closeParen = findClosing(scan, after, to);
          if (closeParen > 0) {
            end = closeParen + 1;
            hrefStart = after + 1;
            while (hrefStart < closeParen && /\s/.test(source[hrefStart]!)) hrefStart++;
            hrefEnd = hrefStart;
            if (source[hrefStart] === '<') {
              const gt = source.indexOf('>', hrefStart);
              hrefStart++;
              hrefEnd = gt > 0 && gt < closeParen ? gt : closeParen;
            } else {
              while (hrefEnd < closeParen && !/\s/.test(source[hrefEnd]!)) hrefEnd++;
            }
          }
        } else if (source[after] === '[') {
          const closeRef = findClosing(scan, after, to);
          if (closeRef > 0) end = closeRef + 1;
        }
        if (end > 0) {
          flush(p);
          if (hrefEnd > hrefStart) b.links.push({ href: source.slice(hrefStart, hrefEnd), start: hrefStart, end: hrefEnd });
          if (depth < MAX_LINK_DEPTH) inlineMarkdown(b, source, open + 1, closeBracket, scan, depth + 1);
          else b.copy(open + 1, closeBracket);
          p = end;
          run = p;
          continue;
        }
      }
      p++;
      continue;
    }
    if (c === '<') {
      const auto = /^<((?:https?|ftp|mailto):[^\s<>]*|[^\s<>@]+@[^\s<>@]+)>/.exec(source.slice(p, to));
      if (auto) {
        flush(p);
        b.copy(p + 1, p + auto[0].length - 1);
        b.links.push({ href: auto[1]!, start: p + 1, end: p + auto[0].length - 1 });
        p += auto[0].length;
        run = p;
        continue;
      }
      // Bounded by the inline range: a tag must end inside it, so there is no point scanning the rest of the text.
      const parsed = tagsPossible ? parseTag(source, p, to) : undefined;
      if (parsed === UNTERMINATED) tagsPossible = false;
      const tag = parsed === UNTERMINATED ? undefined : parsed;
      if (tag && tag.end <= to) {
        flush(p);
        if (tag.name === 'br') b.breakLine(p);
        for (const a of tag.attrs) {
          if ((a.name === 'href' || a.name === 'src') && a.valueEnd > a.valueStart) {
            b.links.push({ href: decodeAttr(source, a), start: a.valueStart, end: a.valueEnd });
          }
        }
        p = tag.end;
        run = p;
        continue;
      }
      p++;
      continue;
    }
    if (c === '&') {
      const ent = decodeEntity(source, p);
      if (ent && ent.next <= to) {
        flush(p);
        b.emit(ent.text, p, ent.next);
        p = ent.next;
        run = p;
        continue;
      }
      p++;
      continue;
    }
    if (c === '*' || c === '_' || c === '~') {
      let k = p;
      while (k < to && source[k] === c) k++;
      const before = p > from ? source[p - 1]! : ' ';
      const after = k < to ? source[k]! : ' ';
      const wsBefore = /\s/.test(before);
      const wsAfter = /\s/.test(after);
      const punctBefore = UNICODE_PUNCT.test(before);
      const punctAfter = UNICODE_PUNCT.test(after);
      const left = !wsAfter && (!punctAfter || wsBefore || punctBefore);
      const right = !wsBefore && (!punctBefore || wsAfter || punctAfter);
      let delimiter = left || right;
      if (c === '_' && /[\p{L}\p{N}]/u.test(before) && /[\p{L}\p{N}]/u.test(after)) delimiter = false;
      if (c === '~' && k - p !== 2) delimiter = false;
      if (k - p > 3) delimiter = false;
      if (delimiter) {
        flush(p);
        run = k;
      }
      p = k;
      continue;
    }
    p++;
  }
  flush(to);
}

interface MdLine {
  start: number;
  end: number;
}

function isBlankLine(source: string, l: MdLine): boolean {
  return /^\s*$/.test(source.slice(l.start, l.end));
}

function extractMarkdown(source: string): ExtractedText {
  const b = new Builder(source);
  const lines: MdLine[] = [];
  for (let s = 0; s <= source.length; ) {
    const nl = source.indexOf('\n', s);
    const e = nl < 0 ? source.length : nl;
    lines.push({ start: s, end: e > s && source[e - 1] === '\r' ? e - 1 : e });
    if (nl < 0) break;
    s = nl + 1;
  }
  const lineText = (l: MdLine | undefined) => (l ? source.slice(l.start, l.end) : '');
  let fence: string | undefined;
  let inTable = false;

  for (let li = 0; li < lines.length; li++) {
    const line = lines[li]!;
    const raw = lineText(line);
    if (fence !== undefined) {
      if (raw.trim().startsWith(fence) && /^\s*([`~])\1{2,}\s*$/.test(raw)) {
        fence = undefined;
        b.breakLine(line.start);
      } else {
        b.copy(line.start, line.end);
        b.emit('\n', line.end, line.end);
      }
      continue;
    }
    if (isBlankLine(source, line)) {
      inTable = false;
      b.breakLine(line.start);
      continue;
    }
    let pos = line.start;
    let end = line.end;
    // Block prefixes: indentation, blockquote markers.
    for (;;) {
      while (pos < end && (source[pos] === ' ' || source[pos] === '\t')) pos++;
      if (source[pos] === '>') {
        pos++;
        continue;
      }
      break;
    }
    const rest = source.slice(pos, end);
    const fenceOpen = /^(`{3,}|~{3,})/.exec(rest);
    if (fenceOpen) {
      fence = fenceOpen[1]!.slice(0, 3);
      b.breakLine(pos);
      continue;
    }
    if (/^([-*_])(\s*\1){2,}\s*$/.test(rest) || /^=+\s*$/.test(rest)) {
      b.breakLine(pos);
      continue;
    }
    const refDef = /^\[[^\]]+\]:\s*<?(\S+?)>?(\s|$)/.exec(rest);
    if (refDef) {
      const hrefStart = pos + rest.indexOf(refDef[1]!, refDef[0].indexOf(':'));
      b.links.push({ href: refDef[1]!, start: hrefStart, end: hrefStart + refDef[1]!.length });
      b.breakLine(pos);
      continue;
    }
    const next = lines[li + 1];
    const nextRaw = lineText(next);
    if (TABLE_DELIMITER.test(rest) && rest.includes('-') && (inTable || rest.includes('|'))) {
      inTable = true;
      b.breakLine(pos);
      continue;
    }
    if (rest.includes('|') && (inTable || (TABLE_DELIMITER.test(nextRaw) && nextRaw.includes('|')))) {
      inTable = true;
      b.breakLine(pos);
      let cellStart = pos;
      for (let p = pos; p <= end; p++) {
        if (p === end || (source[p] === '|' && source[p - 1] !== '\\')) {
          let cs = cellStart;
          let ce = p;
          while (cs < ce && /\s/.test(source[cs]!)) cs++;
          while (ce > cs && /\s/.test(source[ce - 1]!)) ce--;
          if (ce > cs) {
            inlineMarkdown(b, source, cs, ce);
            b.breakLine(ce);
          }
          cellStart = p + 1;
        }
      }
      continue;
    }
    inTable = false;
    let blockLine = false;
    const heading = /^#{1,6}(?=\s|$)\s*/.exec(rest);
    if (heading) {
      pos += heading[0].length;
      end -= closingSequenceLength(source, pos, end);
      blockLine = true;
    } else {
      const list = /^([-+*]|\d{1,9}[.)])\s+(\[[ xX]\]\s+)?/.exec(rest);
      if (list) {
        b.breakLine(pos);
        pos += list[0].length;
      }
    }
    let hardBreak = false;
    if (end - pos >= 2 && source[end - 1] === ' ' && source[end - 2] === ' ') hardBreak = true;
    else if (source[end - 1] === '\\') {
      hardBreak = true;
      end--;
    }
    while (end > pos && /\s/.test(source[end - 1]!)) end--;
    inlineMarkdown(b, source, pos, end);
    // A following setext underline, heading, list item, quote or fence starts a new block; anything else
    // continues the paragraph with a soft break, which renders as a space.
    const nextTrim = nextRaw.replace(/^\s+/, '');
    const nextStartsBlock =
      next === undefined ||
      nextTrim === '' ||
      /^(#{1,6}(\s|$)|>|[-+*]\s|\d{1,9}[.)]\s|`{3,}|~{3,}|=+\s*$|-+\s*$|\|)/.test(nextTrim);
    if (blockLine || hardBreak || nextStartsBlock) b.breakLine(end);
    else b.space(end, next.start);
  }
  return b.finish();
}

// ------------------------------------------------------------------------------------------ public

function extractText(source: string): ExtractedText {
  const starts = new Int32Array(source.length);
  const ends = new Int32Array(source.length);
  for (let i = 0; i < source.length; i++) {
    starts[i] = i;
    ends[i] = i + 1;
  }
  const links: ExtractedLink[] = [];
  return { text: source, starts, ends, links };
}

/** Extracts the plain text of a body written in `format`, with the offset map back into `source`. */
export function extractPlainText(source: string, format: BodyFormat): ExtractedText {
  switch (format) {
    case 'text':
      return extractText(source);
    case 'html':
      return extractHtml(source);
    case 'markdown':
      return extractMarkdown(source);
  }
}

/** Maps a plain-text span [start, end) back into the source it was extracted from. */
export function mapToSource(extracted: ExtractedText, start: number, end: number): { start: number; end: number } {
  const n = extracted.text.length;
  if (n === 0) return { start: 0, end: 0 };
  const s = Math.min(Math.max(start, 0), n - 1);
  if (end <= start) {
    const at = start >= n ? extracted.ends[n - 1]! : extracted.starts[s]!;
    return { start: at, end: at };
  }
  const e = Math.min(end, n) - 1;
  return { start: extracted.starts[s]!, end: Math.max(extracted.ends[e]!, extracted.starts[s]!) };
}

/**
 * A revision's plain text — title, "\n", body plain text — as every check sees it, with the maps back to the
 * original fields. Built once per revision and shared by all checks.
 */
export interface RevisionText {
  readonly text: string;
  readonly titleLength: number;
  /** Offset of the body's first plain-text character in `text`. */
  readonly bodyOffset: number;
  readonly body: ExtractedText;
  /** Link targets found in the body markup (href/src), with their source offsets. */
  readonly links: readonly ExtractedLink[];
}

export function buildRevisionText(content: Pick<RevisionContent, 'title' | 'body' | 'format'>): RevisionText {
  const body = extractPlainText(content.body, content.format);
  return {
    text: `${content.title}\n${body.text}`,
    titleLength: content.title.length,
    bodyOffset: content.title.length + 1,
    body,
    links: body.links,
  };
}

/** Maps a span of the revision's plain text to the original title or body. */
export function toSourceSpan(rt: RevisionText, start: number, end: number): SourceSpan {
  if (start < rt.titleLength || (start === rt.titleLength && end <= rt.titleLength)) {
    return { field: 'title', start, end: Math.min(Math.max(end, start), rt.titleLength) };
  }
  const bs = Math.max(0, start - rt.bodyOffset);
  const be = Math.max(bs, end - rt.bodyOffset);
  const mapped = mapToSource(rt.body, bs, be);
  return { field: 'body', start: mapped.start, end: mapped.end };
}
