/**
 * Draft bodies (markdown, HTML or plain text) parsed into a small tree of allow-listed elements and text runs
 * that remember where they came from in the source. The board never hands a draft's markup to the browser's
 * HTML parser: React creates only the elements listed here, with only the attributes listed here, and every
 * piece of text goes in as text. Script, style, SVG/MathML, frames, event-handler attributes and non-http(s)
 * links therefore cannot reach the DOM, whatever the draft contains.
 *
 * Source offsets let findings (whose `source` spans index the original field) be highlighted in place.
 */

export const ALLOWED_TAGS = [
  'p', 'br', 'hr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'strong', 'em', 'u', 's', 'sub', 'sup', 'blockquote',
  'ul', 'ol', 'li', 'a', 'code', 'pre', 'span', 'div', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'figure',
  'figcaption', 'section',
] as const;
export type AllowedTag = (typeof ALLOWED_TAGS)[number];

export interface TextNode {
  kind: 'text';
  text: string;
  /** Source range this text stands for. */
  start: number;
  end: number;
  /** True when `text` is exactly source[start, end) (so it can be split at any offset). */
  exact: boolean;
}

export interface ElementNode {
  kind: 'element';
  tag: AllowedTag;
  /** Only a vetted http(s)/mailto link target ever appears here. */
  href?: string;
  /** Image stand-in: the image is never loaded, its alt text is shown. */
  image?: boolean;
  children: SafeNode[];
}

export type SafeNode = TextNode | ElementNode;

const ALLOWED = new Set<string>(ALLOWED_TAGS);
const ALIASES: Record<string, AllowedTag> = { b: 'strong', i: 'em', strike: 's', del: 's', ins: 'u', article: 'section', main: 'section', header: 'section', footer: 'section', aside: 'section', mark: 'span', small: 'span', font: 'span', center: 'div' };
const VOID = new Set(['br', 'hr', 'img', 'wbr', 'input', 'meta', 'link', 'area', 'base', 'col', 'embed', 'param', 'source', 'track']);
/** Elements whose whole content is dropped (never shown, never parsed as markup). */
const SKIP_CONTENT = new Set(['script', 'style', 'template', 'noscript', 'title', 'head', 'textarea', 'svg', 'math', 'iframe', 'object', 'xmp', 'noembed', 'noframes', 'plaintext', 'select', 'frameset', 'applet']);

/** A link target the board may render: absolute http(s) or mailto, with no control characters or spaces. */
export function safeHref(raw: string): string | undefined {
  const value = decodeEntities(raw).trim();
  // Browsers ignore tabs/newlines inside schemes ("java\nscript:"), so anything like that is refused outright.
  if (/[\u0000-\u0020\u007f-\u009f]/.test(value)) return undefined;
  if (!/^(https?:\/\/|mailto:)/i.test(value)) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'mailto:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

const NAMED: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', ldquo: '“', rdquo: '”', lsquo: '‘', rsquo: '’',
  hellip: '…', mdash: '—', ndash: '–', middot: '·', copy: '©', reg: '®', times: '×', yen: '¥', deg: '°',
};
const ENTITY = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z][a-zA-Z0-9]{1,31}));/y;

function entityAt(source: string, i: number): { text: string; next: number } | undefined {
  ENTITY.lastIndex = i;
  const m = ENTITY.exec(source);
  if (!m) return undefined;
  if (m[3] !== undefined) {
    const text = NAMED[m[3]];
    return text === undefined ? undefined : { text, next: i + m[0].length };
  }
  const cp = m[1] !== undefined ? Number.parseInt(m[1], 10) : Number.parseInt(m[2]!, 16);
  const ok = cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
  return { text: ok ? String.fromCodePoint(cp) : '\ufffd', next: i + m[0].length };
}

function decodeEntities(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const e = s[i] === '&' ? entityAt(s, i) : undefined;
    if (e) {
      out += e.text;
      i = e.next - 1;
    } else out += s[i];
  }
  return out;
}

/** Text nodes for source [from, to), entities decoded (a decoded entity becomes its own inexact node). */
function textNodes(source: string, from: number, to: number, decode: boolean): TextNode[] {
  const out: TextNode[] = [];
  let run = from;
  const flush = (end: number) => {
    if (end > run) out.push({ kind: 'text', text: source.slice(run, end), start: run, end, exact: true });
  };
  if (decode) {
    for (let i = from; i < to; i++) {
      if (source.charCodeAt(i) !== 0x26) continue;
      const e = entityAt(source, i);
      if (!e || e.next > to) continue;
      flush(i);
      out.push({ kind: 'text', text: e.text, start: i, end: e.next, exact: false });
      run = e.next;
      i = e.next - 1;
    }
  }
  flush(to);
  return out;
}

// ------------------------------------------------------------------------------------------------ HTML

interface Tag {
  name: string;
  closing: boolean;
  end: number;
  attrs: Map<string, string>;
}

function readTag(source: string, i: number): Tag | undefined {
  const m = /<(\/?)([a-zA-Z][a-zA-Z0-9:-]*)/y;
  m.lastIndex = i;
  const head = m.exec(source);
  if (!head) return undefined;
  const attrs = new Map<string, string>();
  let p = i + head[0].length;
  const n = source.length;
  while (p < n) {
    const ch = source[p]!;
    if (ch === '>') return { name: head[2]!.toLowerCase(), closing: head[1] === '/', end: p + 1, attrs };
    if (/[\s/]/.test(ch)) {
      p++;
      continue;
    }
    const nameStart = p;
    while (p < n && !/[\s=>/]/.test(source[p]!)) p++;
    const name = source.slice(nameStart, p).toLowerCase();
    while (p < n && /\s/.test(source[p]!)) p++;
    if (source[p] !== '=') {
      if (!attrs.has(name)) attrs.set(name, '');
      continue;
    }
    p++;
    while (p < n && /\s/.test(source[p]!)) p++;
    const q = source[p];
    let value: string;
    if (q === '"' || q === "'") {
      const close = source.indexOf(q, p + 1);
      const end = close < 0 ? n : close;
      value = source.slice(p + 1, end);
      p = end + 1;
    } else {
      const vs = p;
      while (p < n && !/[\s>]/.test(source[p]!)) p++;
      value = source.slice(vs, p);
    }
    if (!attrs.has(name)) attrs.set(name, value);
  }
  return undefined;
}

function parseHtml(source: string): SafeNode[] {
  const root: ElementNode = { kind: 'element', tag: 'div', children: [] };
  const stack: Array<{ name: string; node: ElementNode }> = [{ name: '#root', node: root }];
  const top = () => stack[stack.length - 1]!.node;
  const n = source.length;
  let text = 0;
  let i = 0;
  const flushText = (end: number) => {
    if (end > text) top().children.push(...textNodes(source, text, end, true));
  };
  while (i < n) {
    if (source[i] !== '<') {
      i++;
      continue;
    }
    if (source.startsWith('<!--', i)) {
      flushText(i);
      const close = source.indexOf('-->', i + 4);
      i = close < 0 ? n : close + 3;
      text = i;
      continue;
    }
    if (source.startsWith('<!', i) || source.startsWith('<?', i)) {
      flushText(i);
      const close = source.indexOf('>', i);
      i = close < 0 ? n : close + 1;
      text = i;
      continue;
    }
    const tag = readTag(source, i);
    if (!tag) {
      i++;
      continue;
    }
    flushText(i);
    i = tag.end;
    text = i;
    if (SKIP_CONTENT.has(tag.name)) {
      if (!tag.closing) {
        const closeRe = new RegExp(`</${tag.name}[\\s/>]`, 'ig');
        closeRe.lastIndex = i;
        const close = closeRe.exec(source);
        if (close) {
          const gt = source.indexOf('>', close.index);
          i = gt < 0 ? n : gt + 1;
        } else i = n;
        text = i;
      }
      continue;
    }
    const mapped = ALIASES[tag.name] ?? (ALLOWED.has(tag.name) ? (tag.name as AllowedTag) : undefined);
    if (tag.closing) {
      if (!mapped) continue;
      for (let k = stack.length - 1; k > 0; k--) {
        if (stack[k]!.name === tag.name) {
          stack.length = k;
          break;
        }
      }
      continue;
    }
    if (tag.name === 'img') {
      const alt = decodeEntities(tag.attrs.get('alt') ?? '');
      top().children.push({ kind: 'element', tag: 'span', image: true, children: alt ? [{ kind: 'text', text: alt, start: i, end: i, exact: false }] : [] });
      continue;
    }
    if (!mapped) continue; // unknown element: dropped, its text content stays
    const node: ElementNode = { kind: 'element', tag: mapped, children: [] };
    if (mapped === 'a') {
      const href = safeHref(tag.attrs.get('href') ?? '');
      if (href) node.href = href;
    }
    top().children.push(node);
    if (!VOID.has(tag.name) && mapped !== 'br' && mapped !== 'hr') stack.push({ name: tag.name, node });
  }
  flushText(n);
  return root.children;
}

// -------------------------------------------------------------------------------------------- markdown

/** Inline markdown: **strong**, *em* or _em_, `code`, [text](url), ![alt](src); everything else is literal text. */
function parseInline(source: string, from: number, to: number): SafeNode[] {
  const out: SafeNode[] = [];
  let text = from;
  const flush = (end: number) => {
    if (end > text) out.push(...textNodes(source, text, end, true));
  };
  let i = from;
  while (i < to) {
    const ch = source[i];
    if (ch === '`') {
      const close = source.indexOf('`', i + 1);
      if (close > i + 1 && close < to) {
        flush(i);
        out.push({ kind: 'element', tag: 'code', children: textNodes(source, i + 1, close, false) });
        i = close + 1;
        text = i;
        continue;
      }
    }
    if (ch === '*' && source[i + 1] === '*') {
      const close = source.indexOf('**', i + 2);
      if (close > i + 2 && close < to) {
        flush(i);
        out.push({ kind: 'element', tag: 'strong', children: parseInline(source, i + 2, close) });
        i = close + 2;
        text = i;
        continue;
      }
    }
    // `_` emphasis never opens or closes inside a word (snake_case, __proto__ stay text), as in CommonMark.
    const wordy = (k: number) => k >= from && k < to && /[\p{L}\p{N}_]/u.test(source[k]!);
    if ((ch === '*' || (ch === '_' && !wordy(i - 1))) && source[i + 1] !== ch && source[i + 1] !== ' ') {
      const close = source.indexOf(ch, i + 1);
      if (close > i + 1 && close < to && !(ch === '_' && wordy(close + 1))) {
        flush(i);
        out.push({ kind: 'element', tag: 'em', children: parseInline(source, i + 1, close) });
        i = close + 1;
        text = i;
        continue;
      }
    }
    const image = ch === '!' && source[i + 1] === '[';
    if (ch === '[' || image) {
      const open = image ? i + 1 : i;
      const closeText = source.indexOf('](', open);
      const closeUrl = closeText < 0 ? -1 : source.indexOf(')', closeText + 2);
      if (closeText > open && closeUrl > closeText && closeUrl < to && !source.slice(open, closeText).includes('\n')) {
        flush(i);
        const url = source.slice(closeText + 2, closeUrl).trim().split(/\s+/)[0] ?? '';
        if (image) {
          out.push({ kind: 'element', tag: 'span', image: true, children: textNodes(source, open + 1, closeText, true) });
        } else {
          const node: ElementNode = { kind: 'element', tag: 'a', children: parseInline(source, open + 1, closeText) };
          const href = safeHref(url);
          if (href) node.href = href;
          out.push(node);
        }
        i = closeUrl + 1;
        text = i;
        continue;
      }
    }
    i++;
  }
  flush(to);
  return out;
}

interface Line {
  start: number;
  end: number;
}

function parseMarkdown(source: string): SafeNode[] {
  const lines: Line[] = [];
  let s = 0;
  for (let i = 0; i <= source.length; i++) {
    if (i === source.length || source[i] === '\n') {
      lines.push({ start: s, end: i > s && source[i - 1] === '\r' ? i - 1 : i });
      s = i + 1;
    }
  }
  const out: SafeNode[] = [];
  const blank = (l: Line) => source.slice(l.start, l.end).trim() === '';
  let k = 0;
  while (k < lines.length) {
    const line = lines[k]!;
    const raw = source.slice(line.start, line.end);
    if (blank(line)) {
      k++;
      continue;
    }
    if (/^\s*```/.test(raw)) {
      const body: SafeNode[] = [];
      k++;
      while (k < lines.length && !/^\s*```/.test(source.slice(lines[k]!.start, lines[k]!.end))) {
        body.push(...textNodes(source, lines[k]!.start, lines[k]!.end, false), { kind: 'text', text: '\n', start: lines[k]!.end, end: lines[k]!.end, exact: false });
        k++;
      }
      k++;
      out.push({ kind: 'element', tag: 'pre', children: [{ kind: 'element', tag: 'code', children: body }] });
      continue;
    }
    const heading = /^(#{1,6})\s+/.exec(raw);
    if (heading) {
      out.push({ kind: 'element', tag: `h${heading[1]!.length}` as AllowedTag, children: parseInline(source, line.start + heading[0].length, line.end) });
      k++;
      continue;
    }
    if (/^\s*(-{3,}|\*{3,}|_{3,})\s*$/.test(raw)) {
      out.push({ kind: 'element', tag: 'hr', children: [] });
      k++;
      continue;
    }
    const listMatch = (l: Line) => /^\s*([-*+]|\d{1,9}[.)])\s+/.exec(source.slice(l.start, l.end));
    const first = listMatch(line);
    if (first) {
      const ordered = /\d/.test(first[1]!);
      const list: ElementNode = { kind: 'element', tag: ordered ? 'ol' : 'ul', children: [] };
      while (k < lines.length) {
        const m = listMatch(lines[k]!);
        if (!m || /\d/.test(m[1]!) !== ordered) break;
        list.children.push({ kind: 'element', tag: 'li', children: parseInline(source, lines[k]!.start + m[0].length, lines[k]!.end) });
        k++;
      }
      out.push(list);
      continue;
    }
    if (/^\s*>/.test(raw)) {
      const quote: ElementNode = { kind: 'element', tag: 'blockquote', children: [] };
      while (k < lines.length) {
        const m = /^\s*>\s?/.exec(source.slice(lines[k]!.start, lines[k]!.end));
        if (!m) break;
        quote.children.push({ kind: 'element', tag: 'p', children: parseInline(source, lines[k]!.start + m[0].length, lines[k]!.end) });
        k++;
      }
      out.push(quote);
      continue;
    }
    // A paragraph: consecutive non-blank lines that start no other block; single newlines become <br>.
    const para: ElementNode = { kind: 'element', tag: 'p', children: [] };
    while (k < lines.length && !blank(lines[k]!)) {
      const l = lines[k]!;
      if (para.children.length > 0) {
        const r = source.slice(l.start, l.end);
        if (/^(#{1,6}\s|\s*```|\s*>|\s*([-*+]|\d{1,9}[.)])\s)/.test(r)) break;
        para.children.push({ kind: 'element', tag: 'br', children: [] });
      }
      para.children.push(...parseInline(source, l.start, l.end));
      k++;
    }
    out.push(para);
  }
  return out;
}

function parseText(source: string): SafeNode[] {
  const out: SafeNode[] = [];
  const paragraphs = source.split(/\n{2,}/);
  let offset = 0;
  for (const p of paragraphs) {
    const start = source.indexOf(p, offset);
    const node: ElementNode = { kind: 'element', tag: 'p', children: [] };
    let lineStart = start;
    for (const line of p.split('\n')) {
      if (lineStart > start) node.children.push({ kind: 'element', tag: 'br', children: [] });
      node.children.push(...textNodes(source, lineStart, lineStart + line.length, false));
      lineStart += line.length + 1;
    }
    if (p.trim()) out.push(node);
    offset = start + p.length;
  }
  return out;
}

/** Parses a draft body into the safe tree. Unknown formats are shown as plain text. */
export function parseBody(source: string, format: string): SafeNode[] {
  if (format === 'html') return parseHtml(source);
  if (format === 'markdown') return parseMarkdown(source);
  return parseText(source);
}

// ------------------------------------------------------------------------------------------ highlights

export interface Highlight {
  id: string;
  start: number;
  end: number;
  /** Lower wins when highlights overlap (e.g. 0 = block, 1 = review, 2 = info). */
  rank: number;
  className: string;
  /** Findings (default) and proofreading marks are drawn as separate layers, so one never hides the other. */
  kind?: 'finding' | 'mark';
}

export interface Piece {
  text: string;
  /** Source range of this piece; `exact` when text is source[start, end) verbatim. */
  start: number;
  end: number;
  exact: boolean;
  highlight?: Highlight;
  /** Every highlight covering this piece, best first (the first one also opens the finding). */
  ids?: string[];
  covering?: Highlight[];
}

/** Splits one text node into pieces by the highlights that cover it. */
export function splitText(node: TextNode, highlights: readonly Highlight[]): Piece[] {
  const whole = { text: node.text, start: node.start, end: node.end, exact: node.exact };
  const covering = highlights.filter((h) => h.end > h.start && h.start < Math.max(node.end, node.start + 1) && h.end > node.start);
  if (covering.length === 0) return [whole];
  const pick = (hs: Highlight[]): Pick<Piece, 'highlight' | 'ids' | 'covering'> | undefined => {
    if (hs.length === 0) return undefined;
    const sorted = [...hs].sort((a, b) => a.rank - b.rank || a.start - b.start);
    return { highlight: sorted[0]!, ids: sorted.map((h) => h.id), covering: sorted };
  };
  if (!node.exact) return [{ ...pick(covering), ...whole }];
  const cuts = new Set<number>([node.start, node.end]);
  for (const h of covering) {
    if (h.start > node.start && h.start < node.end) cuts.add(h.start);
    if (h.end > node.start && h.end < node.end) cuts.add(h.end);
  }
  const points = [...cuts].sort((a, b) => a - b);
  const out: Piece[] = [];
  for (let k = 0; k + 1 < points.length; k++) {
    const a = points[k]!;
    const b = points[k + 1]!;
    const here = covering.filter((h) => h.start <= a && h.end >= b);
    const piece = { text: node.text.slice(a - node.start, b - node.start), start: a, end: b, exact: true };
    out.push({ ...pick(here), ...piece });
  }
  return out;
}
