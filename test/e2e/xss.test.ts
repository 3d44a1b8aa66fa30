import type { BrowserContext, Page } from 'playwright-core';
import { SESSION_COOKIE } from '../../src/http/routes/auth.routes';
import { PASSWORD } from '../helpers/test-context';
import { startHarness, type Harness } from './harness';
import { canonicalise } from '../../src/shared/document/canonicalise';
import { CLOBBER_NAMES, EXFIL_HOST, pack, PAYLOADS, type XssPayload } from './fixtures/xss-payloads';

/**
 * Stored XSS (GUARANTEES 13): every payload of fixtures/xss-payloads.ts goes through every untrusted field a
 * reviewer or auditor sees — draft title, body (HTML, markdown, plain text), decision comments, resubmission
 * statements, waiver reasons, declared asset names and notes, origin (source name, URL, author, original title),
 * proofreading mark notes, replacements and resolution notes, and unit, platform and user names — and is then
 * rendered in Chromium on the board, the review page (with its revision diff), the auditor desk (list and trail),
 * the printable 审稿单, the editor desk, the dashboards (chart tooltips included) and the admin pages.
 *
 * A page-side hook records any call to the sentinel `xss()` the payloads try to call, every dialog, every CSP
 * violation (event and console), every request to a host other than the app, every navigation to
 * javascript:/data: and every popup; after a hostile pass (hover, focus and click on everything a payload could
 * have turned into a handler) the test asserts that nothing was recorded, that no dangerous element or attribute
 * reached the DOM, that no global was clobbered, and that the hostile text is shown as text where it belongs.
 * The controls prove the hook: the same payloads put raw into a page without the app's sanitizer and CSP do fire.
 */

let h: Harness;

const APP_STATUS_NOISE = /status of (401|409|503)\b/;

interface Sighting {
  kind: 'call' | 'dialog' | 'csp' | 'request' | 'navigation' | 'popup' | 'pageerror' | 'console';
  detail: string;
  where: string;
}

/**
 * Installed before any document script runs, in every frame: the sentinel the payloads call, and a listener for
 * CSP violations. Both report through a Playwright binding, which also works in cross-origin (data:) frames.
 */
const HOOK = `(() => {
  const report = (kind, detail) => { try { window.__xssReport(kind, String(detail)); } catch (e) {} };
  const sentinel = (n) => report('call', Array.isArray(n) ? n.join('') : n);
  Object.defineProperty(window, 'xss', { value: sentinel, writable: false, configurable: false, enumerable: false });
  document.addEventListener('securitypolicyviolation', (e) => report('csp', e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '')), true);
})();`;

/** A browser context whose every page reports what a payload could do. */
class Watched {
  readonly sightings: Sighting[] = [];
  /** The surface being looked at, named in every sighting. */
  where = '';

  private constructor(
    readonly context: BrowserContext,
    readonly origin: string,
  ) {}

  static async open(user: string | null, options: { control?: string } = {}): Promise<Watched> {
    const context = await h.browser.newContext({ baseURL: h.url, viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    const w = new Watched(context, new URL(h.url).origin);
    if (user) {
      const token = h.ctx.people.tokens[user];
      if (!token) throw new Error(`no session for ${user}`);
      await context.addCookies([{ name: SESSION_COOKIE, value: token, url: h.url, httpOnly: true, sameSite: 'Lax' }]);
    }
    await context.exposeBinding('__xssReport', (source, kind: Sighting['kind'], detail: string) => w.record(kind, `${detail} @ ${source.frame.url().slice(0, 120)}`));
    await context.addInitScript(HOOK);
    await context.route('**/*', async (route) => {
      const url = new URL(route.request().url());
      if (url.origin === w.origin) {
        if (options.control !== undefined && url.pathname === '/__xss-control') {
          return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: options.control });
        }
        return route.continue();
      }
      w.record('request', route.request().url());
      return route.abort();
    });
    context.on('dialog', (d) => {
      w.record('dialog', `${d.type()}:${d.message()}`);
      void d.dismiss().catch(() => undefined);
    });
    context.on('console', (m) => {
      const text = m.text();
      if (/Content.Security.Policy/i.test(text)) w.record('csp', `console: ${text}`);
      else if (m.type() === 'error' && !APP_STATUS_NOISE.test(text)) w.record('console', text);
    });
    return w;
  }

  record(kind: Sighting['kind'], detail: string): void {
    this.sightings.push({ kind, detail, where: this.where });
  }

  async page(): Promise<Page> {
    const page = await this.context.newPage();
    page.on('pageerror', (e) => this.record('pageerror', e.message));
    page.on('popup', (p) => this.record('popup', p.url()));
    page.on('framenavigated', (f) => {
      if (/^\s*(javascript|data|vbscript):/i.test(f.url())) this.record('navigation', f.url().slice(0, 200));
    });
    return page;
  }

  /** Records of one kind without where they came from, e.g. the payload numbers that called the sentinel. */
  of(kind: Sighting['kind']): string[] {
    return this.sightings.filter((s) => s.kind === kind).map((s) => s.detail.replace(/ @ .*$/s, ''));
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => undefined);
  }
}

/**
 * Hover, focus and click every element under `roots` with synthetic events (plain handlers fire on those too).
 * Links to http(s)/mailto/app routes and the app's own controls are hovered but never clicked, so the pass
 * cannot approve a draft or leave the page; any other link (javascript:, data:, …) is clicked.
 */
const PROVOKE = `(opts, win = window) => {
  const XLINK = 'http://www.w3.org/1999/xlink';
  const roots = opts.roots.flatMap((s) => [...win.document.querySelectorAll(s)]);
  const all = new Set();
  for (const r of roots) { all.add(r); for (const e of r.querySelectorAll('*')) all.add(e); }
  const hrefOf = (el) => el.getAttribute('href') ?? el.getAttributeNS(XLINK, 'href');
  const safe = /^\\s*(https?:|mailto:|#|\\/|\\?)/i;
  let clicked = 0;
  for (const el of all) {
    for (const type of ['pointerover', 'pointerenter', 'mouseover', 'mouseenter', 'pointermove', 'mousemove', 'pointerdown', 'mousedown', 'pointerup', 'mouseup', 'mouseout', 'mouseleave']) {
      const Ctor = type.startsWith('pointer') ? win.PointerEvent : win.MouseEvent;
      el.dispatchEvent(new Ctor(type, { bubbles: true, cancelable: true, view: win }));
    }
    if (typeof el.focus === 'function') { el.focus({ preventScroll: true }); if (typeof el.blur === 'function') el.blur(); }
    let link = null;
    for (let p = el; p; p = p.parentElement) if (p.localName === 'a' && hrefOf(p) !== null) { link = p; break; }
    if (link && safe.test(hrefOf(link))) continue;
    if (!opts.controls && el.closest('button, input, select, textarea, label, option, summary, [role="radiogroup"]')) continue;
    for (const type of ['click', 'dblclick', 'auxclick', 'contextmenu']) {
      el.dispatchEvent(new win.MouseEvent(type, { bubbles: true, cancelable: true, view: win, button: type === 'auxclick' ? 1 : 0 }));
    }
    clicked++;
  }
  return { elements: all.size, clicked };
}`;

async function provoke(target: Page, roots: string[], controls = false): Promise<number> {
  const r = (await target.evaluate(`(${PROVOKE})(${JSON.stringify({ roots, controls })})`)) as { elements: number; clicked: number };
  return r.elements;
}

/** Runs `work` for every item on a few tabs of the same context at once (the pages mostly wait on the API). */
async function inTabs<T>(w: Watched, items: readonly T[], work: (page: Page, item: T) => Promise<void>, tabs = 4): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.min(tabs, items.length) }, async () => {
      const page = await w.page();
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(page, item);
      await page.close();
    }),
  );
}

/**
 * What must never be in the DOM of an app page: script other than the bundle, frames, plugins, base/meta/link
 * in the body, SVG/MathML, style elements in the body, event-handler attributes, srcdoc/formaction/action,
 * script-capable or data: URLs, CSS that loads something, images and media, and ids/names that clobber globals.
 */
const SCAN = `(clobberNames) => {
  const bad = [];
  const XLINK = 'http://www.w3.org/1999/xlink';
  const scheme = (v) => v.replace(/[\\u0000-\\u0020\\u007f-\\u009f]/g, '').toLowerCase();
  const forbiddenTags = new Set(['iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'base', 'svg', 'math', 'template', 'noscript', 'img', 'video', 'audio', 'source', 'picture', 'track', 'portal', 'marquee', 'style', 'link', 'meta', 'script', 'xmp', 'noembed', 'noframes', 'details', 'isindex']);
  for (const el of document.body.querySelectorAll('*')) {
    const tag = el.localName;
    if (forbiddenTags.has(tag)) bad.push('<' + tag + '>');
    if (el.namespaceURI !== 'http://www.w3.org/1999/xhtml') bad.push('namespace ' + el.namespaceURI + ' <' + tag + '>');
    for (const a of el.attributes) {
      const name = a.name.toLowerCase();
      const value = a.value;
      if (name.startsWith('on')) bad.push(tag + '[' + name + ']');
      if (['srcdoc', 'formaction', 'action', 'background', 'poster', 'srcset', 'xlink:href', 'data', 'codebase', 'dynsrc', 'lowsrc'].includes(name)) bad.push(tag + '[' + name + ']');
      if (['href', 'src', 'action', 'formaction', 'cite', 'ping'].includes(name) && /^(javascript|data|vbscript|blob|file):/.test(scheme(value))) bad.push(tag + '[' + name + '=' + value.slice(0, 40) + ']');
      if (name === 'style' && /url\\(|expression|@import|image-set|behavior|binding|var\\(/i.test(value)) bad.push(tag + '[style=' + value.slice(0, 40) + ']');
      // Ids clobber window; names clobber window and document on the elements that create named properties.
      const named = ['form', 'img', 'embed', 'object', 'iframe', 'frame', 'frameset'].includes(tag);
      if ((name === 'id' || (name === 'name' && named)) && clobberNames.includes(value)) bad.push(tag + '[' + name + '=' + value + ']');
    }
    if (el.getAttributeNS(XLINK, 'href') !== null) bad.push(tag + '[xlink:href]');
  }
  for (const el of document.head.querySelectorAll('base, meta[http-equiv]:not([http-equiv="Content-Security-Policy" i]), script:not([src])')) bad.push('head <' + el.localName + '>');
  for (const s of document.querySelectorAll('script[src]')) if (!/^\\/assets\\//.test(s.getAttribute('src'))) bad.push('script src ' + s.getAttribute('src'));
  if (window.frames.length > 0) bad.push(window.frames.length + ' frames');
  return bad;
}`;

/** Globals and document properties that an element now stands for (DOM clobbering). */
const CLOBBERED = `(names, win = window) => {
  const isNode = (v) => v instanceof win.Element || v instanceof win.HTMLCollection || v instanceof win.RadioNodeList;
  const out = [];
  for (const n of names) {
    let w; try { w = win[n]; } catch (e) { w = undefined; }
    if (w !== undefined && w !== null && (isNode(w) || (w !== win && w.window === w))) out.push('window.' + n);
    if (Object.getOwnPropertyDescriptor(win.document, n) !== undefined) out.push('document.' + n);
  }
  return out;
}`;

/** Scan, clobbering and sightings for one page, after a moment for queued violation reports to arrive. */
async function assertInertPage(w: Watched, page: Page, label: string): Promise<void> {
  await page.waitForTimeout(100);
  expect({ label, scan: await page.evaluate(`(${SCAN})(${JSON.stringify(CLOBBER_NAMES)})`) }).toEqual({ label, scan: [] });
  expect({ label, clobbered: await page.evaluate(`(${CLOBBERED})(${JSON.stringify(CLOBBER_NAMES)})`) }).toEqual({ label, clobbered: [] });
  expect(w.sightings).toEqual([]);
}

/**
 * Polls `expression` until it is true. page.waitForFunction would evaluate a string predicate with eval, which the
 * app's CSP (rightly) refuses; page.evaluate runs through the DevTools protocol instead.
 */
async function until(page: Page, expression: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${expression.slice(0, 120)}`);
    await page.waitForTimeout(50);
  }
}

const squash = (s: string) => s.replace(/\s+/g, '');

async function text(page: Page, selector: string): Promise<string> {
  return (await page.textContent(selector)) ?? '';
}

async function texts(page: Page, selector: string): Promise<string> {
  return ((await page.evaluate(`[...document.querySelectorAll(${JSON.stringify(selector)})].map((e) => e.textContent).join('\\n')`)) as string) ?? '';
}

// ----------------------------------------------------------------------------------------------- the data

const ALL = PAYLOADS.map((p) => p.text);
const SHORT = ALL.filter((t) => t.length <= 100);
const names = pack(SHORT, 100);
const staffIds = pack(
  ALL.filter((t) => t.length <= 32),
  32,
);
const titles = pack(ALL, 500);
const comments = pack(ALL, 5_000);
const markNotes = pack(ALL, 2_000);
const replacements = pack(ALL, 10_000);
const waiverReasons = pack(ALL, 2_000);

interface Scenario {
  /** Hostile unit/platform/user names. */
  unitName: string;
  platformName: string;
  users: Record<'xeditor' | 'xr1' | 'xr2' | 'xr3', { displayName: string; staffId: string }>;
  /** Draft ids: h (HTML, full review trail), m (markdown), t (plain text, revised), and one per title chunk. */
  h: string;
  m: string;
  t: string;
  carriers: Array<{ id: string; title: string }>;
  origin: { kind: 'repost'; sourceName: string; sourceUrl: string; originalAuthor: string; originalTitle: string };
  waivers: string[];
  statements: string[];
  decisionComments: string[];
}

let s: Scenario;

async function ok<T = any>(res: Promise<{ status: number; body: any }> | { status: number; body: any }, status = 200): Promise<T> {
  const r = await res;
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${JSON.stringify(r.body).slice(0, 400)}`);
  return r.body as T;
}

async function createHostileAccounts(): Promise<Pick<Scenario, 'unitName' | 'platformName' | 'users'> & { unitId: string; platformId: string }> {
  const admin = h.ctx.api('admin');
  const unitName = names[0]!;
  const platformName = names[1]!;
  const unit = await ok(admin.post('/api/admin/units', { name: unitName, code: 'XSS1' }), 201);
  // More hostile names in the unit and platform pickers every page shows.
  await ok(admin.post('/api/admin/units', { name: names[2]!, code: 'XSS2' }), 201);
  const platform = await ok(admin.post('/api/admin/platforms', { name: platformName, kind: 'wechat', level: 'unit', unitId: unit.id }), 201);
  await ok(admin.post('/api/admin/platforms', { name: names[3]!, kind: 'website', level: 'unit', unitId: unit.id }), 201);
  const roles = { xeditor: ['editor'], xr1: ['reviewer1'], xr2: ['reviewer2'], xr3: ['reviewer3'] } as const;
  const users = {} as Scenario['users'];
  let k = 4;
  for (const [username, r] of Object.entries(roles) as Array<[keyof typeof roles, readonly string[]]>) {
    const displayName = names[k++ % names.length]!;
    const staffId = staffIds[k % staffIds.length]!;
    await ok(admin.post('/api/admin/users', { username, displayName, staffId, unitId: unit.id, isStaff: true, roles: r, password: PASSWORD }), 201);
    const login = await ok(h.ctx.api('nobody').post('/api/auth/login', { username, password: PASSWORD }));
    h.ctx.people.tokens[username] = login.token;
    users[username] = { displayName, staffId };
  }
  return { unitName, platformName, users, unitId: unit.id, platformId: platform.id };
}

async function submit(platformId: string, body: Record<string, unknown>): Promise<string> {
  const res = await ok(h.ctx.api('xeditor').post('/api/drafts', { platformId, ...body }), 201);
  return res.id as string;
}

/** Waits until none of `ids` is still being checked (one light list query per poll, not one detail per draft). */
async function settled(ids: string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const checking = await ok(h.ctx.api('auditor').get('/api/drafts?status=checking&pageSize=200'));
    const left = (checking.items as Array<{ id: string }>).filter((d) => ids.includes(d.id));
    if (left.length === 0) return;
    if (Date.now() > deadline) throw new Error(`${left.length} drafts still checking`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

const detail = (user: string, id: string) => ok(h.ctx.api(user).get(`/api/drafts/${id}`));

/**
 * Builds the hostile data through the API, as the people involved would: the author submits, the checks run,
 * 宣传部 waives, 初审 marks and returns, the author answers each time, three reviewers approve, the author releases; a
 * second draft is returned and revised.
 */
async function buildScenario(): Promise<Scenario> {
  const accounts = await createHostileAccounts();
  const { platformId } = accounts;
  const origin = {
    kind: 'repost' as const,
    sourceName: pack(
      ALL.filter((t) => t.length <= 200),
      200,
    )[0]!,
    sourceUrl: pack(ALL, 2_000)[0]!,
    originalAuthor: pack(
      ALL.filter((t) => t.length <= 200),
      200,
    )[1]!,
    originalTitle: titles[titles.length - 1]!,
  };
  // Every payload is a declared asset name with a licence note; the copyright check names each asset in a finding
  // (the first few are undeclared, blocking findings that 初审 waives; the rest lack the rights holder).
  const assets = PAYLOADS.map((p, i) => ({ kind: 'image', name: p.text, note: p.text, licence: i < waiverReasons.length ? null : 'authorized' }));
  // Issue 9: payloads that reference external media (<img src="http://…">, data:) are refused at submission —
  // the server never fetches a URL from input. Each is tried alone and must get 400; the rest go in the carriers.
  const refusedIn = (format: string) => ALL.filter((t) => canonicalise(t, format).refusals.length > 0);
  for (const format of ['html', 'markdown']) {
    for (const t of refusedIn(format)) {
      const res = await h.ctx.api('xeditor').post('/api/drafts', { platformId, title: '外部图片', body: t, format });
      expect([t, res.status, res.body.error?.code]).toEqual([t, 400, 'validation_failed']);
    }
  }
  const htmlOk = ALL.filter((t) => !refusedIn('html').includes(t));
  const mdOk = ALL.filter((t) => !refusedIn('markdown').includes(t));
  const htmlBody = ['<p>正文开始<script>xss(0)</script>正文继续</p>', ...htmlOk, '<p><a href="https://www.example.edu.cn/news">学校新闻网</a></p>'].join('\n');
  const hId = await submit(platformId, { title: titles[0]!, body: htmlBody, format: 'html', origin, assets });
  const mId = await submit(platformId, { title: titles[1]!, body: ['# 校园新闻', ...mdOk, '[合法链接](https://www.example.edu.cn)'].join('\n\n'), format: 'markdown', origin });
  const tId = await submit(platformId, { title: titles[2]!, body: ALL.join('\n\n'), format: 'text' });
  const carriers = [
    { id: hId, title: titles[0]! },
    { id: mId, title: titles[1]! },
  ];
  const rest = await Promise.all(titles.slice(3).map((title) => submit(platformId, { title, body: '11月20日，我校举办秋季运动会。', format: 'markdown' })));
  titles.slice(3).forEach((title, i) => carriers.push({ id: rest[i]!, title }));
  await settled([hId, mId, tId, ...rest]);

  // H: the blocking findings returned it; the author answers, then 宣传部 waives every blocking finding.
  const statements = comments;
  const decisionComments = comments;
  const resubmit = async (statement: string) => {
    const d = await detail('xeditor', hId);
    await ok(h.ctx.api('xeditor').post(`/api/drafts/${hId}/resubmit`, { statement, version: d.version }));
  };
  let d = await detail('xr1', hId);
  if (d.status === 'returned') await resubmit(statements[0]!);
  d = await detail('xr1', hId);
  expect(d.status).toBe('in_review');
  const blocking = (d.findings as Array<{ id: string; severity: string; waived: unknown }>).filter((f) => f.severity === 'block' && !f.waived);
  expect(blocking.length).toBeGreaterThanOrEqual(waiverReasons.length);
  const waivers = blocking.map((_, i) => waiverReasons[i % waiverReasons.length]!);
  // Unlicensed assets are `propaganda` findings (config/waivers.ts): 宣传部 waives them.
  await Promise.all(blocking.map((f, i) => ok(h.ctx.api('prop').post(`/api/drafts/${hId}/findings/${f.id}/waive`, { reason: waivers[i]! }))));

  // 校对标记 on the title: comments and corrections whose notes and replacements carry every payload, all rejected
  // with a note that carries them again.
  d = await detail('xr1', hId);
  const revisionId = d.currentRevision.id as string;
  const marks: string[] = [];
  for (const [i, note] of markNotes.entries()) {
    marks.push((await ok(h.ctx.api('xr1').post(`/api/drafts/${hId}/marks`, { revisionId, kind: 'comment', start: i, end: i + 2, note }), 201)).id);
  }
  for (const [i, replacement] of replacements.entries()) {
    marks.push((await ok(h.ctx.api('xr1').post(`/api/drafts/${hId}/marks`, { revisionId, kind: 'correction', start: 20 + i, end: 22 + i, replacement, note: markNotes[i]! }), 201)).id);
  }
  for (const [i, mid] of marks.entries()) {
    await ok(h.ctx.api('xr1').post(`/api/drafts/${hId}/marks/${mid}/resolve`, { decision: 'reject', note: markNotes[i % markNotes.length]! }));
  }

  // Return with every comment chunk, the author answering each time; then three reviewers approve with comments.
  for (const [i, comment] of decisionComments.entries()) {
    d = await detail('xr1', hId);
    await ok(h.ctx.api('xr1').post(`/api/drafts/${hId}/decisions`, { stage: 'first', action: 'return', comment, version: d.version }));
    await resubmit(statements[(i + 1) % statements.length]!);
  }
  for (const [user, stage] of [
    ['xr1', 'first'],
    ['xr2', 'second'],
    ['xr3', 'final'],
  ] as const) {
    d = await detail(user, hId);
    await ok(h.ctx.api(user).post(`/api/drafts/${hId}/decisions`, { stage, action: 'approve', comment: decisionComments[0]!, version: d.version }));
  }
  expect((await detail('xr1', hId)).status).toBe('approved');
  // Released, so the hostile platform name also reaches the dashboards' release chart.
  await ok(h.ctx.api('xeditor').post(`/api/drafts/${hId}/release`, { version: (await detail('xeditor', hId)).version }));

  // T: returned with a comment (unless the checks did), then revised by the author so the revision diff shows payloads.
  d = await detail('xr1', tId);
  if (d.status === 'in_review') await ok(h.ctx.api('xr1').post(`/api/drafts/${tId}/decisions`, { stage: 'first', action: 'return', comment: decisionComments[0]!, version: d.version }));
  d = await detail('xeditor', tId);
  await ok(
    h.ctx
      .api('xeditor')
      .post(`/api/drafts/${tId}/revisions`, { version: d.version, title: titles[2]!, body: [...ALL.slice(12), ...ALL.slice(0, 12)].join('\n\n'), format: 'text', note: markNotes[0]! }),
    201,
  );
  await settled([tId]);
  carriers.push({ id: tId, title: titles[2]! });

  return { ...accounts, h: hId, m: mId, t: tId, carriers, origin, waivers, statements, decisionComments };
}

beforeAll(async () => {
  h = await startHarness();
  s = await buildScenario();
}, 120_000);
afterAll(async () => {
  await h?.close();
});

// ------------------------------------------------------------------------------------------------ tests

describe('stored XSS: at least 100 payloads through every field, rendered where reviewers and auditors look', () => {
  it('the payload matrix is big and varied enough', () => {
    expect(PAYLOADS.length).toBeGreaterThanOrEqual(100);
    expect(new Set(ALL).size).toBe(PAYLOADS.length);
    const families = new Map<string, number>();
    for (const p of PAYLOADS) families.set(p.family, (families.get(p.family) ?? 0) + 1);
    for (const f of ['script', 'event', 'url', 'svg', 'mxss', 'css', 'clobber', 'embed', 'template', 'markdown']) expect(families.get(f) ?? 0).toBeGreaterThanOrEqual(5);
    // Every payload went through the length-limited fields too, chunked.
    expect(squash(titles.join(''))).toBe(squash(ALL.join('')));
    expect(squash(comments.join(''))).toBe(squash(ALL.join('')));
    expect(squash(markNotes.join(''))).toBe(squash(ALL.join('')));
  });

  it('the board shows hostile titles, unit, platform and author names as text and runs nothing', async () => {
    const w = await Watched.open('xr1');
    try {
      w.where = 'board';
      const page = await w.page();
      await page.goto(`${h.url}/#/board`);
      // H is released (off the board); every other title chunk has a card.
      const onBoard = s.carriers.filter((c) => c.id !== s.h);
      for (const c of onBoard) await page.waitForSelector(`[data-draft-id="${c.id}"]`);
      for (const c of onBoard) expect(await text(page, `[data-draft-id="${c.id}"] .title`)).toBe(c.title);
      const meta = await text(page, `[data-draft-id="${s.m}"] .meta`);
      expect(meta).toContain(s.unitName);
      expect(meta).toContain(s.platformName);
      expect(meta).toContain(s.users.xeditor.displayName);
      expect(await text(page, '[data-testid="whoami"]')).toContain(s.users.xr1.displayName);
      expect(await text(page, '[data-testid="whoami"]')).toContain(s.unitName);
      expect(await provoke(page, ['[data-testid="board"]', '[data-testid="whoami"]'])).toBeGreaterThan(50);
      await assertInertPage(w, page, 'board');
      await h.shot(page, 'xss-board');
    } finally {
      await w.close();
    }
  });

  it('the review page renders every body format, title, origin, finding, waiver, comment and mark inert', async () => {
    const w = await Watched.open('xr1');
    try {
      const page = await w.page();
      // H: HTML body, every field filled.
      w.where = 'review H';
      await page.goto(`${h.url}/#/drafts/${s.h}`);
      await page.waitForSelector('[data-testid="draft-body"] p');
      await page.waitForSelector('[data-testid="decision"]');
      await page.waitForSelector('[data-mark-item]');
      expect(squash(await text(page, 'h1.draft-title'))).toBe(squash(s.carriers[0]!.title));
      const body = await text(page, '[data-testid="draft-body"]');
      expect(body).toContain('正文开始正文继续');
      expect(body).toContain('学校新闻网');
      expect(body).not.toContain('xss(0)');
      // Only absolute http(s) links survive (a payload's plain http link to the exfiltration host is a link, inert
      // unless a person follows it), each opening in a new tab without opener or referrer.
      const links = (await page.evaluate(
        `[...document.querySelectorAll('[data-testid="draft-body"] a')].map((a) => [a.getAttribute('href'), a.getAttribute('rel'), a.getAttribute('target')])`,
      )) as string[][];
      expect(links).toContainEqual(['https://www.example.edu.cn/news', 'noopener noreferrer nofollow', '_blank']);
      for (const [href, rel, target] of links) expect([/^https?:\/\//.test(href!), rel, target]).toEqual([true, 'noopener noreferrer nofollow', '_blank']);
      const origin = await text(page, '.card.origin');
      for (const v of [s.origin.sourceName, s.origin.originalAuthor, s.origin.sourceUrl]) expect(origin).toContain(v);
      const findings = squash(await text(page, '[data-testid="findings"]'));
      for (const p of PAYLOADS) expect(findings).toContain(squash(p.text));
      for (const reason of s.waivers) expect(findings).toContain(squash(`已豁免理由：${reason}`));
      const history = await texts(page, '[data-testid="decision"]');
      for (const c of s.decisionComments) expect(history).toContain(c);
      for (const u of ['xr1', 'xr2', 'xr3'] as const) expect(history).toContain(s.users[u].displayName);
      expect(await texts(page, '.mark-item .note')).toBe(markNotes.concat(markNotes.slice(0, replacements.length)).join('\n'));
      expect(await texts(page, '.mark-item .replacement')).toBe(replacements.join('\n'));
      expect(await text(page, '.review-page .muted')).toContain(s.users.xeditor.displayName);
      expect(await provoke(page, ['main'])).toBeGreaterThan(500);
      await assertInertPage(w, page, 'review H');
      await h.shot(page, 'xss-review-html');

      // M: markdown with raw HTML and markdown-specific payloads.
      w.where = 'review M';
      await page.goto(`${h.url}/#/drafts/${s.m}`);
      await page.waitForSelector('[data-testid="draft-body"] h1');
      const mdBody = await text(page, '[data-testid="draft-body"]');
      // Raw HTML in markdown is shown as the text it is.
      for (const p of [PAYLOADS[0]!, ...PAYLOADS.filter((x) => x.family === 'template').slice(0, 2)]) expect(mdBody).toContain(p.text);
      const mdLinks = (await page.evaluate(`[...document.querySelectorAll('[data-testid="draft-body"] a')].map((a) => a.getAttribute('href'))`)) as string[];
      expect(mdLinks).toContain('https://www.example.edu.cn/');
      // A quote in a markdown URL stays inside the (percent-encoded) URL; it cannot open an attribute.
      for (const href of mdLinks) expect(href).toMatch(/^https?:\/\/[^"'<>\s]+$/);
      await provoke(page, ['main']);
      await assertInertPage(w, page, 'review M');

      // T: plain text, revised: every payload is visible text, in the body and in the revision diff.
      w.where = 'review T';
      await page.goto(`${h.url}/#/drafts/${s.t}?diff=1-2`);
      await page.waitForSelector('[data-testid="diff-result"]');
      const plain = squash(await text(page, '[data-testid="draft-body"]'));
      for (const p of ALL) expect(plain).toContain(squash(p));
      expect((await page.$$('[data-testid="diff-result"] ins, [data-testid="diff-result"] del')).length).toBeGreaterThan(0);
      await provoke(page, ['main']);
      await assertInertPage(w, page, 'review T');

      // Every title chunk on its own review page.
      w.where = 'review titles';
      await inTabs(w, s.carriers, async (tab, c) => {
        await tab.goto(`${h.url}/#/drafts/${c.id}`);
        await until(tab, `document.querySelector('[data-testid="review-page"] h1.draft-title')?.textContent.replace(/\\s+/g, '') === ${JSON.stringify(squash(c.title))}`);
        await provoke(tab, ['.draft-head']);
        await assertInertPage(w, tab, `review title ${c.id}`);
      });
    } finally {
      await w.close();
    }
  });

  it('the auditor desk (list and trail timeline) shows the hostile record as text', async () => {
    const w = await Watched.open('auditor');
    try {
      const page = await w.page();
      w.where = 'audit list';
      await page.goto(`${h.url}/#/audit`);
      await page.waitForSelector(`[data-testid="audit-results"] a[href="#/audit/${s.h}"]`);
      const list = await texts(page, '[data-testid="audit-results"] tbody td');
      for (const c of s.carriers) expect(list).toContain(c.title);
      expect(list).toContain(s.users.xeditor.displayName);
      expect(list).toContain(s.platformName);
      await provoke(page, ['[data-testid="audit-results"] thead', '.toolbar']);
      await assertInertPage(w, page, 'audit list');

      for (const id of [s.h, s.t]) {
        w.where = `audit trail ${id}`;
        await page.goto(`${h.url}/#/audit/${id}`);
        await page.waitForSelector('[data-testid="trail-event"]');
        await page.waitForSelector('[data-testid="verify-badge"][data-ok="true"]');
        const trail = await texts(page, '[data-testid="trail-event"]');
        if (id === s.h) {
          for (const c of s.decisionComments) expect(trail).toContain(`意见：${c}`);
          for (const st of s.statements) expect(trail).toContain(st);
          for (const r of s.waivers) expect(trail).toContain(`意见：${r}`);
          for (const n of markNotes) expect(trail).toContain(n);
          for (const u of Object.values(s.users)) expect(trail).toContain(u.displayName);
        }
        expect(await provoke(page, ['[data-testid="trail"]'])).toBeGreaterThan(20);
        await assertInertPage(w, page, `audit trail ${id}`);
      }
      await h.shot(page, 'xss-audit-trail');
    } finally {
      await w.close();
    }
  });

  it('the printable 审稿单 escapes every value, for every title chunk', async () => {
    const w = await Watched.open('auditor');
    try {
      w.where = 'review sheets';
      await inTabs(w, s.carriers, async (page, c) => {
        const res = await page.goto(`${h.url}/api/drafts/${c.id}/review-sheet`);
        expect(res?.status()).toBe(200);
        expect(await text(page, 'table tr:nth-child(2) td')).toBe(c.title);
        if (c.id === s.h) {
          const sheet = await text(page, 'body');
          for (const comment of s.decisionComments) expect(sheet).toContain(comment);
          for (const u of Object.values(s.users)) {
            expect(sheet).toContain(u.displayName);
            expect(sheet).toContain(u.staffId);
          }
          await h.shot(page, 'xss-review-sheet');
        }
        await provoke(page, ['body'], true);
        await assertInertPage(w, page, `review sheet ${c.id}`);
      });
    } finally {
      await w.close();
    }
  });

  it("the author's desk lists hostile titles as text", async () => {
    const w = await Watched.open('xeditor');
    try {
      w.where = 'desk';
      const page = await w.page();
      await page.goto(`${h.url}/#/desk`);
      await page.waitForSelector('table');
      await until(page, `document.body.textContent.includes(${JSON.stringify(s.carriers[0]!.title)})`);
      const desk = await text(page, 'main');
      for (const c of s.carriers) expect(desk).toContain(c.title);
      await provoke(page, ['table']);
      await assertInertPage(w, page, 'desk');
    } finally {
      await w.close();
    }
  });

  it('the dashboards show hostile reviewer and platform names inert, in chart tooltips too', async () => {
    const w = await Watched.open('auditor');
    try {
      w.where = 'dashboard';
      const page = await w.page();
      await page.goto(`${h.url}/#/dashboard`);
      await page.waitForSelector('[data-testid="chart-workload"] canvas');
      await page.waitForSelector('[data-testid="chart-releases"] canvas');
      // Never released: listed by name among the quiet platforms.
      expect(await text(page, '[data-testid="quiet-platforms"]')).toContain(names[3]!);
      // ECharts builds its tooltips as HTML from category and series names: hover the bars until they show.
      const hostile = [...Object.values(s.users).map((u) => u.displayName), s.platformName];
      for (const id of ['chart-workload', 'chart-releases']) {
        const box = (await (await page.$(`[data-testid="${id}"]`))!.boundingBox())!;
        let shown = '';
        for (let fy = 0.8; fy > 0.4 && !shown; fy -= 0.12) {
          for (let fx = 0.15; fx < 0.9 && !shown; fx += 0.05) {
            await page.mouse.move(box.x + box.width * fx, box.y + box.height * fy);
            const tip = await text(page, `[data-testid="${id}"]`);
            if (hostile.some((n) => tip.includes(n))) shown = tip;
          }
        }
        expect({ id, tooltip: shown !== '' }).toEqual({ id, tooltip: true });
        await assertInertPage(w, page, `dashboard ${id}`);
      }
      await h.shot(page, 'xss-dashboard');
    } finally {
      await w.close();
    }
  });

  it('the admin pages list hostile unit, platform and user names as text', async () => {
    const w = await Watched.open('admin');
    try {
      const page = await w.page();
      for (const [tab, expected] of [
        ['users', [s.users.xr1.displayName, s.users.xr1.staffId]],
        ['units', [s.unitName, names[2]!]],
        ['platforms', [s.platformName, names[3]!]],
      ] as const) {
        w.where = `admin ${tab}`;
        await page.goto(`${h.url}/#/admin/${tab}`);
        await until(page, `document.querySelector('main')?.textContent.includes(${JSON.stringify(expected[0])})`);
        const main = await text(page, 'main');
        for (const e of expected) expect(main).toContain(e);
        await provoke(page, ['main table']);
        await assertInertPage(w, page, `admin ${tab}`);
      }
    } finally {
      await w.close();
    }
  });

  it('the 备案 register, its drawer and the 年检 page (chart tooltips too) show hostile names as text', async () => {
    const w = await Watched.open('admin');
    try {
      const page = await w.page();
      w.where = 'registry';
      await page.goto(`${h.url}/#/registry`);
      await until(page, `document.querySelector('main')?.textContent.includes(${JSON.stringify(s.platformName)})`);
      await provoke(page, ['main table']);
      await page.click('[data-testid="open-entry"]');
      await page.waitForSelector('[data-testid="entry"] dl');
      await provoke(page, ['[data-testid="drawer"]']);
      await assertInertPage(w, page, 'registry');
      w.where = 'annual';
      await page.goto(`${h.url}/#/annual`);
      await page.waitForSelector('[data-testid="chart-frequency"] canvas');
      await until(page, `document.querySelector('[data-testid="annual-table"]')?.textContent.includes(${JSON.stringify(s.platformName)})`);
      const box = (await (await page.$('[data-testid="chart-frequency"]'))!.boundingBox())!;
      let shown = false;
      for (let fy = 0.25; fy < 0.55 && !shown; fy += 0.1) {
        for (let fx = 0.1; fx < 0.95 && !shown; fx += 0.04) {
          await page.mouse.move(box.x + box.width * fx, box.y + box.height * fy);
          shown = (await text(page, '[data-testid="chart-frequency"]')).includes(s.platformName);
        }
      }
      expect(shown).toBe(true);
      await assertInertPage(w, page, 'annual');
    } finally {
      await w.close();
    }
  });

  it('the CSP forbids inline script, handlers, plugins and framing, and keeps plain-http deployments working', async () => {
    const res = await fetch(`${h.url}/`);
    const csp = (res.headers.get('content-security-policy') ?? '').split(';').map((d) => d.trim());
    expect(csp).toEqual(
      expect.arrayContaining(["default-src 'self'", "script-src 'self'", "script-src-attr 'none'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'self'", "form-action 'self'"]),
    );
    // Served over http (not loopback), upgrade-insecure-requests would send the bundle requests to https.
    expect(csp).not.toContain('upgrade-insecure-requests');
    const sheet = await (await fetch(`${h.url}/api/drafts/${s.h}/review-sheet`, { headers: { authorization: `Bearer ${h.ctx.people.tokens.auditor}` } })).text();
    expect(sheet).toMatch(
      /^<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8">\n<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;sha256-[A-Za-z0-9+/=]+&#39;; base-uri &#39;none&#39;; form-action &#39;none&#39;">/,
    );
  });

  it('controls: the hook sees script that runs, CSP violations, dialogs and requests in an app page', async () => {
    const w = await Watched.open('xr1');
    try {
      w.where = 'control app';
      const page = await w.page();
      await page.goto(`${h.url}/#/board`);
      await page.waitForSelector('[data-testid="board"]');
      await page.evaluate('xss("control")');
      await page.evaluate(`(() => { const s = document.createElement('script'); s.textContent = 'xss("inline")'; document.body.appendChild(s); })()`);
      await page.evaluate(`(() => { const i = document.createElement('img'); i.src = 'http://${EXFIL_HOST}/control.png'; document.body.appendChild(i); })()`);
      await page.evaluate(`(() => { const d = document.createElement('div'); d.id = 'config'; document.body.appendChild(d); })()`);
      await page.evaluate(`setTimeout(() => alert('control-dialog'), 0)`);
      await page.evaluate(`window.open('/#/board', '_blank')`);
      await page.waitForTimeout(300);
      expect(w.of('call')).toEqual(['control']);
      expect(w.of('csp').some((x) => x.startsWith('script-src'))).toBe(true);
      expect(w.of('csp').some((x) => x.startsWith('img-src') && x.includes(EXFIL_HOST))).toBe(true);
      expect(w.of('dialog')).toEqual(['alert:control-dialog']);
      expect(w.of('popup')).toEqual([`${h.url}/#/board`]);
      expect(await page.evaluate(`(${CLOBBERED})(${JSON.stringify(CLOBBER_NAMES)})`)).toEqual(['window.config']);
      expect(await page.evaluate(`(${SCAN})(${JSON.stringify(CLOBBER_NAMES)})`)).toEqual(expect.arrayContaining(['<script>', '<img>', 'div[id=config]']));

      // The 审稿单's own policy: not even a same-origin image (which the app's header would allow) loads there.
      w.where = 'control sheet';
      await page.goto(`${h.url}/api/drafts/${s.h}/review-sheet`);
      await page.evaluate(
        `(() => { const i = document.createElement('img'); i.src = '/favicon.ico'; document.body.appendChild(i); const s = document.createElement('script'); s.src = '/assets/x.js'; document.body.appendChild(s); })()`,
      );
      await page.waitForTimeout(300);
      expect(w.of('csp').some((x) => x.startsWith('img-src') && x.includes('/favicon.ico'))).toBe(true);
      expect(w.of('csp').some((x) => x.startsWith('script-src') && x.includes('/assets/x.js'))).toBe(true);
    } finally {
      await w.close();
    }
  });

  it('controls: without the sanitizer and CSP, the payloads do fire, and the hook sees each as claimed', async () => {
    // One same-origin frame per payload, its raw markup as the frame's document (no CSP, no sanitizer).
    const attr = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
    const control = `<!doctype html><meta charset="utf-8"><body>${PAYLOADS.map((p) => `<iframe data-n="${p.n}" width="360" height="80" srcdoc="${attr(p.text)}"></iframe>`).join('')}</body>`;
    const w = await Watched.open(null, { control });
    try {
      w.where = 'control raw';
      const page = await w.page();
      await page.goto(`${h.url}/__xss-control`);
      await page.waitForLoadState('load');
      await page.waitForTimeout(500);
      const afterLoad = new Set(w.of('call'));
      // The frames are same-origin with the control page: one evaluation checks and provokes them all, clobbering
      // first (a provoked payload may navigate its frame away).
      const perFrame = (await page.evaluate(`(() => {
        const provoke = ${PROVOKE};
        const clobbered = ${CLOBBERED};
        const out = [];
        for (const f of document.querySelectorAll('iframe[data-n]')) {
          let c = null;
          try { c = clobbered(${JSON.stringify(CLOBBER_NAMES)}, f.contentWindow); provoke({ roots: ['html'], controls: true }, f.contentWindow); } catch (e) { c = c ?? ['error: ' + e.message]; }
          out.push([Number(f.dataset.n), c]);
        }
        return out;
      })()`)) as Array<[number, string[]]>;
      expect(perFrame.length).toBe(PAYLOADS.length);
      const clobbered = new Map(perFrame);
      await page.waitForTimeout(800);
      const called = new Set(w.of('call'));
      const requested = w.of('request').join('\n');
      const dialogs = w.of('dialog').join('\n');
      const fired = (p: XssPayload) => called.has(String(p.n)) || requested.includes(`/${p.n}/`) || dialogs.includes(String(p.n)) || (clobbered.get(p.n)?.length ?? 0) > 0;
      const claim = (p: XssPayload): boolean => {
        switch (p.live) {
          case 'load':
            return afterLoad.has(String(p.n));
          case 'interaction':
            // Autofocus may already fire while the frames load; the others need the hostile pass.
            return called.has(String(p.n));
          case 'request':
            return requested.includes(`http://${EXFIL_HOST}/${p.n}/`);
          case 'dialog':
            return dialogs.includes(`alert:${p.n}`);
          case 'clobber':
            return (clobbered.get(p.n)?.length ?? 0) > 0;
          case 'inert':
            return !fired(p);
        }
      };
      // The data: links navigated their frames, and the hook saw that too.
      expect(w.of('navigation').filter((u) => u.startsWith('data:text/html')).length).toBeGreaterThanOrEqual(2);
      const wrong = PAYLOADS.filter((p) => !claim(p)).map((p) => ({ n: p.n, live: p.live, text: p.text, called: called.has(String(p.n)), clobbered: clobbered.get(p.n) }));
      expect(wrong).toEqual([]);
      const live = PAYLOADS.filter((p) => p.live !== 'inert').length;
      expect(live).toBeGreaterThanOrEqual(100);
    } finally {
      await w.close();
    }
  });
});
