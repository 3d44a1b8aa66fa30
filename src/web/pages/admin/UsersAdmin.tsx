import { useState, type FormEvent } from 'react';
import { api } from '../../api';
import { useResource } from '../../hooks';
import { ROLE_LABELS } from '../../labels';
import type { AdminUser, Role, Unit } from '../../types';
import { ErrorLine, messageOf } from './AdminPage';

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
      <td>{user.disabled ? '已停用' : user.locked ? '已锁定' : '正常'}</td>
    </tr>
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
