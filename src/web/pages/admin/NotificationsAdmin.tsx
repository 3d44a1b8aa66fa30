import { useState, type FormEvent } from 'react';
import { api } from '../../api';
import { useResource } from '../../hooks';
import { formatTime } from '../../labels';
import type { AdminUser, NotificationChannel as Channel, NotificationDelivery as Delivery, Unit } from '../../../shared/api';
import { DataTable, ListCard, useAdminAction } from '../../components/admin/AdminParts';
import { ErrorLine } from '../../components/admin/ErrorLine';
import { SelectField } from '../../components/admin/SelectField';

const KINDS: Record<Channel['kind'], string> = { email: '邮件组', wecom: '企业微信群机器人', dingtalk: '钉钉群机器人', webhook: '通用 Webhook（OA）' };
const STATUS: Record<Delivery['status'], string> = { pending: '待发送', sending: '发送中', sent: '已送达', failed: '失败' };
const URL_HINT: Record<Channel['kind'], string> = {
  email: 'mailto:xcb@school.edu.cn',
  wecom: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…',
  dingtalk: 'https://oapi.dingtalk.com/robot/send?access_token=…',
  webhook: 'https://oa.school.edu.cn/hooks/sanshen',
};

/** 通知渠道: channels (add, delete with confirmation), people's e-mail, and deliveries with their errors (retry). */
export function NotificationsAdmin() {
  const channels = useResource(() => api.get<{ items: Channel[] }>('/api/admin/notification-channels'), []);
  const units = useResource(() => api.get<{ items: Unit[] }>('/api/admin/units'), []);
  const [status, setStatus] = useState('');
  const deliveries = useResource(() => api.get<{ items: Delivery[] }>(`/api/admin/notifications${status ? `?status=${status}` : ''}`), [status]);
  const [form, setForm] = useState({ kind: 'wecom' as Channel['kind'], name: '', url: '', secret: '', unitId: '' });
  const { error, done, setDone, run } = useAdminAction();
  const unitName = new Map((units.data?.items ?? []).map((u) => [u.id, u.name]));

  const keep = { clearError: false, clearDone: false };
  const create = (e: FormEvent) => {
    e.preventDefault();
    return run(async () => {
      await api.post('/api/admin/notification-channels', { kind: form.kind, name: form.name.trim(), url: form.url.trim(), secret: form.secret || null, unitId: form.unitId || null });
      setDone(`已新建通知渠道「${form.name.trim()}」`);
      setForm({ ...form, name: '', url: '', secret: '' });
      await channels.reload();
    });
  };
  const remove = async (c: Channel) => {
    if (!window.confirm(`确定删除通知渠道「${c.name}」？已有的投递记录会保留。`)) return;
    await run(async () => {
      await api.delete(`/api/admin/notification-channels/${c.id}`);
      await channels.reload();
    }, keep);
  };
  const retry = (d: Delivery) =>
    run(async () => {
      await api.post(`/api/admin/notifications/${d.id}/retry`);
      await deliveries.reload();
    }, keep);

  return (
    <div className="admin-grid">
      <ListCard title="通知渠道" count={channels.data?.items.length ?? 0}>
        {channels.data && channels.data.items.length === 0 && <p className="muted">尚未配置渠道。稿件待审、退回、催办等消息目前只在站内「通知」和个人邮件中提醒。</p>}
        <DataTable testId="channels-table" columns={['名称', '类型', '范围', '事件', '地址', '']}>
            {(channels.data?.items ?? []).map((c) => (
              <tr key={c.id}>
                <td>{c.name}</td>
                <td>
                  {KINDS[c.kind]}
                  {c.hasSecret ? ' · 已设密钥' : ''}
                </td>
                <td>{c.unitId ? (unitName.get(c.unitId) ?? '—') : '全校'}</td>
                <td className="small">{c.events ? c.events.join('、') : '全部'}</td>
                <td className="small url-cell">{c.url}</td>
                <td>
                  <button type="button" className="danger" onClick={() => void remove(c)}>
                    删除
                  </button>
                </td>
              </tr>
            ))}
        </DataTable>
        <h2>
          投递记录
          <select value={status} onChange={(e) => setStatus(e.target.value)} aria-label="按状态筛选" data-testid="delivery-status">
            <option value="">全部</option>
            <option value="failed">失败</option>
            <option value="pending">待发送</option>
            <option value="sent">已送达</option>
          </select>
        </h2>
        <DataTable testId="deliveries-table" columns={['时间', '事件', '目标', '状态', '次数', '最后错误', '']}>
            {(deliveries.data?.items ?? []).map((d) => (
              <tr key={d.id} data-delivery={d.id} data-status={d.status}>
                <td className="small">{formatTime(d.createdAt)}</td>
                <td className="small">
                  {d.draftId ? <a href={`#/drafts/${d.draftId}`}>{d.event}</a> : d.event}
                </td>
                <td>{d.channelName ?? d.userName ?? '—'}</td>
                <td className={d.status === 'failed' ? 'error' : ''}>{STATUS[d.status]}</td>
                <td>{d.attempts}</td>
                <td className="small">{d.lastError ?? ''}</td>
                <td>
                  {d.status === 'failed' && (
                    <button type="button" onClick={() => void retry(d)} data-action="retry-delivery">
                      重试
                    </button>
                  )}
                </td>
              </tr>
            ))}
        </DataTable>
      </ListCard>
      <div className="admin-side">
        <form className="card" onSubmit={(e) => void create(e)} aria-label="新建通知渠道">
          <h2>新建通知渠道</h2>
          <SelectField label="类型" name="kind" value={form.kind} onChange={(e) => setForm({ ...form, kind: e.target.value as Channel['kind'] })} choices={KINDS} />
          <label>
            名称
            <input name="name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} required maxLength={100} />
          </label>
          <label>
            地址
            <input name="url" value={form.url} onChange={(e) => setForm({ ...form, url: e.target.value })} required placeholder={URL_HINT[form.kind]} />
          </label>
          {(form.kind === 'dingtalk' || form.kind === 'webhook') && (
            <label>
              {form.kind === 'dingtalk' ? '加签密钥（SEC…）' : '签名密钥（必填）'}
              <input name="secret" type="password" value={form.secret} onChange={(e) => setForm({ ...form, secret: e.target.value })} autoComplete="off" />
            </label>
          )}
          <SelectField label="范围" name="unitId" value={form.unitId} onChange={(e) => setForm({ ...form, unitId: e.target.value })} choices={units.data?.items ?? []} all="全校（所有单位的稿件）" />
          <p className="muted small">推送内容只有编号、标题、环节、单位和链接，不含正文；涉密稿件不含标题。</p>
          <button type="submit" className="primary">
            新建
          </button>
          <ErrorLine error={error} />
          {done && <div className="muted">{done}</div>}
        </form>
        <PeopleEmails />
      </div>
    </div>
  );
}

/** The e-mail address each account's notifications go to. */
function PeopleEmails() {
  const users = useResource(() => api.get<{ items: AdminUser[] }>('/api/admin/users'), []);
  const [edits, setEdits] = useState<Record<string, string>>({});
  const { error, run } = useAdminAction();
  const save = (u: AdminUser) =>
    run(async () => {
      const email = (edits[u.id] ?? u.email ?? '').trim();
      await api.put(`/api/admin/users/${u.id}/email`, { email: email || null });
      await users.reload();
    });
  return (
    <section className="card table-wrap">
      <h2>通知邮箱</h2>
      <table className="table" data-testid="emails-table">
        <tbody>
          {(users.data?.items ?? []).map((u) => (
            <tr key={u.id}>
              <td>{u.displayName}</td>
              <td>
                <input type="email" aria-label={`${u.displayName}的邮箱`} value={edits[u.id] ?? u.email ?? ''} onChange={(e) => setEdits({ ...edits, [u.id]: e.target.value })} />
              </td>
              <td>
                <button type="button" onClick={() => void save(u)}>
                  保存
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ErrorLine error={error} />
    </section>
  );
}
