/**
 * What the 图文编辑器 does to HTML pasted or dropped into it (秀米, 135编辑器, Word, web pages) before ProseMirror
 * reads it. The structure is kept; pictures are sorted into three kinds:
 * - `data:` pictures stay as images and are uploaded right after the paste (they become `media:<hash>`);
 * - pictures already stored here (`/api/media/<hash>`, `media:<hash>`) stay;
 * - everything else (`http(s):` such as mmbiz.qpic.cn, Word's `file:///…/clip_image001.png`, `blob:`, VML, SVG
 *   `<image>`, CSS background pictures) becomes a *pending* image: shown in the editor with a notice saying it must be
 *   uploaded again. It is never fetched (the server fetches no URL from input, and a browser cannot read a local
 *   file path) and never submitted as an external address.
 * Runs in the browser only (DOMParser, an inert document: nothing it parses is loaded).
 */

/** A picture that could not be brought in and must be uploaded again. */
export interface PendingImage {
  /** The address the pasted content pointed at (shown shortened, never fetched). */
  origin: string;
  /** image | background (a CSS background picture) | vml (Word's VML shape) | svg (an SVG <image>) */
  kind: string;
  alt: string;
}

const MEDIA_PATH = /^(?:\/api\/media\/|media:)([0-9a-f]{64})(?:[?#].*)?$/i;
/** Attributes lazy-loading editors (秀米, 135编辑器, WeChat) keep the real picture in; `src` is then a placeholder. */
const LAZY_SRC = ['data-src', 'data-original', 'data-lazy-src', '_src', 'data-actualsrc'];

const isRasterData = (src: string) => /^data:image\/(png|jpe?g|gif|webp|bmp);base64,/i.test(src.trim());

/** Where a pasted picture really is: a lazy-load attribute wins over a placeholder `src`. */
export function pictureSource(el: Element): string {
  for (const name of LAZY_SRC) {
    const v = el.getAttribute(name)?.trim();
    if (v) return v;
  }
  return (el.getAttribute('src') ?? el.getAttribute('href') ?? el.getAttribute('xlink:href') ?? '').trim();
}

/** A short, human label for a pending picture: the file name, or host + last path segment. */
export function pendingLabel(origin: string): string {
  if (!origin) return '（无地址）';
  if (/^data:/i.test(origin)) return `内嵌图片（${origin.slice(5, origin.indexOf(';') > 0 ? origin.indexOf(';') : 30)}）`;
  try {
    const u = new URL(origin);
    const segs = u.pathname.split('/').filter(Boolean);
    let last = decodeURIComponent(segs[segs.length - 1] ?? '');
    const fmt = u.searchParams.get('wx_fmt');
    if (fmt && !last.includes('.')) last = `${last}.${fmt}`;
    if (u.protocol === 'file:') return last || origin;
    return u.host ? `${u.host}/…/${last}` : last || origin.slice(0, 60);
  } catch {
    return origin.slice(0, 60);
  }
}

/** Why a pending picture could not be brought in, in words an editor understands. */
export function pendingReason(origin: string): string {
  const o = origin.trim().toLowerCase();
  if (o.startsWith('file:')) return '本机文件（如 Word 的临时图片），浏览器无法读取';
  if (o.startsWith('http:') || o.startsWith('https:') || o.startsWith('//')) return '外部网络地址，系统不抓取外部图片';
  if (o.startsWith('blob:')) return '临时地址，已失效';
  if (o.startsWith('data:')) return '内嵌图片格式不受支持（如 SVG）';
  if (!o) return '没有图片地址';
  return '无法识别的图片地址';
}

function pendingImg(doc: Document, origin: string, kind: string, alt: string): HTMLElement {
  const img = doc.createElement('img');
  img.setAttribute('data-pending-src', origin);
  img.setAttribute('data-pending-kind', kind);
  if (alt) img.setAttribute('alt', alt);
  return img;
}

/** Every `url(...)` in a style value. */
function cssUrls(style: string): string[] {
  const out: string[] = [];
  const re = /url\(\s*(?:"([^"]*)"|'([^']*)'|([^)]*?))\s*\)/gi;
  for (let m = re.exec(style); m; m = re.exec(style)) out.push((m[1] ?? m[2] ?? m[3] ?? '').trim());
  return out.filter(Boolean);
}

const ORDERED_MARKER = /^[(（]?([0-9]+|[a-zA-Z]|[ivxlcdmIVXLCDM]+|[一二三四五六七八九十百]+)[.)）、．]/;

/**
 * Word writes a list as paragraphs with `mso-list:l0 level1 lfo1` and a typed marker inside
 * `<span style="mso-list:Ignore">`; this turns runs of them back into <ol>/<ul> (nested by level).
 */
function wordLists(doc: Document): void {
  const isItem = (el: Element | null): el is HTMLElement => !!el && el.tagName === 'P' && /mso-list\s*:\s*l\d+/i.test(el.getAttribute('style') ?? '');
  const items = [...doc.querySelectorAll('p')].filter(isItem);
  const done = new Set<Element>();
  for (const first of items) {
    if (done.has(first)) continue;
    const run: HTMLElement[] = [first];
    let next = first.nextElementSibling;
    while (isItem(next)) {
      run.push(next);
      next = next.nextElementSibling;
    }
    const stack: Array<{ level: number; list: HTMLElement }> = [];
    const root = first.parentNode!;
    const anchor = doc.createComment('list');
    root.insertBefore(anchor, first);
    let top: HTMLElement | null = null;
    for (const p of run) {
      done.add(p);
      const style = p.getAttribute('style') ?? '';
      const level = Number(/level(\d+)/i.exec(style)?.[1] ?? '1');
      const markerEl = [...p.querySelectorAll('span')].find((s) => /mso-list\s*:\s*ignore/i.test(s.getAttribute('style') ?? ''));
      const marker = (markerEl?.textContent ?? '').replace(/\u00a0/g, ' ').trim();
      markerEl?.remove();
      const ordered = ORDERED_MARKER.test(marker);
      while (stack.length && stack[stack.length - 1]!.level > level) stack.pop();
      let cur = stack[stack.length - 1];
      if (!cur || cur.level < level) {
        const list = doc.createElement(ordered ? 'ol' : 'ul');
        if (cur) {
          const parentItem = cur.list.lastElementChild ?? cur.list.appendChild(doc.createElement('li'));
          parentItem.appendChild(list);
        } else top = list;
        cur = { level, list };
        stack.push(cur);
      }
      const li = doc.createElement('li');
      const para = doc.createElement('p');
      const align = /text-align\s*:\s*(left|center|right|justify)/i.exec(style)?.[1];
      if (align) para.setAttribute('style', `text-align:${align}`);
      while (p.firstChild) para.appendChild(p.firstChild);
      li.appendChild(para);
      cur.list.appendChild(li);
      p.remove();
    }
    if (top) root.replaceChild(top, anchor);
    else anchor.remove();
  }
}

/** Rewrites pasted HTML for the editor (see the module comment). */
export function cleanPastedHtml(html: string): string {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  const body = doc.body;
  // Word: list paragraphs back into lists; <o:p> wrappers and VML are not content of their own.
  wordLists(doc);
  for (const el of [...body.querySelectorAll('*')]) {
    const name = el.tagName.toLowerCase();
    if (name === 'o:p') {
      el.replaceWith(...el.childNodes);
      continue;
    }
    if (name === 'v:imagedata') {
      // Word's VML picture; its <img> fallback (same picture) follows unless Word left it out.
      const shape = el.closest('v\\:shape') ?? el;
      const hasFallback = !!shape.parentElement?.querySelector('img');
      if (hasFallback) shape.remove();
      else shape.replaceWith(pendingImg(doc, pictureSource(el), 'vml', el.getAttribute('o:title') ?? ''));
    }
  }
  // SVG <image> (秀米's interactive layouts): a picture like any other.
  // Put before the <svg> (an HTML <img> inside SVG would be moved about by the parser).
  for (const el of [...body.querySelectorAll('image')]) {
    const svg = el.closest('svg');
    const marker = pendingImg(doc, pictureSource(el), 'svg', '');
    if (svg?.parentNode) svg.parentNode.insertBefore(marker, svg);
    el.remove();
  }
  for (const img of [...body.querySelectorAll('img')]) {
    if (img.hasAttribute('data-pending-src')) continue;
    const src = pictureSource(img);
    const alt = (img.getAttribute('alt') ?? '').trim();
    const stored = MEDIA_PATH.exec(src);
    for (const a of [...img.attributes]) if (a.name !== 'alt') img.removeAttribute(a.name);
    if (stored) img.setAttribute('src', `/api/media/${stored[1]!.toLowerCase()}`);
    else if (isRasterData(src)) img.setAttribute('src', src);
    else img.replaceWith(pendingImg(doc, src, 'image', alt));
  }
  // CSS background pictures (秀米 and 135编辑器 put posters and frames behind sections) are pictures too.
  // Read through CSSOM, not by splitting the attribute: a data: URL contains ';' itself.
  for (const el of [...body.querySelectorAll<HTMLElement>('[style]')]) {
    const bg = el.style?.backgroundImage ?? '';
    if (!/url\(/i.test(bg)) continue;
    const urls = cssUrls(bg);
    el.style.removeProperty('background-image');
    for (const url of urls.reverse()) {
      const stored = MEDIA_PATH.exec(url);
      let node: HTMLElement;
      if (stored) {
        node = doc.createElement('img');
        node.setAttribute('src', `/api/media/${stored[1]!.toLowerCase()}`);
      } else if (isRasterData(url)) {
        node = doc.createElement('img');
        node.setAttribute('src', url);
      } else node = pendingImg(doc, url, 'background', '');
      el.insertBefore(node, el.firstChild);
    }
  }
  return body.innerHTML;
}

/** True when pasted HTML is only pictures (what a browser puts beside a copied image file): the file wins. */
export function onlyPictures(html: string): boolean {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  return (doc.body.textContent ?? '').replace(/[\s\u00a0]/g, '') === '' && doc.body.querySelectorAll('img').length <= 1;
}

/**
 * The editor's HTML as the draft body: stored pictures as `media:<hash>`, pending pictures left out (the desk refuses
 * to submit while any is pending), and the table bookkeeping ProseMirror adds (colgroup, min-width) removed.
 */
export function editorHtmlToBody(html: string): string {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  const body = doc.body;
  for (const el of [...body.querySelectorAll('[data-pending-image]')]) el.remove();
  for (const el of [...body.querySelectorAll('colgroup')]) el.remove();
  for (const el of [...body.querySelectorAll('table')]) el.removeAttribute('style');
  for (const el of [...body.querySelectorAll('td, th')]) {
    for (const a of ['colspan', 'rowspan']) if (el.getAttribute(a) === '1') el.removeAttribute(a);
    el.removeAttribute('colwidth');
  }
  for (const img of [...body.querySelectorAll('img')]) {
    const m = MEDIA_PATH.exec(img.getAttribute('src') ?? '');
    if (m) img.setAttribute('src', `media:${m[1]!.toLowerCase()}`);
    for (const a of ['title', 'width', 'height']) img.removeAttribute(a);
  }
  return body.innerHTML;
}
