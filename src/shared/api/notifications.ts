import type { IsoTime } from './time';

/** 通知渠道 and deliveries as the admin API sends them (src/services/notify/notification-admin.service.ts). */

export type ChannelKind = 'email' | 'wecom' | 'dingtalk' | 'webhook';

/** A channel: never its secret, only whether one is set. */
export interface NotificationChannel {
  id: string;
  kind: ChannelKind;
  name: string;
  url: string;
  hasSecret: boolean;
  /** null: the whole school. */
  unitId: string | null;
  /** null: every event. */
  events: string[] | null;
  createdAt: IsoTime;
  updatedAt: IsoTime;
}

/** One delivery of a notification to a channel or a person (GET /api/admin/notifications). */
export interface NotificationDelivery {
  id: string;
  notificationId: string;
  event: string;
  draftId: string | null;
  kind: string;
  channelId: string | null;
  channelName: string | null;
  userId: string | null;
  userName: string | null;
  status: 'pending' | 'sending' | 'sent' | 'failed';
  attempts: number;
  lastError: string | null;
  /** When a pending delivery is next tried. */
  nextAttemptAt: IsoTime | null;
  createdAt: IsoTime;
  sentAt: IsoTime | null;
}
