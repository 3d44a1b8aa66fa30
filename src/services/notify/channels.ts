import { createHmac } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';

/** Where one delivery goes. Secrets stay in PostgreSQL; never in Redis, logs or payloads. */
export type DeliveryTarget = { kind: 'email'; to: string } | { kind: 'wecom' | 'dingtalk' | 'webhook'; url: string; secret: string | null };

export interface OutgoingMessage {
  /** The delivery's id: the same on every retry (X-Sanshen-Delivery, the e-mail's Message-ID). */
  deliveryId: string;
  event: string;
  payload: Record<string, unknown>;
  createdAt: Date;
  /** People may read the reasons of a return; channels (group robots, OA) do not get them. */
  forPerson: boolean;
}

export interface SenderConfig {
  smtpUrl?: string | undefined;
  mailFrom: string;
  publicUrl: string;
  allowHosts: readonly string[];
  timeoutMs: number;
}

export interface Senders {
  send(target: DeliveryTarget, message: OutgoingMessage): Promise<void>;
  close(): void;
}

export const CHANNEL_KINDS = ['email', 'wecom', 'dingtalk', 'webhook'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

const EMAIL = /^[^\s@<>()]+@[^\s@<>()]+\.[^\s@<>()]+$/;

/**
 * Why a channel URL is refused, or null: e-mail channels take `mailto:<address>`; robots and webhooks must be
 * https: unless their host is listed in NOTIFY_ALLOW_HOSTS (a campus intranet, tests on 127.0.0.1).
 */
export function channelUrlProblem(kind: ChannelKind, url: string, allowHosts: readonly string[]): string | null {
  if (kind === 'email') {
    const address = url.startsWith('mailto:') ? url.slice('mailto:'.length) : '';
    return EMAIL.test(address) ? null : '邮件渠道的地址须为 mailto:邮箱';
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '地址不是合法的 URL';
  }
  if (parsed.username || parsed.password) return '地址中不能包含用户名或密码';
  if (parsed.protocol === 'https:') return null;
  if (parsed.protocol === 'http:' && allowHosts.includes(parsed.hostname)) return null;
  return '推送地址须使用 https（内网地址须列入 NOTIFY_ALLOW_HOSTS）';
}

/** 钉钉 custom robot 加签: sign = base64(HMAC-SHA256(secret, `${timestamp}\n${secret}`)), URL-encoded. */
export function dingtalkSign(secret: string, timestamp: number): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
}

/** The generic webhook's signature header value: `sha256=<hex HMAC-SHA256 of the raw body>`. */
export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function linkOf(config: SenderConfig, payload: Record<string, unknown>): string {
  return `${config.publicUrl.replace(/\/+$/, '')}${String(payload.link ?? '/')}`;
}

/** One line that names the draft without its body (and without its title for 密级 drafts). */
function headline(payload: Record<string, unknown>): string {
  const title = typeof payload.title === 'string' ? `《${payload.title}》` : '（标题不外发）';
  return `${String(payload.label ?? payload.event)}：${String(payload.number)} ${title}`;
}

function textLines(config: SenderConfig, m: OutgoingMessage): string[] {
  const p = m.payload;
  const lines = [headline(p)];
  if (p.stage) lines.push(`环节：${String(p.stage)}`);
  lines.push(`单位：${String(p.unit ?? '')}`);
  if (m.forPerson && typeof p.reasons === 'string' && !p.secrecy) lines.push(`意见：${p.reasons}`);
  if (Array.isArray(p.items)) for (const item of p.items as Array<Record<string, unknown>>) lines.push(`· ${headline(item)}${item.stage ? ` · ${String(item.stage)}` : ''}`);
  lines.push(`查看：${linkOf(config, p)}`);
  return lines;
}

/** The generic webhook's JSON body (also what tests verify the HMAC over). */
export function webhookBody(config: SenderConfig, m: OutgoingMessage): string {
  const p = m.payload;
  return JSON.stringify({
    delivery: m.deliveryId,
    event: m.event,
    number: p.number ?? null,
    title: p.title ?? null,
    stage: p.stage ?? null,
    unit: p.unit ?? null,
    link: linkOf(config, p),
    createdAt: m.createdAt.toISOString(),
  });
}

async function post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<string> {
  // No redirects at all: a robot URL that answers 3xx is a misconfiguration (or an attempt to reach elsewhere).
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text().catch(() => '');
  if (res.status >= 300 && res.status < 400) throw new Error(`HTTP ${res.status}：拒绝跟随重定向`);
  if (!res.ok) throw new Error(`HTTP ${res.status}${text ? `：${text.slice(0, 200)}` : ''}`);
  return text;
}

/** 企业微信 and 钉钉 robots answer 200 with {errcode, errmsg}; anything but errcode 0 is a failure. */
function robotAnswer(text: string): void {
  let answer: { errcode?: unknown; errmsg?: unknown };
  try {
    answer = JSON.parse(text) as typeof answer;
  } catch {
    throw new Error(`机器人返回无法解析：${text.slice(0, 200)}`);
  }
  if (answer.errcode !== 0) throw new Error(`机器人返回错误 ${String(answer.errcode)}：${String(answer.errmsg ?? '')}`);
}

/** The senders of every channel kind. E-mail over SMTP (STARTTLS when the server offers it), robots and webhooks over https. */
export function createSenders(config: SenderConfig): Senders {
  let transport: Transporter | null = null;
  const mailer = () => {
    if (!config.smtpUrl) throw new Error('未配置 SMTP_URL，无法发送邮件');
    if (transport) return transport;
    const url = new URL(config.smtpUrl);
    // smtp:// upgrades with STARTTLS whenever the server offers it (nodemailer's default); smtps:// is TLS from the start.
    transport ??= nodemailer.createTransport({
      host: url.hostname,
      port: Number(url.port) || (url.protocol === 'smtps:' ? 465 : 587),
      secure: url.protocol === 'smtps:',
      ...(url.username ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } } : {}),
      // Test servers use self-signed certificates: SMTP_URL ?tls_insecure=1 (never in production).
      ...(url.searchParams.get('tls_insecure') === '1' ? { tls: { rejectUnauthorized: false } } : {}),
      connectionTimeout: config.timeoutMs,
      greetingTimeout: config.timeoutMs,
      socketTimeout: config.timeoutMs,
    });
    return transport;
  };
  return {
    async send(target, m) {
      if (target.kind === 'email') {
        const lines = textLines(config, m);
        await mailer().sendMail({
          from: config.mailFrom,
          to: target.to,
          subject: `【三审三校】${lines[0]}`,
          text: lines.join('\n'),
          // Stable across retries: a mailbox that got the first attempt can tell the second is the same message.
          messageId: `<${m.deliveryId}@sanshen.notify>`,
          headers: { 'X-Sanshen-Delivery': m.deliveryId, 'X-Sanshen-Event': m.event },
        });
        return;
      }
      const problem = channelUrlProblem(target.kind, target.url, config.allowHosts);
      if (problem) throw new Error(problem);
      if (target.kind === 'webhook') {
        const body = webhookBody(config, m);
        const headers: Record<string, string> = { 'X-Sanshen-Delivery': m.deliveryId, 'X-Sanshen-Event': m.event };
        if (target.secret) headers['X-Sanshen-Signature'] = webhookSignature(target.secret, body);
        await post(target.url, body, headers, config.timeoutMs);
        return;
      }
      const lines = textLines(config, m);
      if (target.kind === 'wecom') {
        robotAnswer(await post(target.url, JSON.stringify({ msgtype: 'markdown', markdown: { content: lines.join('\n') } }), {}, config.timeoutMs));
        return;
      }
      const url = new URL(target.url);
      if (target.secret) {
        const timestamp = Date.now();
        url.searchParams.set('timestamp', String(timestamp));
        url.searchParams.set('sign', dingtalkSign(target.secret, timestamp));
      }
      robotAnswer(await post(url.toString(), JSON.stringify({ msgtype: 'markdown', markdown: { title: lines[0], text: lines.join('\n\n') } }), {}, config.timeoutMs));
    },
    close() {
      transport?.close();
    },
  };
}
