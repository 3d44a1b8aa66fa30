import { useState } from 'react';
import { api } from '../api';
import { formatTime } from '../labels';
import type { Highlight } from '../render/safe-content';
import type { SourceSelection } from '../render/selection';
import type { DraftDetail, ProofMark } from '../../shared/api';

export const MARK_STATUS_LABELS: Record<ProofMark['status'], string> = { open: '待处理', accepted: '已采纳', rejected: '不采纳', applied: '已应用' };
export const MARK_KIND_LABELS: Record<ProofMark['kind'], string> = { correction: '修改建议', comment: '批注' };

/** Highlights for the marks of the revision on screen (drawn beneath the findings' colours as underlines). */
export function markHighlights(marks: readonly ProofMark[], revisionId: string, field: 'title' | 'body'): Highlight[] {
  return marks
    .filter((m) => m.revisionId === revisionId && m.source.field === field && m.source.end > m.source.start && m.status !== 'rejected')
    .map((m) => ({ id: m.id, start: m.source.start, end: m.source.end, rank: 10, kind: 'mark' as const, className: `mark-${m.kind} mark-${m.status}` }));
}

interface Props {
  d: DraftDetail;
  marks: readonly ProofMark[];
  /** Whether this viewer may mark, resolve and apply now (the server's `proofread` action). */
  canMark: boolean;
  selection: SourceSelection | null;
  clearSelection: () => void;
  picked: string | null;
  onPick: (markId: string) => void;
  /** Called after every change with a message for the page's notice (empty: just refresh). */
  onChanged: (message: string, kind?: 'info' | 'error') => void;
}

/** 校对标记: the form for a selected span, and the marks beside the text with accept / reject / apply. */
export function ProofMarks({ d, marks, canMark, selection, clearSelection, picked, onPick, onChanged }: Props) {
  const [kind, setKind] = useState<ProofMark['kind']>('correction');
  const [replacement, setReplacement] = useState('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [showOld, setShowOld] = useState(false);
  const current = marks.filter((m) => m.revisionId === d.currentRevision.id);
  const older = marks.filter((m) => m.revisionId !== d.currentRevision.id);
  const accepted = current.filter((m) => m.kind === 'correction' && m.status === 'accepted');
  const numberOf = new Map(d.revisions.map((r) => [r.id, r.number]));

  const run = async (work: () => Promise<unknown>, message: string) => {
    setBusy(true);
    try {
      await work();
      onChanged(message);
      return true;
    } catch (error) {
      onChanged(error instanceof Error ? error.message : String(error), 'error');
      return false;
    } finally {
      setBusy(false);
    }
  };

  const add = async () => {
    if (!selection) return;
    const body = {
      revisionId: d.currentRevision.id,
      source: { field: selection.field, start: selection.start, end: selection.end },
      kind,
      ...(kind === 'correction' ? { replacement } : {}),
      ...(note.trim() ? { note: note.trim() } : {}),
    };
    if (await run(() => api.post(`/api/drafts/${d.id}/marks`, body), `已添加${MARK_KIND_LABELS[kind]}`)) {
      setReplacement('');
      setNote('');
      clearSelection();
      document.getSelection()?.removeAllRanges();
    }
  };

  const resolve = (m: ProofMark, decision: 'accept' | 'reject') =>
    void run(() => api.post(`/api/drafts/${d.id}/marks/${m.id}/resolve`, { decision }), decision === 'accept' ? '已采纳该标记' : '已不采纳该标记');

  const apply = () =>
    void run(
      () => api.post(`/api/drafts/${d.id}/marks/apply`, { version: d.version, markIds: accepted.map((m) => m.id) }),
      `已应用 ${accepted.length} 处修改，生成校对稿并重新机审`,
    );

  return (
    <div className="card proof-marks" data-testid="proof-marks">
      <h3>
        校对标记 <span className="count">{current.length}</span>
      </h3>
      {canMark &&
        (selection ? (
          <div className="mark-form" data-testid="mark-form">
            <div className="quote">
              {selection.field === 'title' ? '标题' : '正文'}选中：「<span data-testid="mark-selection">{selection.text}</span>」
            </div>
            <div className="segmented" role="radiogroup" aria-label="标记类型">
              {(['correction', 'comment'] as const).map((k) => (
                <label key={k} className="check">
                  <input type="radio" name="mark-kind" checked={kind === k} onChange={() => setKind(k)} /> {MARK_KIND_LABELS[k]}
                </label>
              ))}
            </div>
            {kind === 'correction' && <input placeholder="改为（留空表示删除）" value={replacement} onChange={(e) => setReplacement(e.target.value)} aria-label="改为" />}
            <textarea placeholder={kind === 'comment' ? '批注内容（必填）' : '说明（选填）'} value={note} onChange={(e) => setNote(e.target.value)} aria-label="标记说明" rows={2} />
            <div className="buttons">
              <button type="button" className="primary" disabled={busy || (kind === 'comment' && !note.trim())} onClick={() => void add()} data-action="add-mark">
                添加{MARK_KIND_LABELS[kind]}
              </button>
              <button type="button" onClick={clearSelection}>
                取消
              </button>
            </div>
          </div>
        ) : (
          <p className="muted small">在标题或正文中选中文字，即可提出修改建议或批注；机审问题的修改建议可一键采纳为标记。</p>
        ))}
      {canMark && accepted.length > 0 && (
        <button type="button" className="primary apply-marks" disabled={busy} onClick={apply} data-action="apply-marks">
          应用已采纳的修改（{accepted.length} 处），生成校对稿
        </button>
      )}
      {current.length === 0 && <p className="muted">本稿暂无标记</p>}
      <ul className="mark-list">
        {current.map((m) => (
          <MarkItem key={m.id} m={m} picked={picked === m.id} canResolve={canMark && m.status === 'open'} busy={busy} onPick={() => onPick(m.id)} onResolve={(x) => resolve(m, x)} />
        ))}
      </ul>
      {older.length > 0 && (
        <div className="older-marks">
          <button type="button" className="link" onClick={() => setShowOld(!showOld)}>
            {showOld ? '收起' : '查看'}以往版本的标记（{older.length}）
          </button>
          {showOld && (
            <ul className="mark-list">
              {older.map((m) => (
                <MarkItem key={m.id} m={m} picked={false} canResolve={false} busy={busy} revisionNumber={numberOf.get(m.revisionId)} appliedTo={m.appliedRevisionId ? numberOf.get(m.appliedRevisionId) : undefined} />
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}

function MarkItem({
  m,
  picked,
  canResolve,
  busy,
  onPick,
  onResolve,
  revisionNumber,
  appliedTo,
}: {
  m: ProofMark;
  picked: boolean;
  canResolve: boolean;
  busy: boolean;
  onPick?: () => void;
  onResolve?: (decision: 'accept' | 'reject') => void;
  revisionNumber?: number | undefined;
  appliedTo?: number | undefined;
}) {
  // Every piece of a mark is the reviewer's or the draft's text: rendered as text nodes, never as HTML.
  return (
    <li className={`mark-item mark-${m.kind} mark-${m.status} ${picked ? 'picked' : ''}`} data-mark-item={m.id} data-status={m.status}>
      <button type="button" className="link" onClick={onPick} disabled={!onPick}>
        <span className={`badge kind-${m.kind}`}>{MARK_KIND_LABELS[m.kind]}</span>
        <span className={`badge status-${m.status}`}>{MARK_STATUS_LABELS[m.status]}</span>
        {revisionNumber !== undefined && <span className="muted">第 {revisionNumber} 稿 </span>}
        「<span className="original">{m.original}</span>」
        {m.kind === 'correction' && (
          <>
            {' → '}「<span className="replacement">{m.replacement}</span>」
          </>
        )}
      </button>
      {m.note && <div className="note">{m.note}</div>}
      <div className="muted small">
        {m.stageLabel} · {m.author?.displayName ?? '—'} · {formatTime(m.createdAt)}
        {m.findingId ? ' · 来自机审建议' : ''}
        {m.resolution ? ` · ${m.resolution.by?.displayName ?? ''}${MARK_STATUS_LABELS[m.status === 'applied' ? 'accepted' : m.status]}${m.resolution.note ? `：${m.resolution.note}` : ''}` : ''}
        {appliedTo !== undefined ? ` · 已应用于第 ${appliedTo} 稿` : ''}
      </div>
      {canResolve && onResolve && (
        <div className="buttons">
          <button type="button" disabled={busy} onClick={() => onResolve('accept')} data-action="accept-mark">
            采纳
          </button>
          <button type="button" disabled={busy} onClick={() => onResolve('reject')} data-action="reject-mark">
            不采纳
          </button>
        </div>
      )}
    </li>
  );
}
