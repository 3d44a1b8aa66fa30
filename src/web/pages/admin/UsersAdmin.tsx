import { useState, type FormEvent } from 'react';
import { api } from '../../api';
import { useResource } from '../../hooks';
import { ROLE_LABELS } from '../../labels';
import type { AdminUser, Role, Unit } from '../../../shared/api';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorLine, messageOf } from '../../components/admin/ErrorLine';

const ROLES: Role[] = ['editor', 'reviewer1', 'reviewer2', 'reviewer3', 'propaganda', 'auditor', 'admin'];

export function UsersAdmin() {
  const users = useResource(() => api.get<{ items: AdminUser[] }>('/api/admin/users'), []);
  const units = useResource(() => api.get<{ items: Unit[] }>('/api/admin/units'), []);
  const [q, setQ] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const unitName = new Map((units.data?.items ?? []).map((u) => [u.id, u.name]));
  const needle = q.trim().toLowerCase();
  const shown = (users.data?.items ?? []).filter(
    (u) => !needle || [u.username, u.displayName, u.staffId ?? '', unitName.get(u.unitId ?? '') ?? ''].some((x) => x.toLowerCase().includes(needle)),
  );

  return (
    <div className="admin-grid">
      <section className="card table-wrap">
        <div className="toolbar">
          <h2>
            用户与角色 <span className="count">{users.data?.items.length ?? 0}</span>
          </h2>
          <input type="search" placeholder="用户名、姓名、工号、单位" value={q} onChange={(e) => setQ(e.target.value)} aria-label="搜索用户" />
        </div>
        {notice && <div className="notice notice-info">{notice}</div>}
        {users.error && <ErrorLine error={users.error.message} />}
        <table className="table" data-testid="users-table">
          <thead>
            <tr>
              <th>用户名</th>
              <th>姓名 / 工号</th>
              <th>单位</th>
              <th>角色</th>
              <th>状态</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((u) => (
              <UserRow key={`${u.id}-${u.roles.join(',')}`} user={u} unit={u.unitId ? (unitName.get(u.unitId) ?? '—') : '全校'} onSaved={(text) => {
                setNotice(text);
                void users.reload();
              }} />
            ))}
          </tbody>
        </table>
      </section>
      <CreateUser units={units.data?.items ?? []} onCreated={(text) => {
        setNotice(text);
        void users.reload();
      }} />
    </div>
  );
}

function UserRow({ user, unit, onSaved }: { user: AdminUser; unit: string; onSaved: (message: string) => void }) {
  const [roles, setRoles] = useState<Role[]>(user.roles);
  const [error, setError] = useState<string | null>(null);
  const changed = roles.length !== user.roles.length || roles.some((r) => !user.roles.includes(r));
  const toggle = (r: Role) => setRoles(roles.includes(r) ? roles.filter((x) => x !== r) : ROLES.filter((x) => x === r || roles.includes(x)));
  const save = async () => {
    setError(null);
    try {
      await api.put(`/api/admin/users/${user.id}/roles`, { roles });
      onSaved(`已修改 ${user.displayName}（${user.username}）的角色：${roles.map((r) => ROLE_LABELS[r]).join('、') || '无'}`);
    } catch (e) {
      setError(messageOf(e));
    }
  };
  return (
    <tr data-user={user.username}>
      <td>
        <code>{user.username}</code>
      </td>
      <td>
        {user.displayName}
        <div className="muted small">{user.staffId ? `工号 ${user.staffId}` : '无工号'}{user.isStaff ? ' · 在编' : ' · 非在编'}</div>
      </td>
      <td>{unit}</td>
      <td>
        <div className="roles-edit">
          {ROLES.map((r) => (
            <label key={r}>
              <input type="checkbox" checked={roles.includes(r)} onChange={() => toggle(r)} aria-label={`${user.username} ${ROLE_LABELS[r]}`} />
              {ROLE_LABELS[r]}
            </label>
          ))}
        </div>
        {changed && (
          <div className="buttons">
            <button type="button" className="primary" onClick={() => void save()} data-action="save-roles">
              保存角色
            </button>
            <button type="button" onClick={() => setRoles(user.roles)}>
              还原
            </button>
          </div>
        )}
        <ErrorLine error={error} />
      </td>
      <td>
        <UserStatus user={user} onSaved={onSaved} />
      </td>
    </tr>
  );
}

type Pending = 'disable' | 'reset' | 'revoke' | null;

/** Status and the account actions: edit 姓名/工号, 停用/启用, 解锁, 重置密码, 强制下线 (irreversible ones confirmed). */
function UserStatus({ user, onSaved }: { user: AdminUser; onSaved: (message: string) => void }) {
  const [pending, setPending] = useState<Pending>(null);
  const [editing, setEditing] = useState(false);
  const [displayName, setDisplayName] = useState(user.displayName);
  const [staffId, setStaffId] = useState(user.staffId ?? '');
  const [error, setError] = useState<string | null>(null);
  const [once, setOnce] = useState<string | null>(null);
  const who = `${user.displayName}（${user.username}）`;
  const act = async (work: () => Promise<string>) => {
    setError(null);
    try {
      onSaved(await work());
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setPending(null);
    }
  };
  const status = user.disabled ? '已停用' : user.locked ? '已锁定' : '正常';
  return (
    <div data-status={status}>
      <span>{status}</span>
      {user.mustChangePassword && <span className="badge-warn"> 待改密码</span>}
      {user.staffIdConflict && <div className="badge-warn" title="迁移时发现与另一账号工号相同，账号已停用；请核实后填写正确工号再启用">工号冲突：{user.staffIdConflict}</div>}
      {editing ? (
        <div className="inline-edit">
          <input aria-label="姓名" value={displayName} onChange={(e) => setDisplayName(e.target.value)} maxLength={100} />
          <input aria-label="工号" placeholder="工号" value={staffId} onChange={(e) => setStaffId(e.target.value)} maxLength={32} />
          <button
            type="button"
            className="primary"
            data-action="save-profile"
            onClick={() =>
              void act(async () => {
                await api.patch(`/api/admin/users/${user.id}`, { displayName: displayName.trim(), staffId: staffId.trim() || null });
                setEditing(false);
                return `已修改 ${who} 的资料`;
              })
            }
          >
            保存
          </button>
          <button type="button" onClick={() => setEditing(false)}>
            取消
          </button>
        </div>
      ) : (
        <div className="user-actions">
          <button type="button" onClick={() => setEditing(true)} data-action="edit">
            编辑
          </button>
          {user.disabled ? (
            <button type="button" data-action="enable" onClick={() => void act(async () => (await api.post(`/api/admin/users/${user.id}/enable`), `已启用 ${who}`))}>
              启用
            </button>
          ) : (
            <button type="button" className="danger" data-action="disable" onClick={() => setPending('disable')}>
              停用
            </button>
          )}
          {user.locked && (
            <button type="button" data-action="unlock" onClick={() => void act(async () => (await api.post(`/api/admin/users/${user.id}/unlock`), `已解除 ${who} 的登录锁定`))}>
              解锁
            </button>
          )}
          <button type="button" className="danger" data-action="reset-password" onClick={() => setPending('reset')}>
            重置密码
          </button>
          <button type="button" className="danger" data-action="revoke-sessions" onClick={() => setPending('revoke')}>
            强制下线
          </button>
        </div>
      )}
      {once && (
        <div className="notice notice-conflict" role="status" data-testid="one-time-password">
          临时密码（只显示这一次，请当面或电话告知本人）：<div className="once-password">{once}</div>
          <button type="button" className="link" onClick={() => setOnce(null)}>
            我已记下
          </button>
        </div>
      )}
      <ErrorLine error={error} />
      {pending === 'disable' && (
        <ConfirmDialog
          title={`停用 ${who}？`}
          confirmLabel="停用"
          reason="停用原因（记入安全审计）"
          onCancel={() => setPending(null)}
          onConfirm={(reason) => act(async () => (await api.post(`/api/admin/users/${user.id}/disable`, { reason }), `已停用 ${who}，其所有会话已失效`))}
        >
          该账号的所有会话与实时连接将立即失效，之后无法登录，直到重新启用。
        </ConfirmDialog>
      )}
      {pending === 'reset' && (
        <ConfirmDialog
          title={`重置 ${who} 的密码？`}
          confirmLabel="重置密码"
          onCancel={() => setPending(null)}
          onConfirm={() =>
            act(async () => {
              const res = await api.post<{ password: string }>(`/api/admin/users/${user.id}/reset-password`);
              setOnce(res.password);
              return `已重置 ${who} 的密码：原密码失效，所有会话已结束，下次登录须先修改密码`;
            })
          }
        >
          原密码立即失效，该用户的所有会话结束；系统生成一次性临时密码，只显示一次。
        </ConfirmDialog>
      )}
      {pending === 'revoke' && (
        <ConfirmDialog
          title={`强制 ${who} 下线？`}
          confirmLabel="强制下线"
          onCancel={() => setPending(null)}
          onConfirm={() => act(async () => `已结束 ${who} 的 ${(await api.post<{ sessionsEnded: number }>(`/api/admin/users/${user.id}/revoke-sessions`)).sessionsEnded} 个会话`)}
        >
          该用户所有已登录的浏览器和 API 客户端立即退出（需重新登录）。
        </ConfirmDialog>
      )}
    </div>
  );
}

function CreateUser({ units, onCreated }: { units: Unit[]; onCreated: (message: string) => void }) {
  const blank = { username: '', displayName: '', staffId: '', unitId: '', isStaff: true, password: '' };
  const [form, setForm] = useState(blank);
  const [roles, setRoles] = useState<Role[]>(['editor']);
  const [error, setError] = useState<string | null>(null);
  const set = (k: 'username' | 'displayName' | 'staffId' | 'unitId' | 'password') => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await api.post('/api/admin/users', {
        username: form.username.trim(),
        displayName: form.displayName.trim(),
        staffId: form.staffId.trim() || null,
        unitId: form.unitId || null,
        isStaff: form.isStaff,
        roles,
        password: form.password,
      });
      onCreated(`已新建用户 ${form.displayName.trim()}（${form.username.trim()}）`);
      setForm(blank);
      setRoles(['editor']);
    } catch (err) {
      setError(messageOf(err));
    }
  };
  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-label="新建用户">
      <h3>新建用户</h3>
      <label>
        用户名
        <input name="username" value={form.username} onChange={set('username')} required maxLength={64} pattern="[a-zA-Z0-9_.\-]+" title="字母、数字、_ . -" autoComplete="off" />
      </label>
      <label>
        姓名
        <input name="displayName" value={form.displayName} onChange={set('displayName')} required maxLength={100} />
      </label>
      <label>
        工号
        <input name="staffId" value={form.staffId} onChange={set('staffId')} maxLength={32} />
      </label>
      <label>
        单位
        <select name="unitId" value={form.unitId} onChange={set('unitId')}>
          <option value="">（全校 / 无单位）</option>
          {units.map((u) => (
            <option key={u.id} value={u.id}>
              {u.name}
            </option>
          ))}
        </select>
      </label>
      <label className="check">
        <input type="checkbox" checked={form.isStaff} onChange={(e) => setForm({ ...form, isStaff: e.target.checked })} /> 在编工作人员（审核人须在编）
      </label>
      <fieldset className="roles-edit">
        <legend>角色</legend>
        {ROLES.map((r) => (
          <label key={r}>
            <input type="checkbox" checked={roles.includes(r)} onChange={() => setRoles(roles.includes(r) ? roles.filter((x) => x !== r) : [...roles, r])} />
            {ROLE_LABELS[r]}
          </label>
        ))}
      </fieldset>
      <label>
        初始密码
        <input name="password" type="password" value={form.password} onChange={set('password')} required autoComplete="new-password" placeholder="至少 8 位，含三类字符" />
      </label>
      <ErrorLine error={error} />
      <button type="submit" className="primary">
        新建用户
      </button>
    </form>
  );
}
