import { useState } from 'react';
import { api, qs } from '../api';
import { useSession } from '../session';
import { useResource } from '../hooks';
import { formatTime, STAGE_LABELS, STATUS_LABELS } from '../labels';
import { totalLabel, useCursorList } from '../paging';
import { navigate } from '../router';
import type { DraftListItem, Platform, TrailEvent } from '../../shared/api';
import { ProofreadBoundNote, WaiverTrailDetail } from '../components/ReviewRules';

const EVENT_LABELS: Record<string, string> = {
  'draft.submitted': '投稿',
  'checks.completed': '机审完成',
  'check.completed': '单项机审完成',
  'checks.failed': '机审失败',
  'checks.retried': '重新机审',
  'review.approved': '审核通过',
  'review.returned': '审核退回',
  'review.rejected': '审核否决',
  'finding.waived': '豁免问题',
  'draft.revised': '修改稿',
  'draft.proofread': '校对修改',
  'revision.proofread': '校对修改',
  'mark.created': '校对标记',
  'mark.accepted': '采纳校对标记',
  'mark.rejected': '不采纳校对标记',
  'draft.correction_submitted': '提交纠错稿',
  'draft.resubmitted': '重新送审',
  'draft.withdrawn': '撤回',
  'draft.released': '发布',
  'draft.corrected': '纠错',
  'draft.retracted': '撤稿',
};

/** Read-only: search drafts, open one trail, verify its chain, export it. */
export function AuditPage({ id }: { id?: string }) {
  const { units } = useSession();
  const [filter, setFilter] = useState({ text: '', reviewer: '', status: '', unit: '', platform: '', from: '', to: '' });
  const platforms = useResource(() => api.get<{ items: Platform[] }>('/api/admin/platforms'), []);
  const list = useCursorList<DraftListItem>((cursor) => `/api/drafts${qs({ ...filter, pageSize: 100, cursor })}`, [filter]);
  const set = (k: keyof typeof filter) => (e: { target: { value: string } }) => setFilter({ ...filter, [k]: e.target.value });

  return (
    <div className="audit">
      <section className="card">
        <div className="toolbar">
          <input type="search" placeholder="编号或标题" value={filter.text} onChange={set('text')} aria-label="搜索稿件" />
          <input type="search" placeholder="审核人（姓名、用户名或工号）" value={filter.reviewer} onChange={set('reviewer')} aria-label="审核人" />
          <select value={filter.status} onChange={set('status')} aria-label="状态">
            <option value="">全部状态</option>
            {Object.entries(STATUS_LABELS).map(([k, v]) => (
              <option key={k} value={k}>
                {v}
              </option>
            ))}
          </select>
          <select value={filter.unit} onChange={set('unit')} aria-label="单位">
            <option value="">全部单位</option>
            {[...units.values()].map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
          </select>
          <select value={filter.platform} onChange={set('platform')} aria-label="平台">
            <option value="">全部平台</option>
            {(platforms.data?.items ?? []).map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
          <label>
            自 <input type="date" value={filter.from} onChange={set('from')} />
          </label>
          <label>
            至 <input type="date" value={filter.to} onChange={set('to')} />
          </label>
        </div>
        <table className="table" data-testid="audit-results">
          <thead>
            <tr>
              <th>编号</th>
              <th>标题</th>
              <th>单位 / 平台</th>
              <th>作者</th>
              <th>状态</th>
              <th>投稿时间</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((d) => (
              <tr key={d.id} className={d.id === id ? 'selected' : ''} onClick={() => navigate(`/audit/${d.id}`)}>
                <td>
                  <a href={`#/audit/${d.id}`}>{d.number}</a>
                </td>
                <td>{d.title}</td>
                <td>
                  {d.unitName} / {d.platformName}
                </td>
                <td>{d.authorName}</td>
                <td>
                  {STATUS_LABELS[d.status] ?? d.status}
                  {d.stage ? ` · ${STAGE_LABELS[d.stage]}` : ''}
                </td>
                <td>{formatTime(d.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {list.first.data && list.items.length === 0 && <p className="empty">没有符合条件的稿件</p>}
        <div className="list-footer">
          <span data-testid="audit-total">{totalLabel(list.first.data)}</span>
          {list.hasMore && (
            <button type="button" onClick={() => void list.more()} disabled={list.loading} data-testid="audit-more">
              {list.loading ? '加载中…' : '加载更多'}
            </button>
          )}
          {list.error && <span className="error">加载失败：{list.error.message}</span>}
        </div>
      </section>
      {id && <Trail id={id} />}
    </div>
  );
}

interface Verify {
  ok: boolean;
  events: number;
  head: string | null;
  firstBreak: unknown;
  invalidCheckpoints: unknown[];
}

function Trail({ id }: { id: string }) {
  const trail = useResource(() => api.get<{ number: string; events: TrailEvent[] }>(`/api/drafts/${id}/trail`), [id]);
  const verify = useResource(() => api.get<Verify>(`/api/drafts/${id}/trail/verify`), [id]);
  if (trail.error) return <div className="error">{trail.error.message}</div>;
  const v = verify.data;
  return (
    <section className="card trail" data-testid="trail">
      <h2>
        审计轨迹 {trail.data?.number}
        {v &&
          (v.ok ? (
            <span className="badge verified" data-testid="verify-badge" data-ok="true" title={`链头 ${v.head ?? ''}`}>
              ✔ 审计链完整（{v.events} 条）
            </span>
          ) : (
            <span className="badge broken" data-testid="verify-badge" data-ok="false">
              ✖ 审计链校验失败 {JSON.stringify(v.firstBreak)}
            </span>
          ))}
      </h2>
      <div className="buttons">
        <a className="button" href={`/api/drafts/${id}/trail?format=csv`} download data-testid="export-csv">
          导出 CSV
        </a>
        <a className="button" href={`/api/drafts/${id}/trail`} target="_blank" rel="noopener">
          导出 JSON
        </a>
        <a className="button" href={`/api/drafts/${id}/review-sheet`} target="_blank" rel="noopener" data-testid="review-sheet-link">
          打印审稿单
        </a>
        <a className="button" href={`/api/drafts/${id}/review-sheet.pdf`} target="_blank" rel="noopener" data-testid="review-sheet-pdf-link">
          审稿单（PDF）
        </a>
        <a className="button" href={`#/drafts/${id}`}>
          查看稿件
        </a>
      </div>
      <ol className="timeline">
        {(trail.data?.events ?? []).map((e) => {
          const data = e.data as { stage?: string; comment?: string; reason?: string; contentHash?: string; statement?: string; revisionNumber?: number; original?: string; replacement?: string | null; note?: string };
          return (
            <li key={e.seq} data-testid="trail-event">
              <span className="time">{formatTime(e.createdAt)}</span> <strong>{EVENT_LABELS[e.type] ?? e.type}</strong>
              {data.stage ? ` · ${STAGE_LABELS[data.stage] ?? data.stage}` : ''} · {e.actorName}
              {e.outcome !== 'success' ? ` · ${e.outcome}` : ''}
              {(data.comment ?? data.reason ?? data.statement) ? <div className="opinion">意见：{data.comment ?? data.reason ?? data.statement}</div> : null}
              {e.type === 'finding.waived' ? <WaiverTrailDetail data={e.data} /> : null}
              {e.type === 'revision.proofread' ? <ProofreadBoundNote bound={e.data.proofreadBound} /> : null}
              <div className="muted small">
                #{e.seq} 哈希 <code>{e.hash.slice(0, 16)}</code>
                {data.contentHash ? (
                  <>
                    {' '}
                    · 版本哈希 <code>{data.contentHash.slice(0, 16)}</code>
                  </>
                ) : null}
                {typeof data.revisionNumber === 'number' && data.revisionNumber > 1 ? (
                  <>
                    {' '}
                    · <a href={`#/drafts/${id}?diff=${data.revisionNumber - 1}-${data.revisionNumber}`} data-testid="trail-diff-link">与第 {data.revisionNumber - 1} 稿对比</a>
                  </>
                ) : null}
                {e.type === 'mark.created' && data.original !== undefined ? (
                  <>
                    {' '}
                    · 「{data.original}」{data.replacement ? ` → 「${data.replacement}」` : ''}
                    {data.note ? ` ${data.note}` : ''}
                  </>
                ) : null}
              </div>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
