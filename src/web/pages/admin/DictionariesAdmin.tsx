import { useState, type FormEvent } from 'react';
import { api, ApiError, qs } from '../../api';
import { useResource } from '../../hooks';
import { formatTime, SEVERITY_LABELS } from '../../labels';
import type { DictionaryList, DictionaryOverview, DictionaryTermsPage } from '../../../shared/api';
import { ErrorLine, messageOf } from '../../components/admin/ErrorLine';
import { DataTable } from '../../components/admin/AdminParts';
import { SelectField } from '../../components/admin/SelectField';

const KIND_LABELS: Record<string, string> = { sensitive: '敏感词', secrecy: '保密', advertising: '广告', escalation: '重大事项', proofreading: '校对', whitelist: '白名单', cooccurrence: '共现' };
const PAGE = 50;

interface ChangeResult {
  version: string;
  added: number;
  removed: number;
  rescanId: string | null;
  alreadyPresentCount?: number;
}

interface LineIssue {
  line?: number;
  index?: number;
  term?: string;
  message: string;
  text?: string;
}

/** 词库管理: browse the lists with their version and counts, search, add, remove, import a lexicon file. */
export function DictionariesAdmin() {
  const overview = useResource(() => api.get<DictionaryOverview>('/api/admin/dictionaries'), []);
  const [selected, setSelected] = useState<string | null>(null);
  const lists = overview.data?.lists ?? [];
  const current = lists.find((l) => l.key === selected) ?? lists[0];

  return (
    <div className="admin-grid dictionaries" data-testid="dictionaries">
      <section className="card">
        {current ? (
          <ListEditor key={current.key} list={current} onChanged={() => void overview.reload()} />
        ) : (
          <p className="muted">{overview.error ? overview.error.message : '加载中…'}</p>
        )}
      </section>
      <aside className="card">
        <h3>词表</h3>
        {overview.data && (
          <p className="muted small" data-testid="dictionary-version">
            词库版本 <code>{overview.data.version.slice(0, 12)}</code>
            <br />
            最近修改：{formatTime(overview.data.lastChangedAt)}
          </p>
        )}
        <ul className="dict-lists">
          {lists.map((l) => (
            <li key={l.key}>
              <button type="button" className={l.key === current?.key ? 'active' : ''} onClick={() => setSelected(l.key)} data-list={l.key}>
                <span>
                  {KIND_LABELS[l.kind] ?? l.kind} · {l.label}
                </span>
                <span className="count">
                  {l.terms}
                  {l.added > 0 ? ` +${l.added}` : ''}
                  {l.removed > 0 ? ` −${l.removed}` : ''}
                </span>
              </button>
            </li>
          ))}
        </ul>
      </aside>
    </div>
  );
}

function ListEditor({ list, onChanged }: { list: DictionaryList; onChanged: () => void }) {
  const [q, setQ] = useState('');
  const [offset, setOffset] = useState(0);
  const terms = useResource(() => api.get<DictionaryTermsPage>(`/api/admin/dictionaries/${encodeURIComponent(list.key)}/terms${qs({ q: q.trim(), offset, limit: PAGE })}`), [list.key, q, offset]);
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [issues, setIssues] = useState<LineIssue[]>([]);
  const [confirming, setConfirming] = useState<string | null>(null);
  const whitelist = list.kind === 'whitelist';

  const changed = async (work: () => Promise<ChangeResult>, what: string) => {
    setError(null);
    setIssues([]);
    setResult(null);
    try {
      const r = await work();
      const parts = [`${what}：新增 ${r.added} 条，删除 ${r.removed} 条`, `词库版本 ${r.version.slice(0, 12)}`];
      if (r.alreadyPresentCount) parts.push(`${r.alreadyPresentCount} 条已存在，未重复导入`);
      if (r.rescanId) parts.push('已开始对已发布稿件的回溯检查');
      setResult(parts.join('；'));
      onChanged();
      await terms.reload();
      return true;
    } catch (e) {
      const details = e instanceof ApiError ? (e.details as { issues?: LineIssue[] } | undefined) : undefined;
      setIssues(Array.isArray(details?.issues) ? details.issues.filter((i) => i.line !== undefined || i.index !== undefined) : []);
      setError(messageOf(e));
      return false;
    }
  };

  const remove = (term: string) =>
    void changed(() => api.post<ChangeResult>(`/api/admin/dictionaries/${encodeURIComponent(list.key)}/terms/remove`, { terms: [term] }), `已删除「${term}」`).then(() => setConfirming(null));

  const page = terms.data;
  return (
    <div className="list-editor" data-testid="list-editor" data-list={list.key}>
      <h2>
        {KIND_LABELS[list.kind] ?? list.kind} · {list.label} <span className="count">{list.terms} 条</span>
      </h2>
      <p className="muted small">
        <code>{list.key}</code> · 文件 {list.file} · 管理员新增 {list.added} 条、删除 {list.removed} 条
      </p>
      <div className="toolbar">
        <input
          type="search"
          placeholder="搜索词条或备注"
          value={q}
          onChange={(e) => {
            setQ(e.target.value);
            setOffset(0);
          }}
          aria-label="搜索词条"
        />
        {page && <span className="muted">共 {page.total} 条</span>}
      </div>
      {result && (
        <div className="notice notice-info" data-testid="dictionary-result">
          {result}
        </div>
      )}
      <ErrorLine error={error ?? (terms.error ? `词条加载失败：${terms.error.message}` : null)} />
      {issues.length > 0 && (
        <ul className="issues" data-testid="import-issues">
          {issues.map((i, k) => (
            <li key={k}>
              {i.line !== undefined ? `第 ${i.line} 行` : `第 ${(i.index ?? 0) + 1} 项`}：{i.message}
              {i.text ? (
                <>
                  {' '}
                  <code>{i.text}</code>
                </>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      <div className="table-wrap">
        <DataTable testId="terms-table" columns={whitelist ? ['词条', '备注', '来源', ''] : ['词条', '级别', '备注', '来源', '']}>
            {page && page.items.length === 0 && (
              <tr>
                <td colSpan={whitelist ? 4 : 5} className="muted">
                  {q.trim() ? '没有匹配的词条' : '此词表为空'}
                </td>
              </tr>
            )}
            {(page?.items ?? []).map((t) => (
              <tr key={t.term} data-term={t.term}>
                <td>
                  {t.term}
                  {'flags' in t && t.flags.length > 0 && <span className="muted small"> [{t.flags.join(',')}]</span>}
                </td>
                {!whitelist && <td>{'severity' in t && t.severity ? (SEVERITY_LABELS[t.severity] ?? t.severity) : '—'}</td>}
                <td>{t.note}</td>
                <td>{t.source === 'admin' ? '管理员新增' : `词库文件第 ${t.line} 行`}</td>
                <td>
                  {confirming === t.term ? (
                    <>
                      <button type="button" className="danger" onClick={() => remove(t.term)} data-action="confirm-remove">
                        确认删除
                      </button>
                      <button type="button" className="link" onClick={() => setConfirming(null)}>
                        取消
                      </button>
                    </>
                  ) : (
                    <button type="button" className="link" onClick={() => setConfirming(t.term)} data-action="remove">
                      删除
                    </button>
                  )}
                </td>
              </tr>
            ))}
        </DataTable>
      </div>
      {page && page.total > PAGE && (
        <div className="pager">
          <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
            上一页
          </button>
          <span className="muted">
            {offset + 1}–{Math.min(offset + PAGE, page.total)} / {page.total}
          </span>
          <button type="button" disabled={offset + PAGE >= page.total} onClick={() => setOffset(offset + PAGE)}>
            下一页
          </button>
        </div>
      )}
      <div className="dictionary-forms">
        <AddTerm list={list} onSubmit={(body, term) => changed(() => api.post<ChangeResult>(`/api/admin/dictionaries/${encodeURIComponent(list.key)}/terms`, body), `已添加「${term}」`)} />
        <ImportFile list={list} onSubmit={(body, name) => changed(() => api.post<ChangeResult>(`/api/admin/dictionaries/${encodeURIComponent(list.key)}/import`, body), `已导入 ${name}`)} />
      </div>
    </div>
  );
}

function AddTerm({ list, onSubmit }: { list: DictionaryList; onSubmit: (body: unknown, term: string) => Promise<boolean> }) {
  const [term, setTerm] = useState('');
  const [severity, setSeverity] = useState('review');
  const [note, setNote] = useState('');
  const whitelist = list.kind === 'whitelist';
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const entry = { term: term.trim(), ...(whitelist ? {} : { severity }), ...(note.trim() ? { note: note.trim() } : {}) };
    if (await onSubmit({ terms: [entry] }, entry.term)) {
      setTerm('');
      setNote('');
    }
  };
  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-label="添加词条">
      <h3>添加词条</h3>
      <label>
        词条
        <input name="term" value={term} onChange={(e) => setTerm(e.target.value)} required maxLength={64} />
      </label>
      {!whitelist && (
        <SelectField label="级别" name="severity" value={severity} onChange={(e) => setSeverity(e.target.value)} choices={SEVERITY_LABELS} />
      )}
      <label>
        备注
        <input name="note" value={note} onChange={(e) => setNote(e.target.value)} maxLength={500} />
      </label>
      <button type="submit" className="primary">
        添加
      </button>
    </form>
  );
}

function ImportFile({ list, onSubmit }: { list: DictionaryList; onSubmit: (body: unknown, name: string) => Promise<boolean> }) {
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState<'lines' | 'dictionary'>('lines');
  const [severity, setSeverity] = useState('review');
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const whitelist = list.kind === 'whitelist';
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (!file) return;
    if (file.size > 900_000) {
      setError('文件过大（上限约 900 KB），请分批导入');
      return;
    }
    const text = await file.text();
    await onSubmit({ text, format, ...(format === 'lines' && !whitelist ? { severity } : {}), ...(note.trim() ? { note: note.trim() } : {}) }, file.name);
  };
  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-label="导入词库文件">
      <h3>导入词库文件</h3>
      <label>
        文件（UTF-8 文本）
        <input name="file" type="file" accept=".txt,.csv,.tsv,text/plain" onChange={(e) => setFile(e.target.files?.[0] ?? null)} required />
      </label>
      <label>
        格式
        <select name="format" value={format} onChange={(e) => setFormat(e.target.value as 'lines' | 'dictionary')}>
          <option value="lines">每行一个词条</option>
          <option value="dictionary">本系统词表格式（TAB 分列）</option>
        </select>
      </label>
      {format === 'lines' && !whitelist && (
        <SelectField label="级别" name="importSeverity" value={severity} onChange={(e) => setSeverity(e.target.value)} choices={SEVERITY_LABELS} />
      )}
      <label>
        备注
        <input name="importNote" value={note} onChange={(e) => setNote(e.target.value)} maxLength={500} />
      </label>
      <ErrorLine error={error} />
      <p className="muted small">有任何一行不合法时整份文件不导入，并列出出错的行号。</p>
      <button type="submit" className="primary" disabled={!file}>
        导入
      </button>
    </form>
  );
}
