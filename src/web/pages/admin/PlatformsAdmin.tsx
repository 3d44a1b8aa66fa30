import { useState, type FormEvent } from 'react';
import { api } from '../../api';
import { useResource } from '../../hooks';
import type { Platform, Unit } from '../../../shared/api';
import { DataTable, DoneLine, FormCard, ListCard, useAdminAction } from '../../components/admin/AdminParts';
import { SelectField } from '../../components/admin/SelectField';
import { RenameCell } from './RenameCell';

export const PLATFORM_KINDS: Record<string, string> = { wechat: '微信公众号', weibo: '微博', douyin: '抖音', channels: '视频号', website: '网站', other: '其他' };
export const PLATFORM_LEVELS: Record<string, string> = { school: '学校（一级）', unit: '二级单位' };

export function PlatformsAdmin() {
  const platforms = useResource(() => api.get<{ items: Platform[] }>('/api/admin/platforms'), []);
  const units = useResource(() => api.get<{ items: Unit[] }>('/api/admin/units'), []);
  const [form, setForm] = useState({ name: '', kind: 'wechat', level: 'unit', unitId: '' });
  const { error, done, setDone, run } = useAdminAction();
  const unitName = new Map((units.data?.items ?? []).map((u) => [u.id, u.name]));
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });

  const create = (e: FormEvent) => {
    e.preventDefault();
    return run(async () => {
      const unitId = form.unitId || units.data?.items[0]?.id || '';
      await api.post('/api/admin/platforms', { ...form, name: form.name.trim(), unitId });
      setDone(`已新建发布平台「${form.name.trim()}」`);
      setForm({ ...form, name: '' });
      await platforms.reload();
    });
  };

  return (
    <div className="admin-grid">
      <ListCard title="发布平台" count={platforms.data?.items.length ?? 0}>
        <DoneLine done={done} />
        <DataTable testId="platforms-table" columns={['名称', '类型', '级别', '主管单位']}>
            {(platforms.data?.items ?? []).map((p) => (
              <tr key={p.id}>
                <td>
                  <RenameCell value={p.name} path={`/api/admin/platforms/${p.id}`} label="平台名称" onSaved={(m) => (setDone(m), void platforms.reload())} />
                </td>
                <td>{PLATFORM_KINDS[p.kind] ?? p.kind}</td>
                <td>{PLATFORM_LEVELS[p.level] ?? p.level}</td>
                <td>{unitName.get(p.unitId) ?? '—'}</td>
              </tr>
            ))}
        </DataTable>
      </ListCard>
      <FormCard title="新建发布平台" submitLabel="新建" onSubmit={create} error={error} done={done}>
        <label>
          名称
          <input name="platformName" value={form.name} onChange={set('name')} required maxLength={100} placeholder="如：外国语学院微信公众号" />
        </label>
        <SelectField label="类型" name="platformKind" value={form.kind} onChange={set('kind')} choices={PLATFORM_KINDS} />
        <SelectField label="级别" name="platformLevel" value={form.level} onChange={set('level')} choices={PLATFORM_LEVELS} />
        <SelectField label="主管单位" name="platformUnit" value={form.unitId} onChange={set('unitId')} choices={units.data?.items ?? []} />
      </FormCard>
    </div>
  );
}
