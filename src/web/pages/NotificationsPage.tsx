import { api } from '../api';
import { useResource } from '../hooks';
import { formatTime } from '../labels';
import { live } from '../live';
import { navigate } from '../router';
import { useEffect } from 'react';

interface InboxItem {
  id: string;
  event: string;
  draftId: string | null;
  payload: { label?: string; number?: string; title?: string | null; stage?: string | null; unit?: string; reasons?: string; link?: string };
  createdAt: string;
  read: boolean;
}

/** 通知: the person's inbox; each item opens its draft and is marked read. */
export function NotificationsPage() {
  const inbox = useResource(() => api.get<{ unread: number; items: InboxItem[] }>('/api/notifications'), []);
  useEffect(() => live.onInbox(() => void inbox.reload()), [inbox]);
  const items = inbox.data?.items ?? [];
  const open = async (item: InboxItem) => {
    if (!item.read) await api.post('/api/notifications/read', { ids: [item.id] }).catch(() => undefined);
    if (item.draftId) navigate(`/drafts/${item.draftId}`);
    else void inbox.reload();
  };
  return (
    <div className="notifications-page">
      <div className="toolbar">
        <h2 className="page-title">通知</h2>
        <span className="muted">{inbox.data ? `${inbox.data.unread} 条未读` : ''}</span>
        <button
          type="button"
          disabled={!inbox.data || inbox.data.unread === 0}
          onClick={() => void api.post('/api/notifications/read', { all: true }).then(() => inbox.reload())}
          data-action="read-all"
        >
          全部标为已读
        </button>
        <a href="#/settings" className="button">
          通知设置
        </a>
      </div>
      {inbox.error && <div className="error">通知加载失败：{inbox.error.message}</div>}
      {inbox.data && items.length === 0 && <div className="card empty">暂无通知。有稿件待您审核、被退回或发布时，会在这里提醒您。</div>}
      <ul className="inbox" data-testid="inbox">
        {items.map((item) => (
          <li key={item.id} className={`card inbox-item ${item.read ? 'read' : 'unread'}`} data-notification={item.id} data-event={item.event}>
            <button type="button" className="inbox-open" onClick={() => void open(item)}>
              <div className="inbox-head">
                {!item.read && <span className="dot" aria-label="未读" />}
                <strong>{item.payload.label ?? item.event}</strong>
                <span className="muted small">{formatTime(item.createdAt)}</span>
              </div>
              <div>
                <span className="number">{item.payload.number}</span> {item.payload.title ? `《${item.payload.title}》` : <span className="muted">（涉密稿件，标题不显示）</span>}
              </div>
              <div className="muted small">{[item.payload.stage, item.payload.unit].filter(Boolean).join(' · ')}</div>
              {item.payload.reasons && <div className="reasons">意见：{item.payload.reasons}</div>}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
