import { parseFragment, type DefaultTreeAdapterMap } from 'parse5';
import MarkdownIt from 'markdown-it';
import {
  ALIGNABLE,
  ALIGNS,
  BLOCK_TAGS,
  DOC_TAGS,
  FONT_SIZE_MAX,
  FONT_SIZE_MIN,
  MEDIA_REF,
  MIN_CONTRAST,
  OL_START_MAX,
  SPAN_MAX,
  VOID_TAGS,
  type Align,
  type DocAttrs,
  type DocElement,
  type DocNode,
  type DocNote,
  type DocRefusal,
  type DocTag,
  type MediaKind,
  type MediaUse,
} from './model';

type P5Node = DefaultTreeAdapterMap['node'];
type P5Element = DefaultTreeAdapterMap['element'];

const HTML_NS = 'http://www.w3.org/1999/xhtml';

/** Spelled differently, same meaning: no note. */
const ALIASES: Record<string, DocTag> = {
  b: 'strong',
  i: 'em',
  strike: 's',
  del: 's',
  ins: 'u',
  tt: 'code',
  kbd: 'code',
  samp: 'code',
  section: 'div',
  article: 'div',
  main: 'div',
  header: 'div',
  footer: 'div',
  aside: 'div',
  nav: 'div',
  address: 'div',
  hgroup: 'div',
  dl: 'div',
  dt: 'div',
  dd: 'div',
  font: 'span',
  center: 'div',
  mark: 'span',
  small: 'span',
  big: 'span',
};
/** Elements kept as they are: the model's own tags. */
const KEEP: ReadonlySet<string> = new Set(DOC_TAGS);
/** Turned into a plain container, with a note saying what changed for a reader. */
const TO_DIV_NOTED: Record<string, string> = {
  details: '折叠内容 <details> 已展开为普通段落（原本可能被折叠隐藏）',
  summary: '<summary> 已转为普通段落',
  dialog: '对话框 <dialog> 已转为普通段落（原本不显示）',
  form: '表单 <form> 已移除（其中文字保留）',
  fieldset: '<fieldset> 已转为普通段落',
  legend: '<legend> 已转为普通段落',
  tfoot: '表格 <tfoot> 已转为普通表体',
};
/** Dropped together with everything inside them: never shown to a reader by us, so never checked either. */
const DROP_WITH_CONTENT: ReadonlySet<string> = new Set([
  'script',
  'style',
  'template',
  'noscript',
  'textarea',
  'select',
  'option',
  'optgroup',
  'datalist',
  'input',
  'button',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'applet',
  'param',
  'xmp',
  'plaintext',
  'noembed',
  'noframes',
  'meta',
  'link',
  'base',
  'title',
  'head',
  'canvas',
  'map',
  'area',
  'track',
  'rt',
  'rp',
  'caption',
  'colgroup',
  'col',
  'output',
  'progress',
  'meter',
  'slot',
  'portal',
  'source',
  'picture-source',
  'menu',
  'search',
]);

export const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;
const HIDING_PROPS: Record<string, (v: string) => boolean> = {
  display: (v) => /none|contents/.test(v),
  visibility: (v) => /hidden|collapse/.test(v),
  opacity: (v) => Number.parseFloat(v) < 1,
  'font-size': () => false,
  height: (v) => /^0/.test(v),
  width: (v) => /^0/.test(v),
  'max-height': (v) => /^0/.test(v),
  'max-width': (v) => /^0/.test(v),
  overflow: (v) => /hidden|clip/.test(v),
  position: (v) => /absolute|fixed/.test(v),
  clip: () => true,
  'clip-path': () => true,
  'text-indent': (v) => /^-/.test(v),
  transform: () => true,
  direction: () => true,
  'unicode-bidi': () => true,
  'background-color': () => true,
  background: () => true,
  content: () => true,
  'line-height': (v) => /^0/.test(v),
  'letter-spacing': (v) => /^-/.test(v),
  'z-index': () => true,
  filter: () => true,
  'mix-blend-mode': () => true,
};

const NAMED_COLOURS: Record<string, string> = {
  black: '#000000',
  white: '#ffffff',
  red: '#ff0000',
  green: '#008000',
  blue: '#0000ff',
  gray: '#808080',
  grey: '#808080',
  orange: '#ffa500',
  purple: '#800080',
  navy: '#000080',
  maroon: '#800000',
  teal: '#008080',
  olive: '#808000',
  brown: '#a52a2a',
  darkred: '#8b0000',
  darkblue: '#00008b',
  darkgreen: '#006400',
  silver: '#c0c0c0',
  yellow: '#ffff00',
  pink: '#ffc0cb',
  gold: '#ffd700',
  crimson: '#dc143c',
  lightgray: '#d3d3d3',
  lightgrey: '#d3d3d3',
  whitesmoke: '#f5f5f5',
};

export interface CanonicalResult {
  /** Stored format: markdown becomes html; text stays text. */
  format: 'html' | 'text';
  /** The canonical serialization. */
  body: string;
  notes: DocNote[];
  refusals: DocRefusal[];
  /** Media referenced, in document order, each hash once. */
  media: MediaUse[];
}

class Notes {
  private readonly byKey = new Map<string, DocNote>();
  readonly refusals: DocRefusal[] = [];
  constructor(private readonly positions: boolean) {}
  add(code: string, construct: string, message: string, at?: { line: number; col: number } | null): void {
    const key = `${code}\0${construct}`;
    const have = this.byKey.get(key);
    if (have) {
      have.count++;
      return;
    }
    const note: DocNote = { code, construct, count: 1, message };
    if (this.positions && at) {
      note.line = at.line;
      note.col = at.col;
    }
    this.byKey.set(key, note);
  }
  refuse(code: string, construct: string, message: string, at?: { line: number; col: number } | null): void {
    const r: DocRefusal = { code, construct, message };
    if (this.positions && at) {
      r.line = at.line;
      r.col = at.col;
    }
    if (this.refusals.length < 20) this.refusals.push(r);
  }
  list(): DocNote[] {
    return [...this.byKey.values()];
  }
}

const posOf = (n: P5Node): { line: number; col: number } | null => {
  const loc = (n as { sourceCodeLocation?: { startLine: number; startCol: number } | null }).sourceCodeLocation;
  return loc ? { line: loc.startLine, col: loc.startCol } : null;
};

// ------------------------------------------------------------------------------------------ values

function parseHex(c: string): [number, number, number] | undefined {
  const v = c.trim().toLowerCase();
  const named = NAMED_COLOURS[v];
  if (named) return parseHex(named);
  let m = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/.exec(v);
  if (m) return [Number.parseInt(m[1]! + m[1]!, 16), Number.parseInt(m[2]! + m[2]!, 16), Number.parseInt(m[3]! + m[3]!, 16)];
  m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/.exec(v);
  if (m) return [Number.parseInt(m[1]!, 16), Number.parseInt(m[2]!, 16), Number.parseInt(m[3]!, 16)];
  m = /^rgba?\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*(?:,\s*(1|1\.0+)\s*)?\)$/.exec(v);
  if (m) {
    const rgb = [m[1], m[2], m[3]].map((x) => Number(x)) as [number, number, number];
    return rgb.every((x) => x <= 255) ? rgb : undefined;
  }
  return undefined;
}

function luminance([r, g, b]: [number, number, number]): number {
  const f = (x: number) => {
    const s = x / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
}

/** #rrggbb for a colour readable on the white page, or a reason it is not kept. */
export function readableColour(raw: string): { color: string } | { reason: string } {
  const rgb = parseHex(raw);
  if (!rgb) return { reason: `颜色「${raw.slice(0, 40)}」无法识别` };
  const contrast = 1.05 / (luminance(rgb) + 0.05);
  if (contrast < MIN_CONTRAST) return { reason: `文字颜色「${raw.slice(0, 40)}」与白色背景几乎相同，已改为默认颜色` };
  return { color: `#${rgb.map((x) => x.toString(16).padStart(2, '0')).join('')}` };
}

function fontSizePx(raw: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(px|pt|em|rem|%)?$/.exec(raw.trim().toLowerCase());
  if (!m) return undefined;
  const n = Number.parseFloat(m[1]!);
  switch (m[2]) {
    case 'pt':
      return (n * 4) / 3;
    case 'em':
    case 'rem':
      return n * 16;
    case '%':
      return (n * 16) / 100;
    default:
      return n;
  }
}

/**
 * A link target read as a browser reads it: the HTML parser has already decoded entities; WHATWG URL then strips
 * tabs/newlines, lower-cases the scheme and treats `\` as `/` in special schemes. Only absolute http(s)/mailto.
 */
export function readLink(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:' && url.protocol !== 'mailto:') return undefined;
  return url.href;
}

/** `media:<hash>`, an external/inline source (refused), or junk (dropped). */
function readMediaSrc(raw: string): { media: string } | { external: true } | { junk: true } {
  const v = raw.trim();
  const m = MEDIA_REF.exec(v.toLowerCase());
  if (m) return { media: m[1]! };
  if (/^\s*\/\//.test(v) || /^\s*\\\\/.test(v)) return { external: true };
  try {
    const u = new URL(v);
    if (['http:', 'https:', 'data:', 'ftp:', 'blob:', 'file:'].includes(u.protocol)) return { external: true };
  } catch {
    /* not absolute */
  }
  return { junk: true };
}

// ------------------------------------------------------------------------------------------ HTML → tree

const attr = (el: P5Element, name: string) => el.attrs.find((a) => a.name === name && !a.prefix)?.value;

interface Ctx {
  notes: Notes;
  media: Map<string, MediaKind>;
}

function readStyle(el: P5Element, tag: DocTag, attrs: DocAttrs, ctx: Ctx): void {
  const raw = attr(el, 'style');
  if (raw === undefined) return;
  const at = posOf(el);
  for (const decl of raw.split(';')) {
    const colon = decl.indexOf(':');
    if (colon < 0) {
      if (decl.trim()) ctx.notes.add('style-dropped', decl.trim().slice(0, 40), `样式「${decl.trim().slice(0, 40)}」已移除`, at);
      continue;
    }
    const prop = decl.slice(0, colon).trim().toLowerCase();
    const value = decl
      .slice(colon + 1)
      .trim()
      .replace(/\s*!important$/i, '')
      .toLowerCase();
    const construct = `${prop}:${value}`.slice(0, 60);
    if (prop === 'text-align' && ALIGNABLE.has(tag) && (ALIGNS as readonly string[]).includes(value)) {
      attrs.align = value as Align;
      continue;
    }
    if (prop === 'color' && tag === 'span') {
      const c = readableColour(value);
      if ('color' in c) attrs.color = c.color;
      else ctx.notes.add('colour-dropped', construct, c.reason, at);
      continue;
    }
    if (prop === 'font-size' && tag === 'span') {
      const px = fontSizePx(value);
      if (px === undefined) {
        ctx.notes.add('style-dropped', construct, `字号「${value.slice(0, 30)}」无法识别，已改为默认字号`, at);
        continue;
      }
      const clamped = Math.round(Math.min(FONT_SIZE_MAX, Math.max(FONT_SIZE_MIN, px)));
      if (clamped !== Math.round(px)) ctx.notes.add('size-clamped', construct, `字号 ${value} 超出允许范围（${FONT_SIZE_MIN}–${FONT_SIZE_MAX}px），已改为 ${clamped}px`, at);
      attrs.size = clamped;
      continue;
    }
    const hiding = HIDING_PROPS[prop]?.(value);
    if (hiding) {
      ctx.notes.add('hidden-style', construct, `可能隐藏或改变文字显示的样式「${construct}」已移除：其中的文字现在按正常方式显示`, at);
    } else if (/url\s*\(/i.test(value)) {
      ctx.notes.add('style-url', construct, `样式中的外部地址「${construct}」已移除（不加载任何外部资源）`, at);
    } else {
      ctx.notes.add('style-dropped', prop, `样式「${prop}」不在允许范围（对齐、颜色、字号），已移除`, at);
    }
  }
}

const KNOWN_ATTRS: Record<string, ReadonlySet<string>> = {
  a: new Set(['href']),
  img: new Set(['src', 'alt']),
  video: new Set(['src', 'controls']),
  audio: new Set(['src', 'controls']),
  ol: new Set(['start']),
  td: new Set(['colspan', 'rowspan']),
  th: new Set(['colspan', 'rowspan']),
};

function convertElement(el: P5Element, ctx: Ctx, out: DocNode[]): void {
  const name = el.tagName.toLowerCase();
  const at = posOf(el);
  if (el.namespaceURI !== HTML_NS) {
    // SVG/MathML: a browser shows their text (and whatever the parser put inside them, e.g. the rest of the
    // document after an unclosed <math>), so the text is kept as plain text; their script/style are dropped.
    if (DROP_WITH_CONTENT.has(name) || name === 'desc' || name === 'metadata' || name === 'annotation' || name === 'annotation-xml') {
      ctx.notes.add('element-dropped', `<${name}>`, `<${name}> 及其中内容已移除`, at);
      return;
    }
    ctx.notes.add('element-unwrapped', `<${name}>`, `SVG/MathML 标记 <${name}> 已去掉（其中文字保留并按普通文字显示）`, at);
    for (const c of el.childNodes) convertChild(c, ctx, out);
    return;
  }
  if (DROP_WITH_CONTENT.has(name)) {
    ctx.notes.add('element-dropped', `<${name}>`, `<${name}> 及其中内容已移除（不在允许的文档结构内，读者不会看到）`, at);
    return;
  }
  let tag: DocTag | undefined;
  if (KEEP.has(name)) tag = name as DocTag;
  else if (ALIASES[name]) tag = ALIASES[name];
  else if (TO_DIV_NOTED[name]) {
    tag = 'div';
    ctx.notes.add('element-changed', `<${name}>`, TO_DIV_NOTED[name]!, at);
  } else if (name === 'picture') {
    // <picture><source …><img …></picture>: only the img counts.
    for (const c of el.childNodes) convertChild(c, ctx, out);
    return;
  } else {
    ctx.notes.add('element-unwrapped', `<${name}>`, `不支持的标记 <${name}> 已去掉（其中文字保留并按普通文字显示）`, at);
    for (const c of el.childNodes) convertChild(c, ctx, out);
    return;
  }
  const attrs: DocAttrs = {};
  if (name === 'center') attrs.align = 'center';
  const allowed = KNOWN_ATTRS[tag] ?? new Set<string>();
  for (const a of el.attrs) {
    const an = a.prefix ? `${a.prefix}:${a.name}` : a.name;
    if (an === 'style' || allowed.has(an)) continue;
    if (an === 'align' && ALIGNABLE.has(tag) && (ALIGNS as readonly string[]).includes(a.value.trim().toLowerCase())) {
      attrs.align = a.value.trim().toLowerCase() as Align;
      continue;
    }
    if (an === 'color' && name === 'font') {
      const c = readableColour(a.value);
      if ('color' in c) attrs.color = c.color;
      else ctx.notes.add('colour-dropped', `color=${a.value.slice(0, 30)}`, c.reason, at);
      continue;
    }
    if (/^on/i.test(an)) ctx.notes.add('handler-dropped', `${an} 属性`, `事件属性 ${an} 已移除（不执行任何脚本）`, at);
    else if (an === 'title') ctx.notes.add('title-dropped', 'title 属性', '悬停提示 title 已移除（读者看不到的文字不保留）', at);
    else if (['srcset', 'poster', 'background', 'action', 'formaction', 'data', 'codebase', 'xlink:href', 'ping', 'cite', 'longdesc', 'lowsrc', 'dynsrc'].includes(an))
      ctx.notes.add('url-attribute-dropped', `${an} 属性`, `地址属性 ${an} 已移除（不加载任何外部资源）`, at);
    else if (an === 'dir') ctx.notes.add('bidi-dropped', 'dir 属性', '文字方向 dir 已移除（文字按书写顺序显示）', at);
    else if (an === 'hidden') ctx.notes.add('hidden-style', 'hidden 属性', 'hidden 属性已移除：其中的文字现在可见', at);
    else ctx.notes.add('attribute-dropped', `${an} 属性`, `属性 ${an} 不在允许范围，已移除`, at);
  }
  readStyle(el, tag, attrs, ctx);

  if (tag === 'a') {
    const href = attr(el, 'href');
    if (href !== undefined) {
      const link = readLink(href);
      if (link) attrs.href = link;
      else ctx.notes.add('link-dropped', `href=${href.slice(0, 60)}`, `链接地址「${href.slice(0, 60)}」不是完整的 http/https/mailto 地址，已去掉链接（文字保留）`, at);
    }
    if (!attrs.href) {
      for (const c of el.childNodes) convertChild(c, ctx, out);
      return;
    }
  }
  if (tag === 'img' || tag === 'video' || tag === 'audio') {
    const kind: MediaKind = tag === 'img' ? 'image' : tag;
    let src = attr(el, 'src');
    if (src === undefined && tag !== 'img') {
      const source = el.childNodes.find((c): c is P5Element => 'tagName' in c && c.tagName === 'source' && attr(c, 'src') !== undefined);
      if (source) src = attr(source, 'src');
    }
    if (src === undefined) {
      ctx.notes.add('media-dropped', `<${name}>`, `没有地址的 <${name}> 已移除`, at);
      return;
    }
    const read = readMediaSrc(src);
    if ('external' in read) {
      ctx.notes.refuse(
        'external_media',
        `<${name} src>`,
        `<${name}> 引用了外部或内嵌地址「${src.slice(0, 80)}」：请先通过 POST /api/media 上传，再以 media:<哈希> 引用（服务器不抓取任何外部地址）`,
        at,
      );
      return;
    }
    if ('junk' in read) {
      ctx.notes.add('media-dropped', `<${name} src=${src.slice(0, 40)}>`, `<${name}> 的地址「${src.slice(0, 60)}」不是已上传的媒体，已移除`, at);
      return;
    }
    const known = ctx.media.get(read.media);
    if (known && known !== kind) {
      ctx.notes.refuse('media_kind_mismatch', `<${name}>`, `媒体 ${read.media.slice(0, 12)}… 以 <${name}> 引用，但此前作为 ${known} 引用`, at);
      return;
    }
    ctx.media.set(read.media, kind);
    attrs.media = read.media;
    if (tag === 'img') {
      const alt = attr(el, 'alt');
      if (alt !== undefined)
        attrs.alt = alt
          .replace(BIDI_CONTROLS, '')
          .replace(/[ \t\n\r\f]+/g, ' ')
          .trim();
      if (!attrs.alt) delete attrs.alt;
      out.push({ kind: 'element', tag, attrs, children: [] });
      return;
    }
    out.push({ kind: 'element', tag, attrs, children: [] });
    return;
  }
  if (tag === 'ol') {
    const start = attr(el, 'start');
    if (start !== undefined) {
      const n = Number(start.trim());
      if (Number.isInteger(n) && n >= 1 && n <= OL_START_MAX) {
        if (n !== 1) attrs.start = n;
      } else ctx.notes.add('attribute-dropped', `start=${start.slice(0, 20)}`, `列表起始编号「${start.slice(0, 20)}」超出范围（1–${OL_START_MAX}），已改为从 1 开始`, at);
    }
  }
  if (tag === 'td' || tag === 'th') {
    for (const k of ['colspan', 'rowspan'] as const) {
      const v = attr(el, k);
      if (v === undefined) continue;
      const n = Number(v.trim());
      if (Number.isInteger(n) && n >= 2 && n <= SPAN_MAX) attrs[k] = n;
      else if (!(Number.isInteger(n) && n === 1)) ctx.notes.add('attribute-dropped', `${k}=${v.slice(0, 10)}`, `${k}「${v.slice(0, 10)}」超出范围，已移除`, at);
    }
  }
  const children: DocNode[] = [];
  const kids = (name === 'template' ? [] : el.childNodes) as P5Node[];
  for (const c of kids) convertChild(c, ctx, children);
  out.push({ kind: 'element', tag, attrs, children });
}

function convertChild(n: P5Node, ctx: Ctx, out: DocNode[]): void {
  if (n.nodeName === '#text') {
    let text = (n as DefaultTreeAdapterMap['textNode']).value;
    if (BIDI_CONTROLS.test(text)) {
      BIDI_CONTROLS.lastIndex = 0;
      ctx.notes.add('bidi-control', '方向控制字符', '文字方向控制字符（U+202A–202E、U+2066–2069 等）已移除：文字按书写顺序显示', posOf(n));
      text = text.replace(BIDI_CONTROLS, '');
    }
    BIDI_CONTROLS.lastIndex = 0;
    if (text) out.push({ kind: 'text', text, start: 0, end: 0, exact: true });
    return;
  }
  if (n.nodeName === '#comment') {
    ctx.notes.add('comment-dropped', 'HTML 注释', 'HTML 注释已移除（读者看不到）', posOf(n));
    return;
  }
  if (n.nodeName === '#documentType') return;
  if ('tagName' in n) convertElement(n as P5Element, ctx, out);
}

// ------------------------------------------------------------------------------------------ whitespace

const KEEP_EMPTY: ReadonlySet<string> = new Set(['br', 'hr', 'img', 'video', 'audio', 'td', 'th', 'tr', 'li']);

interface WsState {
  lineStart: boolean;
  pending: boolean;
}

/** Collapses whitespace as CSS `white-space: normal` renders it, and drops what renders as nothing. */
function normalise(nodes: DocNode[], st: WsState, inPre: boolean): DocNode[] {
  const out: DocNode[] = [];
  const flushPending = () => {
    if (!st.pending) return;
    st.pending = false;
    const last = out[out.length - 1];
    if (last && last.kind === 'text') last.text += ' ';
    else out.push({ kind: 'text', text: ' ', start: 0, end: 0, exact: true });
  };
  for (const n of nodes) {
    if (n.kind === 'text') {
      if (inPre) {
        if (n.text) out.push({ ...n });
        st.lineStart = false;
        continue;
      }
      let buf = '';
      for (const seg of n.text.split(/([ \t\n\r\f]+)/)) {
        if (seg === '') continue;
        if (/^[ \t\n\r\f]+$/.test(seg)) {
          if (!st.lineStart) st.pending = true;
          continue;
        }
        if (st.pending) {
          if (buf) buf += ' ';
          else flushPending();
          st.pending = false;
        }
        buf += seg;
        st.lineStart = false;
      }
      if (buf) {
        const last = out[out.length - 1];
        if (last && last.kind === 'text') last.text += buf;
        else out.push({ kind: 'text', text: buf, start: 0, end: 0, exact: true });
      }
      continue;
    }
    const block = BLOCK_TAGS.has(n.tag);
    if (block || n.tag === 'br') {
      st.pending = false;
      st.lineStart = true;
    } else if (n.tag === 'img') {
      flushPending();
      st.lineStart = false;
    }
    const children = n.tag === 'pre' ? normalise(n.children, { lineStart: false, pending: false }, true) : normalise(n.children, st, inPre);
    if (block || n.tag === 'br') {
      st.pending = false;
      st.lineStart = true;
    }
    if (children.length === 0 && !KEEP_EMPTY.has(n.tag)) continue;
    // A trailing space at the end of a block renders as nothing.
    if (block && n.tag !== 'pre') {
      const last = children[children.length - 1];
      if (last && last.kind === 'text' && last.text.endsWith(' ')) {
        last.text = last.text.slice(0, -1);
        if (!last.text) children.pop();
      }
      if (children.length === 0 && !KEEP_EMPTY.has(n.tag)) continue;
    }
    out.push({ ...n, children });
  }
  return out;
}

/** Drops the trailing space a block's last inline child left (nested inline elements). */
function trimBlockEnds(nodes: DocNode[]): void {
  for (const n of nodes) {
    if (n.kind !== 'element') continue;
    trimBlockEnds(n.children);
    if (!BLOCK_TAGS.has(n.tag) || n.tag === 'pre') continue;
    let k: DocNode | undefined = n;
    while (k && k.kind === 'element' && k.children.length > 0 && !VOID_TAGS.has(k.tag)) k = k.children[k.children.length - 1];
    if (k && k.kind === 'text' && k.text.endsWith(' ')) k.text = k.text.slice(0, -1);
  }
}

function prune(nodes: DocNode[]): DocNode[] {
  const out: DocNode[] = [];
  for (const n of nodes) {
    if (n.kind === 'text') {
      if (n.text) out.push(n);
      continue;
    }
    n.children = prune(n.children);
    if (n.children.length === 0 && !KEEP_EMPTY.has(n.tag)) continue;
    out.push(n);
  }
  return out;
}

// ------------------------------------------------------------------------------------------ serialization

export interface DocLink {
  href: string;
  /** Range of the href value in the canonical serialization. */
  start: number;
  end: number;
}

export interface DocMediaField {
  hash: string;
  kind: MediaKind;
  alt?: string;
  /** Range of the src value in the serialization. */
  start: number;
  end: number;
}

/** What checks read: the plain text with its map into the serialization, links and media as located fields. */
export interface DocText {
  text: string;
  starts: Int32Array;
  ends: Int32Array;
  links: DocLink[];
  media: DocMediaField[];
}

class PlainBuilder {
  parts: string[] = [];
  length = 0;
  starts = new Int32Array(256);
  ends = new Int32Array(256);
  last = '\n';
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
  /** A separator owed after inline content (image alt text), written only if non-space content follows. */
  private owed = -1;
  softSpace(at: number): void {
    this.owed = at;
  }
  char(c: string, start: number, end: number): void {
    if (this.owed >= 0) {
      const at = this.owed;
      this.owed = -1;
      if (c !== ' ' && c !== '\n' && this.last !== ' ' && this.last !== '\n') this.char(' ', at, at);
    }
    if (c.length === 0) return;
    this.ensure(c.length);
    for (let k = 0; k < c.length; k++) {
      this.starts[this.length] = start;
      this.ends[this.length] = end;
      this.length++;
    }
    this.parts.push(c);
    this.last = c[c.length - 1]!;
  }
  /** A run of text copied one to one, starting at serialization offset `at`. */
  run(text: string, at: number): void {
    if (this.owed >= 0) {
      const owedAt = this.owed;
      this.owed = -1;
      if (text[0] !== ' ' && text[0] !== '\n' && this.last !== ' ' && this.last !== '\n') this.char(' ', owedAt, owedAt);
    }
    this.ensure(text.length);
    for (let k = 0; k < text.length; k++) {
      this.starts[this.length] = at + k;
      this.ends[this.length] = at + k + 1;
      this.length++;
    }
    this.parts.push(text);
    this.last = text[text.length - 1]!;
  }
  breakLine(at: number): void {
    this.owed = -1;
    if (this.length === 0 || this.last === '\n') return;
    this.char('\n', at, at);
  }
  space(at: number): void {
    if (this.length === 0 || this.last === '\n' || this.last === ' ') return;
    this.char(' ', at, at);
  }
  finish(): { text: string; starts: Int32Array; ends: Int32Array } {
    let text = this.parts.join('');
    let len = this.length;
    while (len > 0 && (text[len - 1] === '\n' || text[len - 1] === ' ') && this.starts[len - 1] === this.ends[len - 1]) len--;
    if (len !== text.length) text = text.slice(0, len);
    return { text, starts: this.starts.slice(0, len), ends: this.ends.slice(0, len) };
  }
}

const TEXT_ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\u00a0': '&nbsp;' };
const ATTR_ESC: Record<string, string> = { '&': '&amp;', '"': '&quot;', '\u00a0': '&nbsp;' };
const TEXT_ESC_RE = /[&<>\u00a0]/g;
const escAttr = (s: string) => s.replace(/[&"\u00a0]/g, (c) => ATTR_ESC[c]!);

export interface SerializeOptions {
  /** URL a media hash is served at (rendering); default: the canonical `media:<hash>`. */
  mediaUrl?: (hash: string, kind: MediaKind) => string;
}

export interface Serialized {
  html: string;
  /** The tree, text split into runs that each map exactly (or stand for one escaped character), with offsets. */
  nodes: DocNode[];
  plain: DocText;
}

function attrString(el: DocElement, opts: SerializeOptions): Array<[string, string]> {
  const a = el.attrs;
  const out: Array<[string, string]> = [];
  if (a.media !== undefined) out.push(['src', opts.mediaUrl ? opts.mediaUrl(a.media, el.tag === 'img' ? 'image' : (el.tag as MediaKind)) : `media:${a.media}`]);
  if (a.alt !== undefined) out.push(['alt', a.alt]);
  if (el.tag === 'video' || el.tag === 'audio') out.push(['controls', '']);
  if (a.href !== undefined) out.push(['href', a.href]);
  if (a.start !== undefined) out.push(['start', String(a.start)]);
  if (a.colspan !== undefined) out.push(['colspan', String(a.colspan)]);
  if (a.rowspan !== undefined) out.push(['rowspan', String(a.rowspan)]);
  const style: string[] = [];
  if (a.align) style.push(`text-align:${a.align}`);
  if (a.color) style.push(`color:${a.color}`);
  if (a.size) style.push(`font-size:${a.size}px`);
  if (style.length) out.push(['style', style.join(';')]);
  return out;
}

/** Serializes a normalised tree; one walk yields the canonical HTML, the located tree and the plain text. */
export function serialize(tree: readonly DocNode[], opts: SerializeOptions = {}): Serialized {
  let html = '';
  const pb = new PlainBuilder();
  const links: DocLink[] = [];
  const media: DocMediaField[] = [];
  const walk = (nodes: readonly DocNode[], top: boolean, inPre: boolean): DocNode[] => {
    const out: DocNode[] = [];
    for (const n of nodes) {
      if (n.kind === 'text') {
        // Runs between characters that need escaping go in whole; each escaped character is its own inexact node.
        const text = n.text;
        let i = 0;
        while (i < text.length) {
          TEXT_ESC_RE.lastIndex = i;
          const m = TEXT_ESC_RE.exec(text);
          const j = m ? m.index : text.length;
          if (j > i) {
            const run = text.slice(i, j);
            const s = html.length;
            html += run;
            out.push({ kind: 'text', text: run, start: s, end: s + run.length, exact: true });
            pb.run(run, s);
          }
          if (!m) break;
          const s = html.length;
          html += TEXT_ESC[m[0]]!;
          out.push({ kind: 'text', text: m[0], start: s, end: html.length, exact: false });
          pb.char(m[0], s, html.length);
          i = j + 1;
        }
        continue;
      }
      const block = BLOCK_TAGS.has(n.tag);
      const tagStart = html.length;
      if (block) pb.breakLine(tagStart);
      html += `<${n.tag}`;
      const el: DocElement = { kind: 'element', tag: n.tag, attrs: n.attrs, children: [] };
      for (const [k, v] of attrString(n, opts)) {
        if (v === '' && k === 'controls') {
          html += ` ${k}`;
          continue;
        }
        html += ` ${k}="`;
        const vs = html.length;
        if (k === 'alt') {
          pb.space(vs);
          for (const ch of v) {
            const esc = ATTR_ESC[ch];
            const s = html.length;
            html += esc ?? ch;
            pb.char(ch, s, html.length);
          }
          el.altStart = vs;
          el.altEnd = html.length;
          pb.softSpace(html.length);
        } else html += escAttr(v);
        if (k === 'href') links.push({ href: v, start: vs, end: html.length });
        if (k === 'src' && n.attrs.media)
          media.push({ hash: n.attrs.media, kind: n.tag === 'img' ? 'image' : (n.tag as MediaKind), ...(n.attrs.alt ? { alt: n.attrs.alt } : {}), start: vs, end: html.length });
        html += '"';
      }
      html += '>';
      if (n.tag === 'br') pb.breakLine(tagStart);
      if (VOID_TAGS.has(n.tag)) {
        out.push(el);
        if (top && block) html += '\n';
        continue;
      }
      if (n.tag === 'pre') {
        const first = n.children[0];
        if (first && first.kind === 'text' && first.text.startsWith('\n')) html += '\n';
      }
      el.children = walk(n.children, false, inPre || n.tag === 'pre');
      html += `</${n.tag}>`;
      if (block) pb.breakLine(html.length);
      if (top && block) html += '\n';
      out.push(el);
    }
    return out;
  };
  const nodes = walk(tree, true, false);
  const plain = pb.finish();
  return { html, nodes, plain: { ...plain, links, media } };
}

// ------------------------------------------------------------------------------------------ public

function htmlTree(html: string, notes: Notes, media: Map<string, MediaKind>, positions: boolean): DocNode[] {
  // Source positions only where a note may need them (the submitted HTML): reading a stored form skips them.
  const fragment = parseFragment(html, { sourceCodeLocationInfo: positions });
  const raw: DocNode[] = [];
  for (const c of fragment.childNodes) convertChild(c, { notes, media }, raw);
  const tree = normalise(raw, { lineStart: true, pending: false }, false);
  trimBlockEnds(tree);
  return prune(tree);
}

// Raw HTML inside markdown is text (shown as typed): markdown is for writing; rich markup is submitted as HTML.
const md = new MarkdownIt({ html: false, linkify: false, typographer: false, breaks: false });

/** Markdown → HTML by markdown-it (CommonMark + tables; its output is then read by the same HTML parser). */
export function markdownToHtml(source: string): string {
  return md.render(source);
}

export interface ParsedDoc {
  tree: DocNode[];
  notes: DocNote[];
  refusals: DocRefusal[];
  media: Map<string, MediaKind>;
}

/** Parses a submitted body into the (normalised, not yet located) tree. Markdown notes carry no positions. */
export function parseBody(source: string, format: string, positions = format === 'html'): ParsedDoc {
  const notes = new Notes(positions && format === 'html');
  const media = new Map<string, MediaKind>();
  const html = format === 'markdown' ? markdownToHtml(source) : source;
  const tree = htmlTree(html, notes, media, positions && format === 'html');
  return { tree, notes: notes.list(), refusals: notes.refusals, media };
}

function canonicalText(source: string): CanonicalResult {
  const notes = new Notes(false);
  let body = source;
  if (BIDI_CONTROLS.test(source)) {
    notes.add('bidi-control', '方向控制字符', '文字方向控制字符（U+202A–202E、U+2066–2069 等）已移除：文字按书写顺序显示');
    body = source.replace(BIDI_CONTROLS, '');
  }
  BIDI_CONTROLS.lastIndex = 0;
  return { format: 'text', body, notes: notes.list(), refusals: [], media: [] };
}

/**
 * The canonical form of a submitted body: parsed once, serialised; iterated to a fixpoint so that reading the
 * stored form again yields exactly the stored form (canonicalise(canonical) === canonical).
 */
export function canonicalise(source: string, format: string): CanonicalResult {
  if (format === 'text') return canonicalText(source);
  const first = parseBody(source, format);
  let html = serialize(first.tree).html;
  for (let k = 0; k < 3; k++) {
    const again = serialize(parseBody(html, 'html', false).tree).html;
    if (again === html) break;
    html = again;
  }
  return {
    format: 'html',
    body: html,
    notes: first.notes,
    refusals: first.refusals,
    media: [...first.media].map(([hash, kind]) => ({ hash, kind })),
  };
}

export interface ReadDoc {
  format: 'html' | 'text';
  /** The canonical serialization every offset indexes (equals the stored body for canonical revisions). */
  source: string;
  nodes: DocNode[];
  plain: DocText;
  media: MediaUse[];
}

function readText(source: string): ReadDoc {
  // Identity on the stored text: offsets index it exactly (new bodies were already cleaned at submission).
  const body = source;
  const starts = new Int32Array(body.length);
  const ends = new Int32Array(body.length);
  for (let i = 0; i < body.length; i++) {
    starts[i] = i;
    ends[i] = i + 1;
  }
  // Paragraphs at blank lines, line breaks inside: text nodes map one to one.
  const nodes: DocNode[] = [];
  let para: DocElement | undefined;
  let pos = 0;
  for (const line of body.split('\n')) {
    const lineStart = pos;
    pos += line.length + 1;
    if (line.trim() === '') {
      para = undefined;
      continue;
    }
    if (!para) {
      para = { kind: 'element', tag: 'p', attrs: {}, children: [] };
      nodes.push(para);
    } else para.children.push({ kind: 'element', tag: 'br', attrs: {}, children: [] });
    para.children.push({ kind: 'text', text: line, start: lineStart, end: lineStart + line.length, exact: true });
  }
  return { format: 'text', source: body, nodes, plain: { text: body, starts, ends, links: [], media: [] }, media: [] };
}

/** Reads a stored body (canonical, or a legacy revision's raw body, canonicalised the same way every time). */
export function readDoc(body: string, format: string): ReadDoc {
  if (format === 'text') return readText(body);
  let parsed = parseBody(body, format, false);
  let s = serialize(parsed.tree);
  if (format !== 'html' || s.html !== body) {
    // Legacy (or markdown) body: use its fixpoint, exactly as canonicalise would have stored it.
    const html = canonicalise(body, format).body;
    parsed = parseBody(html, 'html', false);
    s = serialize(parsed.tree);
  }
  return { format: 'html', source: s.html, nodes: s.nodes, plain: s.plain, media: [...parsed.media].map(([hash, kind]) => ({ hash, kind })) };
}
