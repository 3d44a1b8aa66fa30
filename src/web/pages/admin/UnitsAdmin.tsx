import { useState, type FormEvent } from 'react';
import { api } from '../../api';
import { useResource } from '../../hooks';
import { formatTime } from '../../labels';
import type { Unit } from '../../../shared/api';
import { ErrorLine, messageOf } from '../../components/admin/ErrorLine';
import { RenameCell } from './RenameCell';

export function UnitsAdmin() {
  const units = useResource(() => api.get<{ items: Array<Unit & { createdAt?: string }> }>('/api/admin/units'), []);
  const [name, setName] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setDone(null);
    try {
      await api.post('/api/admin/units', { name: name.trim(), code: code.trim() });
      setDone(`已新建单位「${name.trim()}」`);
      setName('');
      setCode('');
      await units.reload();
    } catch (err) {
      setError(messageOf(err));
    }
  };

  return (
    <div className="admin-grid">
      <section className="card table-wrap">
        <h2>
          单位 <span className="count">{units.data?.items.length ?? 0}</span>
        </h2>
        {done && <div className="notice notice-info">{done}</div>}
        <table className="table" data-testid="units-table">
          <thead>
            <tr>
              <th>名称</th>
              <th>代码</th>
              <th>创建时间</th>
            </tr>
          </thead>
          <tbody>
            {(units.data?.items ?? []).map((u) => (
              <tr key={u.id}>
                <td>
                  <RenameCell value={u.name} path={`/api/admin/units/${u.id}`} label="单位名称" onSaved={(m) => (setDone(m), void units.reload())} />
                </td>
                <td>
                  <code>{u.code}</code>
                </td>
                <td>{formatTime(u.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <form className="card" onSubmit={(e) => void create(e)} aria-label="新建单位">
        <h3>新建单位</h3>
        <label>
          名称
          <input name="unitName" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} placeholder="如：外国语学院" />
        </label>
        <label>
          代码
          <input name="unitCode" value={code} onChange={(e) => setCode(e.target.value)} required maxLength={32} placeholder="如：FL" />
        </label>
        <ErrorLine error={error} />
        {done && <div className="notice notice-info">{done}</div>}
        <button type="submit" className="primary">
          新建
        </button>
      </form>
    </div>
  );
}
