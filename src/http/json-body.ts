import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** An error the error handler maps by `type` (the body-parser convention), never a 500. */
const bodyError = (type: string, status: number, message: string) => Object.assign(new Error(message), { type, status, expose: true });

/**
 * The first key that occurs twice in one object of a valid JSON text, or undefined. Keys are compared decoded
 * ("a" and "\u0061" are the same key). One pass, no recursion: nesting depth costs memory, not stack.
 */
export function firstDuplicateKey(text: string): string | undefined {
  const objects: Array<Set<string> | null> = [];
  let keyNext = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      let escaped = false;
      for (; text.charCodeAt(j) !== 0x22; j++) {
        if (text.charCodeAt(j) === 0x5c /* \ */) {
          escaped = true;
          j++;
        }
      }
      const keys = objects[objects.length - 1];
      if (keys && keyNext) {
        const key = escaped ? (JSON.parse(text.slice(i, j + 1)) as string) : text.slice(i + 1, j);
        if (keys.has(key)) return key;
        keys.add(key);
        keyNext = false;
      }
      i = j;
    } else if (c === 0x7b /* { */) {
      objects.push(new Set());
      keyNext = true;
    } else if (c === 0x5b /* [ */) {
      objects.push(null);
      keyNext = false;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      objects.pop();
      keyNext = false;
    } else if (c === 0x2c /* , */) {
      const top = objects[objects.length - 1];
      keyNext = top !== undefined && top !== null;
    }
  }
  return undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Routes that take a multipart/form-data body (uploads) and read it themselves: `route({ accepts: 'multipart' })`. */
const multipartRoutes: Array<{ method: string; pattern: RegExp }> = [];

/** Declares that `method path` (express syntax, `:param` segments) reads its own multipart/form-data body. */
export function declareMultipart(method: string, path: string): void {
  const source = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:\w+/g, '[^/]+');
  const pattern = new RegExp(`^${source}/?$`);
  if (!multipartRoutes.some((r) => r.method === method.toUpperCase() && r.pattern.source === pattern.source)) {
    multipartRoutes.push({ method: method.toUpperCase(), pattern });
  }
}

/** Whether this request is a multipart body for a route that declared it reads one. */
export function isDeclaredMultipart(req: Pick<Request, 'method' | 'path' | 'headers'>): boolean {
  if (!/^multipart\/form-data\s*(;|$)/i.test(req.headers['content-type'] ?? '')) return false;
  return multipartRoutes.some((r) => r.method === req.method && r.pattern.test(req.path));
}

/**
 * Request bodies. JSON ones strictly: UTF-8 only (invalid bytes → 400), a top-level object or array, no duplicate keys
 * in an object (JSON.parse would silently keep the last one; what a proxy, a log or a signature saw could then
 * differ from what the server acts on), at most `limitBytes`.
 *
 * An oversized body is refused as soon as it is known to be too large (from Content-Length, or when the running
 * count passes the limit): the answer goes out at once and the rest is never read — the connection is closed
 * instead. (express.json reads a refused body to its end before answering, so a 1 GB upload was taken in whole.)
 *
 * Any other media type is refused with 415 before it is read (a `text/plain` or form body is what a cross-site
 * form can send without a preflight; it must never be acted on as an empty `{}`), except a multipart body for a
 * route that declared it (`declareMultipart`), which is left unread for that route.
 */
export function jsonBody(options: { limitBytes: number }): RequestHandler {
  const { limitBytes } = options;
  return (req: Request, res: Response, next: NextFunction) => {
    const length = req.headers['content-length'];
    const chunked = req.headers['transfer-encoding'] !== undefined;
    if ((length === undefined || length === '0') && !chunked) return next();
    /** Refuses without reading on: the sender stalls on TCP backpressure, reads the answer, the connection closes. */
    const refuse = (error: Error) => {
      // read(0) marks the request as consumed, so Node does not drain the rest after the answer either.
      req.read(0);
      req.pause();
      res.setHeader('Connection', 'close');
      res.on('finish', () => setTimeout(() => req.socket.destroy(), 2_000).unref());
      next(error);
    };
    const json = req.is('application/json') !== false;
    if (!json) {
      if (isDeclaredMultipart(req)) return next();
      return refuse(bodyError('media.unsupported', 415, `unsupported media type ${req.headers['content-type'] ?? '(none)'}`));
    }
    if (json) {
      const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase();
      if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return refuse(bodyError('charset.unsupported', 415, `unsupported charset ${charset}`));
      const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
      if (encoding !== 'identity') return refuse(bodyError('encoding.unsupported', 415, `unsupported content encoding ${encoding}`));
    }
    const tooLarge = () => bodyError('entity.too.large', 413, 'request entity too large');
    if (length !== undefined && !(Number(length) <= limitBytes)) return refuse(tooLarge());

    const chunks: Buffer[] = [];
    let received = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limitBytes) {
        cleanup();
        chunks.length = 0;
        refuse(tooLarge());
        return;
      }
      if (json) chunks.push(chunk);
    };
    const onError = (error: Error) => {
      cleanup();
      next(Object.assign(bodyError('request.aborted', 400, error.message), { cause: error }));
    };
    const onAborted = () => onError(new Error('request aborted'));
    const onEnd = () => {
      cleanup();
      // The body-parser convention: parsers mounted further down (bull-board's) leave a read body alone.
      (req as Request & { _body?: boolean })._body = true;
      if (!json) return next();
      let text: string;
      try {
        text = utf8.decode(Buffer.concat(chunks, received));
      } catch {
        return next(bodyError('entity.verify.failed', 400, 'invalid UTF-8'));
      }
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      const first = /\S/.exec(text)?.[0];
      if (first === undefined) {
        req.body = {};
        return next();
      }
      if (first !== '{' && first !== '[') return next(bodyError('entity.parse.failed', 400, 'JSON body must be an object or an array'));
      try {
        req.body = JSON.parse(text);
      } catch (error) {
        return next(Object.assign(bodyError('entity.parse.failed', 400, (error as Error).message), { cause: error }));
      }
      if (firstDuplicateKey(text) !== undefined) return next(bodyError('entity.duplicate.key', 400, 'duplicate key in a JSON object'));
      next();
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  };
}
