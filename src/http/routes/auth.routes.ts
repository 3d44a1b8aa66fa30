import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import type { Db } from '../../db/pool';
import { login, logout } from '../../services/auth.service';
import { presentMe } from '../presenters';
import { route } from '../route';
import { LoginSchema } from '../schemas';

export const SESSION_COOKIE = 'sanshen_sid';

export function authRouter(db: Db, registry: OpenAPIRegistry, options: { absoluteHours: number; secureCookies: boolean; onLogout?: (userId: string) => void }): Router {
  const router = Router();
  // Per client address; the per-account lockout in login() is what X-Forwarded-For cannot dodge.
  router.use(
    '/api/auth/login',
    rateLimit({
      windowMs: 60_000,
      limit: 20,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      handler: (_req, res: Response) => res.status(429).json({ error: { code: 'rate_limited', message: '登录尝试过于频繁，请稍后再试' } }),
    }),
  );

  route(
    router,
    registry,
    {
      method: 'post', path: '/api/auth/login', summary: '登录（浏览器得到 HttpOnly 会话 Cookie，API 客户端用返回的 token 作 Bearer）', tags: ['认证'], body: LoginSchema,
      responses: { 200: { description: '已登录', content: { 'application/json': { schema: z.object({ token: z.string(), expiresAt: z.string(), user: z.object({}).loose() }) } } }, 423: { description: '账号已锁定' } },
    },
    async ({ body, req, res }) => {
      const result = await login(db, { username: body.username, password: body.password, ip: req.ip ?? '', absoluteHours: options.absoluteHours });
      // Session rotation: a session this browser already carried in its cookie (planted or its own) ends here, so
      // only the fresh id is ever valid after a sign-in. (A bearer token belongs to some other client: untouched.)
      if (req.auth && !req.get('authorization')) await logout(db, req.auth.token, req.auth.user);
      res.cookie(SESSION_COOKIE, result.token, { httpOnly: true, sameSite: 'lax', secure: options.secureCookies, path: '/', expires: result.expiresAt });
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
      res.clearCookie(SESSION_COOKIE, { path: '/' });
      return { ok: true };
    },
  );

  route(
    router,
    registry,
    { method: 'get', path: '/api/auth/me', summary: '当前用户', tags: ['认证'], roles: [], responses: { 200: { description: '当前用户' } } },
    async ({ user }) => presentMe(user),
  );
  return router;
}
