import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { Queue } from 'bullmq';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { randomUUID } from 'node:crypto';
import { pinoHttp } from 'pino-http';
import swaggerUi from 'swagger-ui-express';
import { recordDenial, type CheckpointStore } from '../services/audit-trail.service';
import { authenticate } from '../services/auth.service';
import type { ClaimsPort } from '../services/claims.service';
import type { ServiceDeps } from '../services/deps';
import { errorHandler } from './error-handler';
import { jsonBody } from './json-body';
import { documentsRouter } from './routes/documents.routes';
import { mediaGalleryRouter } from './routes/media-gallery.routes';
import { mediaActionsRouter } from './routes/media-actions.routes';
import { mediaInsightRouter } from './routes/media-insight.routes';
import { adminRouter } from './routes/admin.routes';
import { cookieValues, PLAIN_SESSION_COOKIE, SECURE_SESSION_COOKIE, sessionCookieName } from '../shared/session-cookie';
import { clearTossedCookies, crossSiteGuard, passwordChangeGuard } from './guards';
import { authRouter } from './routes/auth.routes';
import { boardRouter } from './routes/board.routes';
import { claimsRouter } from './routes/claims.routes';
import { dashboardsRouter } from './routes/dashboards.routes';
import { queueBoardRouter } from './queue-board';
import { dictionariesRouter } from './routes/dictionaries.routes';
import { ruleFeedbackRouter } from './routes/rule-feedback.routes';
import { draftsRouter } from './routes/drafts.routes';
import { marksRouter } from './routes/marks.routes';
import { trailRouter } from './routes/trail.routes';
import { notificationsRouter } from './routes/notifications.routes';
import { recordsRouter } from './routes/records.routes';
import { registryRouter } from './routes/registry.routes';

export interface HealthProbe {
  (): Promise<{ db: 'up' | 'down'; redis: 'up' | 'down' }>;
}

export interface AppDeps extends ServiceDeps {
  checkpoints: CheckpointStore | null;
  health: HealthProbe;
  secureCookies?: boolean;
  /** Static files of the board (built web app), when present. */
  webRoot?: string | undefined;
  onLogout?: (userId: string) => void;
  /** BullMQ queues counted on the dashboards and shown to admins at /admin/queues (@bull-board). */
  queues?: Queue[];
  /** Claims (认领) and viewers across API processes (Redis); without it those endpoints answer 503. */
  presence?: ClaimsPort | undefined;
  /** Extra routes mounted after auth resolution (e.g. the bull-board UI). */
  mount?: (app: express.Express) => void;
  /** ALLOWED_ORIGINS: the origins the app is served from (default: the request's own host). */
  allowedOrigins?: string[] | null | undefined;
  /** TRUST_PROXY: the proxies whose X-Forwarded-For is believed (default: none). */
  trustProxy?: string[] | undefined;
}

export const BODY_LIMIT = '1mb';
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** The HTTP application without listen(): tests drive it through supertest, main.ts serves it. */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Nobody's X-Forwarded-For by default: otherwise anything on the host could rotate it past the per-address
  // login limit and write any address into the security trail. TRUST_PROXY names the real proxies.
  app.set('trust proxy', deps.trustProxy && deps.trustProxy.length > 0 ? deps.trustProxy : false);
  app.set('query parser', 'simple');

  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: () => randomUUID(),
      // Method, path and status only: never bodies, cookies or tokens (personal data stays out of logs).
      serializers: {
        req: (req: { method: string; url: string }) => ({ method: req.method, path: String(req.url).split('?')[0] }),
        res: (res: { statusCode: number }) => ({ status: res.statusCode }),
      },
    }),
  );
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          frameAncestors: ["'none'"],
          // helmet's default upgrade-insecure-requests makes a browser fetch the board's own scripts over https;
          // served over plain http by name or LAN address (not loopback), the board would not load at all.
          upgradeInsecureRequests: deps.secureCookies ? [] : null,
        },
      },
    }),
  );
  const cookieName = sessionCookieName(deps.secureCookies ?? false);
  app.use(async (req: Request, res: Response, next: NextFunction) => {
    try {
      const bearer = req.get('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1];
      let token = bearer;
      if (!bearer) {
        // Both names count: over HTTPS a plain `sanshen_sid` next to the real one is a tossed cookie too.
        const values = cookieValues(req.get('cookie'), [SECURE_SESSION_COOKIE, PLAIN_SESSION_COOKIE]);
        if (values.length > 1) {
          // Cookie tossing: a same-site server planted a second session cookie (e.g. Path=/api/drafts) that the
          // browser sends first. Neither can be trusted to be the user's own: refuse, and clear what can be cleared.
          clearTossedCookies(res, cookieName, req.path);
          res.status(400).json({ error: { code: 'duplicate_session_cookie', message: '请求带有多个会话 Cookie，已全部清除，请重新登录' } });
          return;
        }
        token = cookieValues(req.get('cookie'), [cookieName])[0];
      }
      if (token && token.length <= 200) {
        const user = await authenticate(deps.db, token, deps.session.idleMinutes);
        if (user) req.auth = { user, token };
      }
      next();
    } catch (error) {
      next(error);
    }
  });
  app.use(crossSiteGuard({ db: deps.db, logger: deps.logger, allowedOrigins: deps.allowedOrigins }));
  const json = jsonBody({ limitBytes: BODY_LIMIT_BYTES });
  // Media uploads (multipart, up to the video cap) are streamed by their own route, not read as JSON.
  app.use((req: Request, res: Response, next: NextFunction) => (req.method === 'POST' && req.path === '/api/media' && req.is('multipart/form-data') ? next() : json(req, res, next)));
  app.use(passwordChangeGuard());

  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'session', { type: 'apiKey', in: 'cookie', name: cookieName });
  registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });

  app.get('/api/health', async (_req, res) => {
    const health = await deps.health();
    res.status(health.db === 'up' ? 200 : 503).json({ status: health.db === 'up' ? 'ok' : 'degraded', ...health });
  });
  app.use(authRouter(deps.db, registry, { absoluteHours: deps.session.absoluteHours, secureCookies: deps.secureCookies ?? false, ...(deps.onLogout ? { onLogout: deps.onLogout } : {}) }));
  app.use(adminRouter(deps.db, registry, { onSessionsEnded: deps.onLogout }));
  app.use(draftsRouter(deps, registry));
  app.use(marksRouter(deps, registry));
  app.use(trailRouter(deps, registry, deps.checkpoints));
  app.use(dictionariesRouter(deps, registry));
  app.use(ruleFeedbackRouter(deps, registry));
  app.use(boardRouter(deps.db, registry));
  app.use(claimsRouter(deps, registry));
  app.use(dashboardsRouter(deps.db, registry, deps.queues ?? [], deps.timeZone));
  app.use(notificationsRouter(deps, registry));
  app.use(registryRouter(deps, registry, deps.checkpoints));
  app.use(recordsRouter(deps, registry, deps.checkpoints));
  app.use(documentsRouter(deps, registry));
  app.use(mediaGalleryRouter(deps, registry));
  app.use(mediaActionsRouter(deps, registry));
  app.use(mediaInsightRouter(deps, registry));

  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'sanshen 三审三校 API', version: '0.1.0', description: '先审后发：投稿、机审、初审/复审/终审、发布与审计。错误统一为 {"error":{"code","message","details?"}}。' },
    servers: [{ url: '/' }],
  });
  app.get('/api/openapi.json', (_req, res) => {
    res.json(document);
  });
  app.use('/api/docs', swaggerUi.serve, swaggerUi.setup(document, { customSiteTitle: 'sanshen API' }));

  if (deps.queues?.length) app.use(queueBoardRouter(deps.queues, { db: deps.db }));
  deps.mount?.(app);
  if (deps.webRoot) app.use(express.static(deps.webRoot, { index: 'index.html' }));

  app.use('/api', (_req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: '接口不存在' } });
  });

  app.use(
    errorHandler(deps.logger, (req, error) => {
      const user = req.auth?.user;
      if (!user) return;
      // Permission denials are security events; recording one must never turn the 403 into a 500.
      recordDenial(deps.db, user, { method: req.method, path: req.path, reason: error.message, details: error.details ?? null }).catch((e: unknown) =>
        deps.logger.warn({ err: e }, 'could not audit a denial'),
      );
    }),
  );
  return app;
}
