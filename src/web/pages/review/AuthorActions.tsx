import { useState } from 'react';
import { api } from '../../api';
import { ConfirmDialog } from '../../components/ReviewRules';
import { formatTime } from '../../labels';
import type { DraftDetail } from '../../../shared/api';

/** What the author (or 宣传部 for release) may do: exactly the actions the server lists for this viewer. */
export function AuthorActions({ d, onChanged }: { d: DraftDetail; onChanged: (message: string) => void }) {
  const [statement, setStatement] = useState('');
  const [editing, setEditing] = useState(false);
  const [title, setTitle] = useState(d.currentRevision.title);
  const [body, setBody] = useState(d.currentRevision.body);
  const [error, setError] = useState<string | null>(null);
  const [confirmWithdraw, setConfirmWithdraw] = useState(false);
  const can = (a: string) => d.allowedActions.includes(a);
  const run = async (what: string, f: () => Promise<unknown>) => {
    setError(null);
    try {
      await f();
      onChanged(what);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      onChanged('');
    }
  };
  if (!['release', 'resubmit', 'revise', 'withdraw'].some(can) && !d.released) return null;
  return (
    <div className="card author-actions" data-testid="author-actions">
      <h3>作者操作</h3>
      {d.released && (
        <p data-testid="released-hash">
          已发布 {formatTime(d.released.at)}，发布内容哈希：<code className="hash">{d.released.hash}</code>
        </p>
      )}
      {can('release') && (
        <button type="button" className="primary" data-action="release" onClick={() => void run('已发布', () => api.post(`/api/drafts/${d.id}/release`, { version: d.version }))}>
          发布
        </button>
      )}
      {can('resubmit') && (
        <div className="resubmit">
          <textarea placeholder="送审说明（必填）" value={statement} onChange={(e) => setStatement(e.target.value)} aria-label="送审说明" />
          <button type="button" disabled={!statement.trim()} onClick={() => void run('已重新送审', () => api.post(`/api/drafts/${d.id}/resubmit`, { statement: statement.trim(), version: d.version }))}>
            说明理由后重新送审
          </button>
        </div>
      )}
      {can('revise') &&
        (editing ? (
          <div className="revise">
            <input value={title} onChange={(e) => setTitle(e.target.value)} aria-label="修改标题" />
            <textarea rows={10} value={body} onChange={(e) => setBody(e.target.value)} aria-label="修改正文" />
            <button
              type="button"
              className="primary"
              onClick={() =>
                void run('已提交修改稿，重新机审', () =>
                  api.post(`/api/drafts/${d.id}/revisions`, {
                    version: d.version,
                    title,
                    body,
                    format: d.currentRevision.format,
                    origin: d.currentRevision.origin,
                    assets: d.currentRevision.assets,
                  }),
                ).then(() => setEditing(false))
              }
            >
              提交修改稿
            </button>
          </div>
        ) : (
          <button type="button" onClick={() => setEditing(true)}>
            修改稿件
          </button>
        ))}
      {can('withdraw') && (
        <button type="button" className="danger" data-action="withdraw" onClick={() => setConfirmWithdraw(true)}>
          撤回
        </button>
      )}
      {confirmWithdraw && (
        <ConfirmDialog
          title="确认撤回稿件？"
          message={`撤回后稿件「${d.title}」将终止审核，不能恢复；如需发布须重新投稿。`}
          confirmLabel="确认撤回"
          onCancel={() => setConfirmWithdraw(false)}
          onConfirm={() => {
            setConfirmWithdraw(false);
            void run('已撤回', () => api.post(`/api/drafts/${d.id}/withdraw`, { version: d.version }));
          }}
        />
      )}
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}
