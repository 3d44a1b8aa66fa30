import { useEffect, useState } from 'react';
import { api } from '../api';
import { live } from '../live';
import { usePath } from '../router';

/** 通知 bell in the top bar: unread count, refetched on every push and reconnect (pushes are hints). */
export function NotificationBell() {
  const [unread, setUnread] = useState<number | null>(null);
  const path = usePath();
  useEffect(() => {
    let alive = true;
    const load = () =>
      void api
        .get<{ unread: number }>('/api/notifications/unread-count')
        .then((r) => alive && setUnread(r.unread))
        .catch(() => undefined);
    load();
    const offInbox = live.onInbox(load);
    const offConnect = live.onConnect(load);
    return () => {
      alive = false;
      offInbox();
      offConnect();
    };
  }, [path]);
  const count = unread ?? 0;
  return (
    <a href="#/notifications" className={`bell ${path.startsWith('/notifications') ? 'active' : ''}`} data-testid="bell" data-unread={count} aria-label={`通知，${count} 条未读`}>
      通知
      {count > 0 && (
        <span className="bell-count" data-testid="bell-count">
          {count > 99 ? '99+' : count}
        </span>
      )}
    </a>
  );
}
