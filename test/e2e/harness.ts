import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, connect, type AddressInfo, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createApp } from '../../src/http/app';
import { SESSION_COOKIE } from '../../src/http/routes/auth.routes';
import { createSocketServer, type SocketServer } from '../../src/realtime/socket-server';
import { createTestContext, type TestContext } from '../helpers/test-context';

export const SCREENSHOTS = resolve(__dirname, '../../test-artifacts/screenshots');
const WEB_ROOT = resolve(__dirname, '../../dist/web');

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

/** A TCP relay in front of the app whose connections can be cut (and new ones refused) to simulate a network drop. */
export interface CuttableProxy {
  url: string;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

async function startProxy(targetPort: number): Promise<CuttableProxy> {
  const open = new Set<Socket>();
  let down = false;
  const server = createTcpServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    cut() {
      down = true;
      for (const s of open) s.destroy();
      open.clear();
    },
    restore() {
      down = false;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of open) s.destroy();
        server.close(() => r());
      }),
  };
}

export interface OpenedPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors and console errors (CSP violations show up here). */
  problems: string[];
}

export interface Harness {
  ctx: TestContext;
  url: string;
  server: Server;
  sockets: SocketServer;
  browser: Browser;
  proxy: CuttableProxy;
  /** A fresh browser context signed in as `user` (session cookie from the seeded login), at `path`. */
  open(user: string | null, path: string, options?: { viaProxy?: boolean }): Promise<OpenedPage>;
  /** Another tab in the same context (same session). */
  tab(opened: OpenedPage, path: string): Promise<Page>;
  shot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The real stack in one process: database cloned from the migrated template, check worker, express app serving
 * the built board, socket.io bound to the same HTTP server, committed changes fanned out to the sockets, and
 * Debian's Chromium driven by playwright-core.
 */
export async function startHarness(): Promise<Harness> {
  const ctx = await createTestContext({ worker: true });
  const app = createApp({ ...ctx.runtime.deps, checkpoints: ctx.checkpoints, health: ctx.runtime.health, webRoot: WEB_ROOT, queues: [ctx.runtime.queue.queue] });
  const server = createServer(app);
  const sockets = createSocketServer(server, { db: ctx.runtime.deps.db, idleMinutes: ctx.runtime.deps.session.idleMinutes, allowedOrigins: null });
  await ctx.runtime.events.attach(sockets.broadcast, null);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const proxy = await startProxy(port);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  mkdirSync(SCREENSHOTS, { recursive: true });
  const contexts: BrowserContext[] = [];

  const watch = (page: Page, problems: string[]) => {
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.stack ?? e.message}`));
    page.on('console', (m) => {
      // API answers such as 401 (signed out) and 409 (someone decided first) are expected; the app handles them.
      if (m.type() === 'error' && !/status of (401|409)\b/.test(m.text())) problems.push(`console: ${m.text()}`);
    });
  };

  const harness: Harness = {
    ctx,
    url,
    server,
    sockets,
    browser,
    proxy,
    async open(user, path, options = {}) {
      const base = options.viaProxy ? proxy.url : url;
      const context = await browser.newContext({ baseURL: base, viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', acceptDownloads: true });
      contexts.push(context);
      if (user) {
        const token = ctx.people.tokens[user];
        if (!token) throw new Error(`no seeded session for ${user}`);
        await context.addCookies([{ name: SESSION_COOKIE, value: token, url: base, httpOnly: true, sameSite: 'Lax' }]);
      }
      const page = await context.newPage();
      const problems: string[] = [];
      watch(page, problems);
      await page.goto(`${base}/#${path}`);
      return { context, page, problems };
    },
    async tab(opened, path) {
      const page = await opened.context.newPage();
      watch(page, opened.problems);
      const base = new URL(opened.page.url()).origin;
      await page.goto(`${base}/#${path}`);
      return page;
    },
    async shot(page, name) {
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await proxy.close();
      // Closes the socket.io server and the HTTP server it is attached to.
      await new Promise<void>((r) => sockets.io.close(() => r()));
      await ctx.close();
    },
  };
  return harness;
}

/** The (id → column) map of a board as the page shows it. */
export async function boardColumns(page: Page): Promise<Record<string, string>> {
  // A string expression: this file compiles without the DOM lib.
  return page.evaluate(`(() => {
    const out = {};
    for (const col of document.querySelectorAll('[data-testid="board"] [data-column]')) {
      for (const card of col.querySelectorAll('[data-draft-id]')) out[card.getAttribute('data-draft-id')] = col.getAttribute('data-column');
    }
    return out;
  })()`);
}

/** The same map computed from what the API (the database) says for `user`. */
export async function expectedColumns(h: Harness, user: string): Promise<Record<string, string>> {
  const res = await h.ctx.api(user).get('/api/board');
  if (res.status !== 200) throw new Error(`board ${res.status}`);
  const out: Record<string, string> = {};
  for (const d of res.body.items as Array<{ id: string; status: string; stage: string | null }>) {
    out[d.id] =
      d.status === 'checking' || d.status === 'checks_failed'
        ? 'checking'
        : d.status === 'in_review'
          ? (d.stage ?? '?')
          : d.status === 'approved'
            ? 'approved'
            : d.status === 'returned'
              ? 'returned'
              : '?';
  }
  return out;
}

export const card = (id: string, column?: string) => (column ? `[data-column="${column}"] [data-draft-id="${id}"]` : `[data-draft-id="${id}"]`);
