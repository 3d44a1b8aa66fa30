import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import type { Db } from '../../db/pool';
import { changePassword, login, logout, recordRefusedLogin, warmDummyHash } from '../../services/auth.service';
import { presentMe } from '../presenters';
import { PLAIN_SESSION_COOKIE, sessionCookieName } from '../../shared/session-cookie';
import { route } from '../route';
import { LoginSchema, PasswordChangeSchema } from '../schemas';

/** The session cookie's name over plain HTTP; over HTTPS it is `__Host-sanshen_sid` (see guards.ts). */
export const SESSION_COOKIE = PLAIN_SESSION_COOKIE;

export function authRouter(db: Db, registry: OpenAPIRegistry, options: { absoluteHours: number; secureCookies: boolean; onLogout?: (userId: string) => void }): Router {
  const router = Router();
  const cookieName = sessionCookieName(options.secureCookies);
  void warmDummyHash();
  // Per client address; the per-account lockout in login() is what X-Forwarded-For cannot dodge.
  router.use(
    '/api/auth/login',
    rateLimit({
      windowMs: 60_000,
      limit: 20,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      // X-Forwarded-For is ignored unless TRUST_PROXY names the proxy (app.ts); that is deliberate, not a mistake.
      validate: { xForwardedForHeader: false },
      // A refused sign-in is a security event like a failed one: recorded before the answer goes out.
      handler: (req: Request, res: Response) => {
        const username = typeof (req.body as { username?: unknown } | undefined)?.username === 'string' ? String((req.body as { username: string }).username).slice(0, 64) : '';
        void recordRefusedLogin(db, { username, ip: req.ip ?? '', reason: 'rate_limited' })
          .catch(() => undefined)
          .finally(() => res.status(429).json({ error: { code: 'rate_limited', message: '登录尝试过于频繁，请稍后再试' } }));
      },
    }),
  );

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/api/auth/login',
      summary: '登录（浏览器得到 HttpOnly 会话 Cookie，API 客户端用返回的 token 作 Bearer）',
      tags: ['认证'],
      body: LoginSchema,
      responses: {
        200: { description: '已登录', content: { 'application/json': { schema: z.object({ token: z.string(), expiresAt: z.string(), user: z.object({}).loose() }) } } },
        423: { description: '账号已锁定' },
      },
    },
    async ({ body, req, res }) => {
      const result = await login(db, { username: body.username, password: body.password, ip: req.ip ?? '', absoluteHours: options.absoluteHours });
      // Session rotation: a session this browser already carried in its cookie (planted or its own) ends here, so
      // only the fresh id is ever valid after a sign-in. (A bearer token belongs to some other client: untouched.)
      if (req.auth && !req.get('authorization')) await logout(db, req.auth.token, req.auth.user);
      res.cookie(cookieName, result.token, { httpOnly: true, sameSite: 'lax', secure: options.secureCookies, path: '/', expires: result.expiresAt });
      return { token: result.token, expiresAt: result.expiresAt.toISOString(), user: presentMe(result.user) };
    },
  );

  route(
    router,
    registry,
    { method: 'post', path: '/api/auth/logout', summary: '退出登录（会话与实时连接立即失效）', tags: ['认证'], roles: [], responses: { 200: { description: '已退出' } } },
    async ({ req, res, user }) => {
      await logout(db, req.auth?.token ?? '', user);
      options.onLogout?.(user.id);
      res.clearCookie(cookieName, { path: '/', httpOnly: true, sameSite: 'lax', secure: options.secureCookies });
      return { ok: true };
    },
  );

  route(
    router,
    registry,
    {
      method: 'post',
      path: '/api/auth/password',
      summary: '修改本人密码（管理员重置后须先修改；其他会话随之失效）',
      tags: ['认证'],
      roles: [],
      body: PasswordChangeSchema,
      responses: { 200: { description: '已修改' } },
    },
    async ({ body, user, req }) => {
      await changePassword(db, user, { currentPassword: body.currentPassword, newPassword: body.newPassword, keepSessionToken: req.auth?.token ?? '', ip: req.ip ?? '' });
      // Other sessions of this user were revoked: end their sockets too.
      options.onLogout?.(user.id);
      return { ok: true };
    },
  );

  route(router, registry, { method: 'get', path: '/api/auth/me', summary: '当前用户', tags: ['认证'], roles: [], responses: { 200: { description: '当前用户' } } }, async ({ user }) =>
    presentMe(user),
  );
  return router;
}
