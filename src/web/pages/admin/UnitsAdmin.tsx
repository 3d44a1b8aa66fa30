import { useState, type FormEvent } from 'react';
import { api } from '../../api';
import { useResource } from '../../hooks';
import { formatTime } from '../../labels';
import type { Unit } from '../../../shared/api';
import { DataTable, DoneLine, FormCard, ListCard, useAdminAction } from '../../components/admin/AdminParts';
import { RenameCell } from './RenameCell';

export function UnitsAdmin() {
  const units = useResource(() => api.get<{ items: Unit[] }>('/api/admin/units'), []);
  const [name, setName] = useState('');
  const [code, setCode] = useState('');
  const { error, done, setDone, run } = useAdminAction();

  const create = (e: FormEvent) => {
    e.preventDefault();
    return run(async () => {
      await api.post('/api/admin/units', { name: name.trim(), code: code.trim() });
      setDone(`已新建单位「${name.trim()}」`);
      setName('');
      setCode('');
      await units.reload();
    });
  };

  return (
    <div className="admin-grid">
      <ListCard title="单位" count={units.data?.items.length ?? 0}>
        <DoneLine done={done} />
        <DataTable testId="units-table" columns={['名称', '代码', '创建时间']}>
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
        </DataTable>
      </ListCard>
      <FormCard title="新建单位" submitLabel="新建" onSubmit={create} error={error} done={done}>
        <label>
          名称
          <input name="unitName" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} placeholder="如：外国语学院" />
        </label>
        <label>
          代码
          <input name="unitCode" value={code} onChange={(e) => setCode(e.target.value)} required maxLength={32} placeholder="如：FL" />
        </label>
      </FormCard>
    </div>
  );
}
