import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import type { z } from 'zod';
import type { AuthUser } from '../domain/access';
import { DomainError } from '../domain/errors';
import { hasRole } from '../domain/access';
import type { Role } from '../domain/workflow';
import { declareMultipart } from './json-body';
import { ErrorSchema } from './schemas';

export interface Authed {
  user: AuthUser;
  token: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    auth?: Authed;
  }
}

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: Method;
  path: string;
  summary: string;
  tags: string[];
  /** Roles allowed (any of); `[]` = any signed-in user; omitted = public. */
  roles?: Role[];
  params?: P;
  query?: Q;
  body?: B;
  /**
   * The body's media type (default JSON: any other body is refused with 415 before it is read). `multipart`: the
   * route reads its own multipart/form-data body (uploads); `body` then documents the form fields and is not parsed.
   */
  accepts?: 'json' | 'multipart';
  responses: RouteConfig['responses'];
  headers?: RouteConfig['request'] extends infer R ? (R extends { headers?: infer H } ? H : never) : never;
}

export interface Input<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  user: AuthUser;
  req: Request;
  res: Response;
}

function parse<T extends z.ZodType>(schema: T | undefined, value: unknown, where: string): z.infer<T> {
  if (!schema) return undefined as z.infer<T>;
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    throw new DomainError('validation_failed', `请求${where}不合法`, {
      issues: result.error.issues.map((i) => ({ path: i.path.join('.'), code: i.code, message: i.message })),
    });
  }
  return result.data;
}

const errorResponses = {
  400: { description: '请求不合法', content: { 'application/json': { schema: ErrorSchema } } },
  401: { description: '未登录', content: { 'application/json': { schema: ErrorSchema } } },
  403: { description: '无权限', content: { 'application/json': { schema: ErrorSchema } } },
  415: { description: '请求体不是 application/json', content: { 'application/json': { schema: ErrorSchema } } },
};

/** Registers one endpoint in Express and in the OpenAPI document from the same schemas. */
export function route<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(
  router: Router,
  registry: OpenAPIRegistry,
  spec: RouteSpec<P, Q, B>,
  handler: (input: Input<z.infer<P>, z.infer<Q>, z.infer<B>>) => Promise<unknown>,
): void {
  const multipart = spec.accepts === 'multipart';
  if (multipart) declareMultipart(spec.method, spec.path);
  registry.registerPath({
    method: spec.method,
    path: spec.path.replace(/:(\w+)/g, '{$1}'),
    summary: spec.summary,
    tags: spec.tags,
    ...(spec.roles ? { security: [{ session: [] }, { bearer: [] }] } : {}),
    request: {
      ...(spec.params ? { params: spec.params as never } : {}),
      ...(spec.query ? { query: spec.query as never } : {}),
      ...(spec.body ? { body: { content: { [multipart ? 'multipart/form-data' : 'application/json']: { schema: spec.body } } } } : {}),
      ...(spec.headers ? { headers: spec.headers } : {}),
    },
    responses: { ...errorResponses, ...spec.responses },
  });
  const wrapped: RequestHandler = async (req: Request, res: Response, next: NextFunction) => {
    try {
      let user = req.auth?.user as AuthUser;
      if (spec.roles) {
        if (!req.auth) throw new DomainError('unauthenticated', '请先登录');
        user = req.auth.user;
        if (spec.roles.length > 0 && !hasRole(user, ...spec.roles)) {
          throw new DomainError('forbidden', '没有执行此操作的角色', { required: spec.roles });
        }
      }
      const input = {
        params: parse(spec.params, req.params, '路径参数'),
        query: parse(spec.query, req.query, '查询参数'),
        body: multipart ? (undefined as z.infer<B>) : parse(spec.body, req.body, '内容'),
        user,
        req,
        res,
      };
      const result = await handler(input);
      if (!res.headersSent && result !== undefined) res.json(result);
    } catch (error) {
      next(error);
    }
  };
  router[spec.method](spec.path, wrapped);
}
