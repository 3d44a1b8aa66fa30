import { useState } from 'react';
import { api } from '../../api';
import { ErrorLine, messageOf } from '../../components/admin/ErrorLine';

/** A table cell showing a name, with 修改 to rename it in place (PATCH `path` with `{ [field]: value }`). */
export function RenameCell({ value, path, field = 'name', label, onSaved }: { value: string; path: string; field?: string; label: string; onSaved: (message: string) => void }) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(value);
  const [error, setError] = useState<string | null>(null);
  if (!editing) {
    return (
      <span className="inline-edit">
        <span>{value}</span>
        <button type="button" className="link" data-action="rename" aria-label={`修改${label}`} onClick={() => (setText(value), setEditing(true))}>
          修改
        </button>
      </span>
    );
  }
  const save = async () => {
    setError(null);
    try {
      await api.patch(path, { [field]: text.trim() });
      setEditing(false);
      onSaved(`已将「${value}」改为「${text.trim()}」`);
    } catch (e) {
      setError(messageOf(e));
    }
  };
  return (
    <span className="inline-edit">
      <input aria-label={label} value={text} onChange={(e) => setText(e.target.value)} maxLength={100} autoFocus />
      <button type="button" className="primary" data-action="save-rename" disabled={!text.trim()} onClick={() => void save()}>
        保存
      </button>
      <button type="button" onClick={() => setEditing(false)}>
        取消
      </button>
      <ErrorLine error={error} />
    </span>
  );
}
