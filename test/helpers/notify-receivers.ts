import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A real SMTP server (smtp-server) that keeps what it received. */
export interface MailSink {
  port: number;
  /** `text` is the decoded body (base64 or quoted-printable, as nodemailer chose). */
  messages: Array<{ to: string[]; subject: string; delivery: string; event: string; raw: string; text: string; secure: boolean }>;
  close(): Promise<void>;
}

export async function startMailSink(options: { starttls?: boolean } = {}): Promise<MailSink> {
  const messages: MailSink['messages'] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: options.starttls ? [] : ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        // Headers are folded onto continuation lines (long encoded subjects); unfold before reading them.
        const head = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
        const header = (name: string) => head.match(new RegExp(`^${name}:\\s*(.+)$`, 'mi'))?.[1]?.trim() ?? '';
        messages.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: decodeHeader(header('Subject')),
          delivery: header('X-Sanshen-Delivery'),
          event: header('X-Sanshen-Event'),
          raw,
          text: decodeBody(
            raw
              .split(/\r?\n\r?\n/)
              .slice(1)
              .join('\n\n'),
            header('Content-Transfer-Encoding').toLowerCase(),
          ),
          secure: session.secure,
        });
        callback();
      });
    },
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = ((server as unknown as { server: Server }).server.address() as AddressInfo).port;
  return { port, messages, close: () => new Promise<void>((done) => server.close(() => done())) };
}

function decodeBody(body: string, encoding: string): string {
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

/** RFC 2047 encoded-words (nodemailer encodes non-ASCII subjects as =?UTF-8?B?…?= or =?UTF-8?Q?…?=). */
function decodeHeader(value: string): string {
  return value.replace(/=\?UTF-8\?([BQ])\?([^?]*)\?=\s*/gi, (_m, enc: string, text: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(
          text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
          'latin1',
        ).toString('utf8'),
  );
}

export interface ReceivedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  query: URLSearchParams;
  /** The receiver's own verification of the signature (HMAC for webhooks, 钉钉 sign for robots). */
  verified: boolean;
}

/**
 * Local HTTP receivers for robots and webhooks. Each verifies what a real one would: the 钉钉 sign over
 * timestamp + secret, the webhook's HMAC over the raw body. `reply` decides the answer per request.
 */
export interface Receiver {
  port: number;
  url(path: string): string;
  requests: ReceivedRequest[];
  /** Delivery ids processed once (the receiver dedups by X-Sanshen-Delivery, as the README tells OA systems to). */
  processed: Set<string>;
  reply: (req: ReceivedRequest, res: ServerResponse) => void;
  close(): Promise<void>;
}

export async function startReceiver(secrets: { dingtalk: string; webhook: string }): Promise<Receiver> {
  const receiver: Receiver = {
    port: 0,
    url: (path) => `http://127.0.0.1:${receiver.port}${path}`,
    requests: [],
    processed: new Set(),
    reply: (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(req.path.startsWith('/hook') ? '{"ok":true}' : '{"errcode":0,"errmsg":"ok"}');
    },
    close: async () => undefined,
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const body = Buffer.concat(chunks).toString('utf8');
      let verified = false;
      if (url.pathname.startsWith('/ding')) {
        const timestamp = url.searchParams.get('timestamp') ?? '';
        const expected = createHmac('sha256', secrets.dingtalk).update(`${timestamp}\n${secrets.dingtalk}`).digest('base64');
        verified = url.searchParams.get('sign') === expected && Math.abs(Date.now() - Number(timestamp)) < 3_600_000;
      } else if (url.pathname.startsWith('/hook')) {
        const expected = `sha256=${createHmac('sha256', secrets.webhook).update(body).digest('hex')}`;
        verified = req.headers['x-sanshen-signature'] === expected;
      } else verified = true;
      const received: ReceivedRequest = { path: url.pathname, headers: req.headers, body, query: url.searchParams, verified };
      receiver.requests.push(received);
      if (!verified) {
        res.writeHead(401).end('bad signature');
        return;
      }
      receiver.reply(received, res);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  receiver.port = (server.address() as AddressInfo).port;
  receiver.close = () =>
    new Promise<void>((done) => {
      server.closeAllConnections();
      server.close(() => done());
    });
  return receiver;
}
