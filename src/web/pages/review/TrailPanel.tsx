import { ProofreadBoundNote } from '../../components/ReviewRules';
import { ACTION_LABELS, formatTime } from '../../labels';
import type { DraftDetail } from '../../../shared/api';

/** 审核记录 and 版本: the decisions and the revisions of the draft, each revision with its stored diff. */
export function TrailPanel({ d }: { d: DraftDetail }) {
  return (
    <div className="card history">
      <h3>审核记录</h3>
      {d.decisions.length === 0 && <p className="muted">暂无</p>}
      <ol className="timeline">
        {d.decisions.map((x) => (
          <li key={x.id} data-testid="decision">
            <span className="time">{formatTime(x.at)}</span> {x.stageLabel} · {x.reviewer.displayName}（{x.reviewer.staffId ?? '—'}）·{' '}
            <strong>{ACTION_LABELS[x.action]}</strong>
            {x.comment ? `：${x.comment}` : ''}
          </li>
        ))}
      </ol>
      <h3>版本</h3>
      <ol className="timeline">
        {d.revisions.map((r) => (
          <li key={r.id}>
            第 {r.number} 稿 · {formatTime(r.createdAt)} · <code>{r.hash.slice(0, 12)}</code>
            {r.note ? ` · ${r.note}` : ''}
            <ProofreadBoundNote bound={(r.diff as { proofreadBound?: unknown } | null)?.proofreadBound} />
            <DiffView diff={r.diff} />
          </li>
        ))}
      </ol>
    </div>
  );
}

function DiffView({ diff }: { diff: unknown }) {
  const changes = (diff as { changes?: Array<{ field: string; start: number; removed: string; inserted: string }> } | null)?.changes;
  if (!changes || changes.length === 0) return null;
  return (
    <div className="diff">
      {changes.map((c, i) => (
        <div key={i}>
          <span className="muted">{c.field === 'title' ? '标题' : '正文'} @{c.start}：</span>
          {c.removed && <del>{c.removed}</del>}
          {c.inserted && <ins>{c.inserted}</ins>}
        </div>
      ))}
    </div>
  );
}
