import { useEffect, useState } from 'react';
import { api, ApiError } from '../api';
import { useResource } from '../hooks';

interface Preferences {
  email: boolean;
  digest: boolean;
  quietHours: { start: string; end: string } | null;
  address: string | null;
}

/** 通知设置: e-mail per notification or a daily digest, and quiet hours (the bell always works). */
export function NotificationSettingsPage() {
  const prefs = useResource(() => api.get<Preferences>('/api/me/notification-preferences'), []);
  const [form, setForm] = useState<Preferences | null>(null);
  const [message, setMessage] = useState<{ kind: 'info' | 'error'; text: string } | null>(null);
  useEffect(() => {
    if (prefs.data) setForm(prefs.data);
  }, [prefs.data]);
  if (!form) return <div className="loading">加载中…</div>;
  const save = async () => {
    setMessage(null);
    try {
      const saved = await api.put<Preferences>('/api/me/notification-preferences', { email: form.email, digest: form.digest, quietHours: form.quietHours });
      setForm(saved);
      setMessage({ kind: 'info', text: '已保存' });
    } catch (error) {
      setMessage({ kind: 'error', text: error instanceof ApiError ? error.message : String(error) });
    }
  };
  return (
    <div className="settings-page card" data-testid="notification-settings">
      <h2 className="page-title">通知设置</h2>
      <p className="muted">站内通知（右上角「通知」）始终开启。邮件发送至：{form.address ?? '未设置邮箱（请联系管理员）'}</p>
      <label className="check">
        <input type="checkbox" checked={form.email} onChange={(e) => setForm({ ...form, email: e.target.checked })} name="email" /> 邮件通知
      </label>
      <label className="check">
        <input type="checkbox" checked={form.digest} disabled={!form.email} onChange={(e) => setForm({ ...form, digest: e.target.checked })} name="digest" /> 改为每日汇总（每天 08:00 一封）
      </label>
      <label className="check">
        <input type="checkbox" checked={form.quietHours !== null} onChange={(e) => setForm({ ...form, quietHours: e.target.checked ? { start: '22:00', end: '07:00' } : null })} name="quiet" />{' '}
        免打扰时段（期间的邮件推迟到结束时发送）
      </label>
      {form.quietHours && (
        <div className="row">
          <label>
            开始
            <input type="time" value={form.quietHours.start} onChange={(e) => setForm({ ...form, quietHours: { ...form.quietHours!, start: e.target.value } })} />
          </label>
          <label>
            结束
            <input type="time" value={form.quietHours.end} onChange={(e) => setForm({ ...form, quietHours: { ...form.quietHours!, end: e.target.value } })} />
          </label>
        </div>
      )}
      <div className="buttons">
        <button type="button" className="primary" onClick={() => void save()} data-action="save-preferences">
          保存
        </button>
      </div>
      {message && (
        <div className={message.kind === 'error' ? 'error' : 'muted'} role="status">
          {message.text}
        </div>
      )}
    </div>
  );
}
