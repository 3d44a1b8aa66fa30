import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api';
import { useResource } from '../../hooks';
import { formatTime } from '../../labels';
import { DataTable, FormCard, ListCard, useAdminAction } from '../../components/admin/AdminParts';

interface GalleryItem {
  id: string;
  list: 'licensed' | 'forbidden';
  dhash: string;
  media: string | null;
  holder: string | null;
  note: string;
  createdAt: string;
}

const LIST_LABEL = { licensed: '已授权', forbidden: '禁用' } as const;

/** Uploads one file as the admin (multipart), answering its hash. */
async function uploadFile(file: File): Promise<string> {
  const form = new FormData();
  form.append('file', file);
  const res = await fetch('/api/media', { method: 'POST', body: form, credentials: 'same-origin', headers: { Accept: 'application/json' } });
  const body = (await res.json().catch(() => null)) as { hash?: string; error?: { code: string; message: string } } | null;
  if (!res.ok || !body?.hash) throw new ApiError(res.status, body?.error?.code ?? 'http_error', body?.error?.message ?? `上传失败（${res.status}）`);
  return body.hash;
}

/**
 * 图库: pictures the school holds a licence for, and pictures that must not be used. A draft's picture that looks
 * like one of them (perceptual hash, survives resizing and re-encoding) gets a copyright finding: `info` with the
 * holder for licensed ones, `block` for forbidden ones.
 */
export function GalleryAdmin() {
  const items = useResource(() => api.get<{ items: GalleryItem[] }>('/api/admin/media-gallery'), []);
  const [filter, setFilter] = useState<'' | 'licensed' | 'forbidden'>('');
  const [file, setFile] = useState<File | null>(null);
  const [list, setList] = useState<'licensed' | 'forbidden'>('licensed');
  const [holder, setHolder] = useState('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const { error, done, setDone, run } = useAdminAction();
  const shown = (items.data?.items ?? []).filter((i) => !filter || i.list === filter);

  const add = async (e: FormEvent) => {
    e.preventDefault();
    if (!file) return;
    setBusy(true);
    await run(async () => {
      const media = await uploadFile(file);
      await api.post('/api/admin/media-gallery', { media, list, ...(holder.trim() ? { holder: holder.trim() } : {}), ...(note.trim() ? { note: note.trim() } : {}) });
      setDone(`已加入${LIST_LABEL[list]}图库`);
      setFile(null);
      setHolder('');
      setNote('');
      (e.target as HTMLFormElement).reset();
      await items.reload();
    });
    setBusy(false);
  };

  const remove = async (item: GalleryItem) => {
    if (!window.confirm(`把这张图片移出${LIST_LABEL[item.list]}图库？之后相似图片不再提示。`)) return;
    await run(async () => {
      await fetch(`/api/admin/media-gallery/${item.id}`, { method: 'DELETE', credentials: 'same-origin', headers: { Accept: 'application/json' } }).then(async (r) => {
        if (!r.ok) throw new ApiError(r.status, 'http_error', ((await r.json().catch(() => null)) as { error?: { message?: string } } | null)?.error?.message ?? `移出失败（${r.status}）`);
      });
      setDone('已移出图库');
      await items.reload();
    }, { clearDone: false });
  };

  return (
    <div className="admin-grid">
      <ListCard title="图库" count={shown.length}>
        <div className="filters">
          <label>
            类别
            <select value={filter} onChange={(e) => setFilter(e.target.value as typeof filter)} data-testid="gallery-filter">
              <option value="">全部</option>
              <option value="licensed">已授权</option>
              <option value="forbidden">禁用</option>
            </select>
          </label>
        </div>
        {shown.length === 0 ? (
          <p className="empty muted">图库为空。加入学校已取得授权的图片（如签约图库、摄影师授权作品）或禁止使用的图片后，稿件中的相似图片会自动提示。</p>
        ) : (
          <DataTable testId="gallery-table" columns={['图片', '类别', '权利人', '说明', '加入时间', '操作']}>
              {shown.map((i) => (
                <tr key={i.id}>
                  <td>{i.media ? <img className="gallery-thumb" src={`/api/media/${i.media}/thumbnail`} alt="图库图片" loading="lazy" /> : <code>{i.dhash}</code>}</td>
                  <td>
                    <span className={`badge ${i.list === 'forbidden' ? 'sev-block' : ''}`}>{LIST_LABEL[i.list]}</span>
                  </td>
                  <td>{i.holder ?? '—'}</td>
                  <td>{i.note || '—'}</td>
                  <td>{formatTime(i.createdAt)}</td>
                  <td>
                    <button type="button" className="link" onClick={() => void remove(i)}>
                      移出
                    </button>
                  </td>
                </tr>
              ))}
          </DataTable>
        )}
      </ListCard>
      <FormCard title="加入图库" submitLabel="加入" onSubmit={add} error={error} done={done} disabled={busy || !file}>
        <label>
          图片
          <input type="file" accept="image/jpeg,image/png,image/webp,image/gif" onChange={(e) => setFile(e.target.files?.[0] ?? null)} required data-testid="gallery-file" />
        </label>
        <label>
          类别
          <select value={list} onChange={(e) => setList(e.target.value as typeof list)} data-testid="gallery-list">
            <option value="licensed">已授权（相似图片提示权利人）</option>
            <option value="forbidden">禁用（相似图片阻断发布）</option>
          </select>
        </label>
        <label>
          权利人
          <input value={holder} onChange={(e) => setHolder(e.target.value)} maxLength={200} placeholder="如：某某图片社" />
        </label>
        <label>
          说明
          <input value={note} onChange={(e) => setNote(e.target.value)} maxLength={1000} placeholder="如：授权至 2027 年 6 月" />
        </label>
      </FormCard>
    </div>
  );
}
