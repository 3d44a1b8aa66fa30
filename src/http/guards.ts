import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { Db } from '../db/pool';
import type { AuthUser } from '../domain/access';
import { recordCrossSiteRefusal } from '../services/audit-trail.service';

/**
 * Request guards that run before any route: which session cookie counts, cross-site request refusal (CSRF) and the
 * forced password change. Each answers in the `{"error":{"code","message"}}` shape itself.
 */

/**
 * Expired copies of the session cookie for `/` and every prefix of `path`: a cookie tossed at Path=/api/drafts is
 * cleared by the answer that refuses it, so the victim's next request is clean.
 */
export function clearTossedCookies(res: Response, name: string, path: string): void {
  const parts = path.split('/').filter(Boolean).slice(0, 8);
  const paths = ['/'];
  for (let i = 1; i <= parts.length; i++) paths.push(`/${parts.slice(0, i).join('/')}`);
  const secure = name.startsWith('__Host-');
  res.append(
    'Set-Cookie',
    paths.map((p) => `${name}=; Path=${p}; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`),
  );
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The origins this app is served from: ALLOWED_ORIGINS when set, else the request's own host (http or https). */
function ownOrigin(req: Request, allowedOrigins: readonly string[] | null | undefined, origin: string): boolean {
  if (allowedOrigins && allowedOrigins.length > 0) return allowedOrigins.includes(origin);
  const host = req.get('host');
  return host !== undefined && (origin === `http://${host}` || origin === `https://${host}`);
}

/**
 * CSRF: a state-changing request that a browser could send on its own (not bearer-authenticated) must come from
 * this app's own pages. `Sec-Fetch-Site` other than same-origin / none, or an `Origin` that is not the app's,
 * is refused with 403 `forbidden` and recorded on the security chain. Same-site is not enough: every department
 * site of the school is same-site. A request with neither header is not from a current browser's cross-site
 * form or fetch (they always send at least one of them on a POST), so API scripts with cookies keep working.
 */
export function crossSiteGuard(options: { db: Db; logger: Logger; allowedOrigins?: readonly string[] | null | undefined }): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method)) return next();
    if (req.get('authorization')) return next(); // a bearer token is never sent by a browser on its own
    const site = req.get('sec-fetch-site')?.toLowerCase();
    const origin = req.get('origin');
    const siteOk = site === undefined || site === 'same-origin' || site === 'none';
    const originOk = origin === undefined || ownOrigin(req, options.allowedOrigins, origin);
    if (siteOk && originOk) return next();
    const user: AuthUser | undefined = req.auth?.user;
    void recordCrossSiteRefusal(options.db, user, {
      ip: req.ip ?? '',
      method: req.method,
      path: req.path.slice(0, 200),
      origin: origin?.slice(0, 200) ?? null,
      secFetchSite: site?.slice(0, 32) ?? null,
    })
      .catch((error: unknown) => options.logger.warn({ err: error }, 'could not audit a cross-site refusal'))
      .finally(() => {
        res.setHeader('Connection', 'close');
        res.status(403).json({ error: { code: 'forbidden', message: '拒绝跨站请求：请从本系统页面操作' } });
      });
  };
}

/** Paths a session that must change its password may still use. */
const PASSWORD_CHANGE_PATHS = new Set(['GET /api/auth/me', 'POST /api/auth/logout', 'POST /api/auth/password', 'PUT /api/auth/password']);

/**
 * After an admin's password reset the session can only change its password (and read who it is, or sign out):
 * every other API call answers 403 `password_change_required`.
 */
export function passwordChangeGuard(): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!req.auth?.user.mustChangePassword) return next();
    if (!req.path.startsWith('/api/') && !req.path.startsWith('/admin/queues')) return next();
    if (PASSWORD_CHANGE_PATHS.has(`${req.method} ${req.path}`)) return next();
    res.status(403).json({ error: { code: 'password_change_required', message: '管理员已重置您的密码，请先修改密码' } });
  };
}
