import { channelById, claimDelivery, deferDelivery, markAttemptFailed, markSent, notificationPayload, peopleByIds } from '../../db/notification.repository';
import type { Db } from '../../db/pool';
import { quietUntil } from '../../domain/notify';
import type { DeliveryTarget, Senders } from './channels';

export type DeliveryOutcome = 'sent' | 'skipped' | 'retry' | 'failed' | 'deferred';

export interface DeliveryOptions {
  senders: Senders;
  maxAttempts: number;
  backoffMs: number;
  tz: string;
  /** Schedules the next attempt's job; PostgreSQL holds the truth, so a lost schedule is re-driven by the sweeper. */
  schedule(deliveryId: string, attempts: number, delayMs: number): Promise<void>;
  now?: () => Date;
}

/** Exponential backoff: backoffMs, 2×, 4×, … after the 1st, 2nd, 3rd failed attempt (capped at a day). */
export const retryDelayMs = (backoffMs: number, attempts: number) => Math.min(backoffMs * 2 ** Math.max(0, attempts - 1), 24 * 3_600_000);

/**
 * One attempt at one delivery. Exactly once in effect: the attempt first takes the row (pending → sending, attempts
 * + 1), so two workers never send the same delivery at once, and only the holder may record it sent. A worker that
 * dies after sending and before recording leaves the row "sending"; after the lease the sweeper owes it again, and
 * the retry carries the same delivery id (X-Sanshen-Delivery / Message-ID) so the receiver can drop the repeat.
 */
export async function deliverNotification(db: Db, options: DeliveryOptions, deliveryId: string): Promise<DeliveryOutcome> {
  const delivery = await claimDelivery(db, deliveryId);
  if (!delivery) return 'skipped';
  const now = options.now?.() ?? new Date();
  let target: DeliveryTarget | null = null;
  let forPerson = false;
  const notification = await notificationPayload(db, delivery.notificationId);
  if (delivery.userId) {
    const [person] = await peopleByIds(db, [delivery.userId]);
    forPerson = true;
    if (person) {
      const quietEnd = quietUntil(now, options.tz, { start: person.quietStart, end: person.quietEnd });
      if (quietEnd) {
        await deferDelivery(db, delivery.id, quietEnd);
        return 'deferred';
      }
      if (person.email && person.emailEnabled) target = { kind: 'email', to: person.email };
    }
  } else if (delivery.channelId) {
    const channel = await channelById(db, delivery.channelId);
    if (channel) target = channel.kind === 'email' ? { kind: 'email', to: channel.url.slice('mailto:'.length) } : { kind: channel.kind, url: channel.url, secret: channel.secret };
  }
  const fail = async (message: string, retryable: boolean): Promise<DeliveryOutcome> => {
    const again = retryable && delivery.attempts < options.maxAttempts;
    const delay = retryDelayMs(options.backoffMs, delivery.attempts);
    await markAttemptFailed(db, delivery.id, message.slice(0, 500), again ? new Date(Date.now() + delay) : null);
    if (!again) return 'failed';
    await options.schedule(delivery.id, delivery.attempts, delay).catch(() => undefined);
    return 'retry';
  };
  if (!notification) return fail('通知不存在', false);
  if (!target) return fail(delivery.userId ? '收件人已停用或没有邮箱' : '渠道已删除', false);
  try {
    await options.senders.send(target, { deliveryId: delivery.id, event: notification.event, payload: notification.payload, createdAt: notification.createdAt, forPerson });
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error), true);
  }
  await markSent(db, delivery.id);
  return 'sent';
}
