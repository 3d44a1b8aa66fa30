import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { DomainError, type ErrorCode } from '../domain/errors';

const STATUS: Record<ErrorCode, number> = {
  validation_failed: 400,
  unauthenticated: 401,
  forbidden: 403,
  waiver_not_allowed: 403,
  platform_not_allowed: 403,
  not_found: 404,
  conflict: 409,
  invalid_transition: 409,
  release_blocked: 409,
  account_locked: 423,
  idempotency_mismatch: 422,
  rate_limited: 429,
  service_unavailable: 503,
  platform_not_registered: 409,
};

/** pg/socket errors that mean "the database is not there right now": fail closed with 503. */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006']);

function rootCauses(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  for (let i = 0; current && i < 5; i++) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

export function isUnavailable(error: unknown): boolean {
  return rootCauses(error).some((e) => {
    const code = (e as { code?: unknown }).code;
    const message = String((e as { message?: unknown }).message ?? '');
    return (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) || /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(message);
  });
}

/**
 * Body-parser errors carry `type`/`status`; the router's failure to decode a path parameter (`%E0%A4%A`) is a
 * URIError with status 400. They are the client's fault, never a 500.
 */
function parserError(error: unknown): { status: number; code: string; message: string } | null {
  const e = error as { type?: string; status?: number };
  if (error instanceof URIError && e.status === 400) return { status: 400, code: 'bad_request', message: '请求路径的百分号编码不合法' };
  if (!e || typeof e.type !== 'string') return null;
  switch (e.type) {
    case 'entity.too.large':
      return { status: 413, code: 'payload_too_large', message: '请求体过大' };
    case 'entity.parse.failed':
      return { status: 400, code: 'invalid_json', message: '请求体不是合法的 JSON' };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { status: 415, code: 'unsupported_encoding', message: '只接受 UTF-8 编码' };
    case 'media.unsupported':
      return { status: 415, code: 'unsupported_media_type', message: '只接受 application/json 请求体' };
    case 'entity.verify.failed':
      return { status: 400, code: 'invalid_utf8', message: '请求体不是合法的 UTF-8' };
    case 'entity.duplicate.key':
      return { status: 400, code: 'duplicate_key', message: '请求体的同一对象中有重复的键' };
    default:
      return typeof e.status === 'number' && e.status >= 400 && e.status < 500 ? { status: e.status, code: 'bad_request', message: '请求不合法' } : null;
  }
}

export function errorHandler(logger: Logger, onDenied?: (req: Parameters<ErrorRequestHandler>[1], error: DomainError) => void): ErrorRequestHandler {
  return (error, req, res, _next) => {
    if (res.headersSent) return;
    if (error instanceof DomainError) {
      if ((error.code === 'forbidden' || error.code === 'waiver_not_allowed' || error.code === 'platform_not_allowed') && onDenied) onDenied(req, error);
      res.status(STATUS[error.code]).json({
        error: { code: error.code, message: error.message, ...(error.details !== undefined ? { details: error.details } : {}) },
      });
      return;
    }
    const parsed = parserError(error);
    if (parsed) {
      res.status(parsed.status).json({ error: { code: parsed.code, message: parsed.message } });
      return;
    }
    if (isUnavailable(error)) {
      logger.warn({ reqId: req.id, err: { message: (error as Error).message } }, 'database unavailable');
      res.status(503).json({ error: { code: 'service_unavailable', message: '数据库暂时不可用，请稍后重试；本次请求未被受理' } });
      return;
    }
    logger.error({ reqId: req.id, err: error }, 'unhandled error');
    res.status(500).json({ error: { code: 'internal_error', message: `服务器内部错误（请求编号 ${req.id ?? '-'}）` } });
  };
}
