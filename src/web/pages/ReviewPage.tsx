import { useMemo, useRef, useState } from 'react';
import { api, ApiError } from '../api';
import { MediaFindings, type MediaFileView, type MediaFindingView } from '../components/MediaFindings';
import { markHighlights, ProofMarks } from '../components/ProofMarks';
import { RevisionDiff } from '../components/RevisionDiff';
import { AutoReturnNotice, ConfirmDialog, PolicyBadge, ProofreadBoundNote, ResubmissionNote, RouteLine, WaivedNote } from '../components/ReviewRules';
import { ReviewPresence } from '../components/Presence';
import { useResource } from '../hooks';
import { ACTION_LABELS, categoryClass, categoryLabel, formatTime, SEVERITY_LABELS, STAGE_LABELS } from '../labels';
import { useLiveRefetch } from '../live';
import { parseBody, type Highlight } from '../render/safe-content';
import { SafeContent } from '../render/SafeContent';
import { useDraftSelection } from '../render/selection';
import type { Decision, DraftDetail, Finding, ProofMark } from '../types';

const RANK = { block: 0, review: 1, info: 2 } as const;

function highlightsFor(findings: readonly Finding[], field: 'title' | 'body'): Highlight[] {
  return findings
    .filter((f) => f.source.field === field && f.source.end > f.source.start)
    .map((f) => ({
      id: f.id,
      start: f.source.start,
      end: f.source.end,
      rank: f.waived ? 3 : RANK[f.severity],
      className: `${categoryClass(f.category)} sev-${f.waived ? 'waived' : f.severity}`,
    }));
}

interface Notice {
  kind: 'info' | 'error' | 'conflict';
  text: string;
}

export function ReviewPage({ id }: { id: string }) {
  const draft = useResource(() => api.get<DraftDetail>(`/api/drafts/${id}`), [id]);
  const marks = useResource(() => api.get<{ items: ProofMark[] }>(`/api/drafts/${id}/marks`), [id]);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [picked, setPicked] = useState<string | null>(null);
  const [severity, setSeverity] = useState<string>('');

  const version = useRef(0);
  version.current = draft.data?.version ?? 0;
  useLiveRefetch(
    () => {
      void draft.reload();
      void marks.reload();
    },
    (e) => e.id === id && e.version > version.current,
  );
  const canMark = draft.data?.allowedActions.includes('proofread') ?? false;
  const draftSelection = useDraftSelection(canMark);
  const [pickedMark, setPickedMark] = useState<string | null>(null);
  const [enlarged, setEnlarged] = useState<string | null>(null);

  const d = draft.data;
  const body = useMemo(() => (d ? parseBody(d.currentRevision.body, d.currentRevision.format) : []), [d]);
  if (draft.error && !d) return <div className="error">无法打开稿件：{draft.error.message}</div>;
  if (!d) return <div className="loading">加载中…</div>;

  const decide = async (action: 'approve' | 'return' | 'reject') => {
    if (action !== 'approve' && comment.trim() === '') {
      setNotice({ kind: 'error', text: `${ACTION_LABELS[action]}须填写审核意见` });
      return;
    }
    setBusy(true);
    setNotice(null);
    const stage = d.stage;
    try {
      await api.post(`/api/drafts/${d.id}/decisions`, { stage, action, comment: comment.trim(), version: d.version });
      setComment('');
      setNotice({ kind: 'info', text: `已${ACTION_LABELS[action]}（${STAGE_LABELS[stage ?? ''] ?? stage}）` });
      await draft.reload();
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        // Someone else got there first: show who and what, from the fresh copy.
        const fresh = await api.get<DraftDetail>(`/api/drafts/${d.id}`).catch(() => undefined);
        if (fresh) draft.setData(fresh);
        const last = fresh ? latestDecision(fresh.decisions, stage) : undefined;
        setNotice({
          kind: 'conflict',
          text: last
            ? `${last.reviewer.displayName ?? '其他审核人'}（${last.reviewer.staffId ?? ''}）已于 ${formatTime(last.at)} 在${last.stageLabel}作出「${ACTION_LABELS[last.action]}」结论，页面已刷新，您的操作未生效。`
            : `稿件已被他人处理（${error.message}），页面已刷新，您的操作未生效。`,
        });
      } else {
        setNotice({ kind: 'error', text: error instanceof Error ? error.message : String(error) });
      }
    } finally {
      setBusy(false);
    }
  };

  const waive = async (f: Finding, reason: string) => {
    try {
      await api.post(`/api/drafts/${d.id}/findings/${f.id}/waive`, { reason, version: d.version });
      setNotice({ kind: 'info', text: '已豁免该问题' });
      await draft.reload();
    } catch (error) {
      setNotice({ kind: 'error', text: error instanceof Error ? error.message : String(error) });
      await draft.reload();
    }
  };

  const markList = marks.data?.items ?? [];
  const adopt = async (f: Finding) => {
    try {
      await api.post(`/api/drafts/${d.id}/marks`, { revisionId: d.currentRevision.id, findingId: f.id });
      setNotice({ kind: 'info', text: `已将「${f.suggestion ?? ''}」作为修改建议加入校对标记` });
    } catch (error) {
      setNotice({ kind: 'error', text: error instanceof Error ? error.message : String(error) });
    }
    await marks.reload();
  };
  const jumpToMark = (mid: string) => {
    setPickedMark(mid);
    document.querySelector(`[data-mark="${CSS.escape(mid)}"]`)?.scrollIntoView({ block: 'center', behavior: 'smooth' });
  };

  const jump = (fid: string) => {
    setPicked(fid);
    document.querySelector(`[data-finding="${CSS.escape(fid)}"]`)?.scrollIntoView({ block: 'center', behavior: 'smooth' });
  };

  const decisionActions = (['approve', 'return', 'reject'] as const).filter((a) => d.allowedActions.includes(a));
  // A check's summary of the findings it did not list one by one (`<check>:truncated`) comes first.
  const findings = d.findings
    .filter((f) => !severity || f.severity === severity)
    .sort((a, b) => Number(b.ruleId.endsWith(':truncated')) - Number(a.ruleId.endsWith(':truncated')));
  const title = parseBody(d.currentRevision.title, 'text');

  return (
    <div className="review-page" data-testid="review-page" data-version={d.version} data-status={d.status}>
      <div className="review-main">
        <div className="draft-head">
          <div className="muted">
            <span className="number">{d.number}</span> · 版本 {d.version} · 第 {d.currentRevision.number} 稿 · 作者 {d.author.displayName}
            {' · 体裁 '}
            <span data-testid="draft-genre">{d.genre ?? '未选'}</span>
          </div>
          <h1 className="draft-title" data-field="title">
            <SafeContent
              nodes={title.flatMap((n) => (n.kind === 'element' ? n.children : [n]))}
              highlights={[...highlightsFor(d.findings, 'title'), ...markHighlights(markList, d.currentRevision.id, 'title')]}
              onPick={jump}
              onPickMark={jumpToMark}
              selectable={canMark}
            />
          </h1>
          <div className="status-line">
            <span className={`badge status-${d.status}`} data-testid="draft-status">
              {d.statusLabel}
              {d.stageLabel ? ` · ${d.stageLabel}` : ''}
            </span>
            {d.route ? <RouteLine label={d.route.label} stages={d.route.stages} current={d.stage} /> : <span className="muted">流程：{d.requiredStages.map((s) => STAGE_LABELS[s] ?? s).join(' → ')}</span>}
            <a href={`/api/drafts/${d.id}/review-sheet`} target="_blank" rel="noopener">
              审稿单
            </a>
            <a href={`#/audit/${d.id}`}>审计轨迹</a>
            <a href={`/api/drafts/${d.id}/preview`} target="_blank" rel="noopener" data-testid="preview-link">
              预览（发布效果）
            </a>
          </div>
        </div>
        {notice && (
          <div className={`notice notice-${notice.kind}`} role="alert" data-testid="notice">
            {notice.text}
          </div>
        )}
        <AutoReturnNotice d={d} />
        <article className="draft-body" data-testid="draft-body" data-field="body">
          <SafeContent
            nodes={body}
            highlights={[...highlightsFor(d.findings, 'body'), ...markHighlights(markList, d.currentRevision.id, 'body')]}
            onPick={jump}
            onPickMark={jumpToMark}
            selectable={canMark}
            onEnlarge={setEnlarged}
          />
        </article>
        {enlarged && (
          <div className="media-viewer" role="dialog" aria-label="原图" data-testid="media-viewer" onClick={() => setEnlarged(null)}>
            <img src={`/api/media/${enlarged}`} alt="原图" />
            <button type="button" className="media-viewer-close" onClick={() => setEnlarged(null)}>
              关闭
            </button>
          </div>
        )}
        <MediaFindings
          files={(d.currentRevision as { media?: MediaFileView[] }).media ?? []}
          findings={d.findings as unknown as MediaFindingView[]}
          picked={picked}
          onPick={jump}
          editing={
            d.allowedActions.includes('proofread') || d.allowedActions.includes('revise')
              ? {
                  draftId: d.id,
                  version: d.version,
                  stage: d.allowedActions.includes('proofread') ? (d.stage ?? undefined) : undefined,
                  revisionId: d.currentRevision.id,
                  canMark,
                  onChanged: (text) => {
                    setNotice({ kind: 'info', text });
                    void draft.reload();
                    void marks.reload();
                  },
                  onError: (text) => setNotice({ kind: 'error', text }),
                }
              : undefined
          }
        />
        <OriginBox d={d} />
        <RevisionDiff key={d.revisions.length} draftId={d.id} revisions={d.revisions} />
        <History d={d} />
      </div>
      <aside className="review-side">
        <ReviewPresence d={d} />
        <AuthorActions
          key={d.version}
          d={d}
          onChanged={(text) => {
            if (text) setNotice({ kind: 'info', text });
            void draft.reload();
          }}
        />
        {decisionActions.length > 0 && (
          <div className="card decide" data-testid="decide">
            <h3>审核结论 · {d.stageLabel}</h3>
            <textarea placeholder="审核意见（退回、否决时必填）" value={comment} onChange={(e) => setComment(e.target.value)} aria-label="审核意见" />
            <div className="buttons">
              {decisionActions.map((a) => (
                <button key={a} type="button" className={a === 'approve' ? 'primary' : a === 'reject' ? 'danger' : ''} disabled={busy} onClick={() => void decide(a)} data-action={a}>
                  {ACTION_LABELS[a]}
                </button>
              ))}
            </div>
          </div>
        )}
        {d.releaseGate.length > 0 && d.status === 'approved' && (
          <div className="card">
            <h3>发布条件未满足</h3>
            <ul>
              {d.releaseGate.map((g) => (
                <li key={g.code + g.message}>{g.message}</li>
              ))}
            </ul>
          </div>
        )}
        <ProofMarks
          d={d}
          marks={markList}
          canMark={canMark}
          selection={draftSelection.selection}
          clearSelection={draftSelection.clear}
          picked={pickedMark}
          onPick={jumpToMark}
          onChanged={(text, kind = 'info') => {
            if (text) setNotice({ kind, text });
            void marks.reload();
            void draft.reload();
          }}
        />
        <ResubmissionNote d={d} />
        <div className="card findings" data-testid="findings">
          <h3>
            机审问题 <span className="count">{d.findings.length}</span>
            <select value={severity} onChange={(e) => setSeverity(e.target.value)} aria-label="按级别筛选">
              <option value="">全部</option>
              <option value="block">阻断</option>
              <option value="review">需复核</option>
              <option value="info">提示</option>
            </select>
          </h3>
          {d.checkRuns.some((r) => r.status !== 'done') && <p className="muted">机审进行中：{d.checkRuns.filter((r) => r.status !== 'done').map((r) => r.check).join('、')}</p>}
          {findings.length === 0 && <p className="muted">无</p>}
          <ul>
            {findings.map((f) => (
              <FindingItem
                key={f.id}
                f={f}
                picked={picked === f.id}
                canWaive={f.waivable ?? (d.allowedActions.includes('waive') && f.severity === 'block' && !f.waived)}
                onJump={() => jump(f.id)}
                onWaive={(r) => void waive(f, r)}
                draftId={d.id}
                onAdopt={canMark && f.suggestion !== null && !markList.some((m) => m.findingId === f.id && m.status !== 'rejected') ? () => void adopt(f) : undefined}
              />
            ))}
          </ul>
        </div>
      </aside>
    </div>
  );
}

function latestDecision(decisions: readonly Decision[], stage: string | null): Decision | undefined {
  const atStage = decisions.filter((x) => x.stage === stage);
  return (atStage.length ? atStage : decisions)[(atStage.length ? atStage : decisions).length - 1];
}

function FindingItem({
  f,
  picked,
  canWaive,
  onJump,
  onWaive,
  onAdopt,
  draftId,
}: {
  draftId: string;
  f: Finding;
  picked: boolean;
  canWaive: boolean;
  onJump: () => void;
  onWaive: (reason: string) => void;
  onAdopt?: (() => void) | undefined;
}) {
  const [reason, setReason] = useState('');
  const [open, setOpen] = useState(false);
  return (
    <li className={`finding-item sev-${f.severity} ${picked ? 'picked' : ''} ${f.waived ? 'waived' : ''}`} data-finding-item={f.id}>
      <button type="button" className="link" onClick={onJump}>
        <span className={`badge ${categoryClass(f.category)}`}>{categoryLabel(f.category)}</span>
        <span className={`badge sev-${f.severity}`}>{SEVERITY_LABELS[f.severity]}</span>「{f.matched}」
      </button>
      <PolicyBadge f={f} />
      <div className="msg">{f.message}</div>
      {f.suggestion && (
        <div className="muted">
          建议：{f.suggestion}
          {onAdopt && (
            <button type="button" className="link" onClick={onAdopt} data-action="adopt-suggestion">
              采纳为校对标记
            </button>
          )}
        </div>
      )}
      <WaivedNote f={f} />
      <ReportFalseAlarm draftId={draftId} findingId={f.id} />
      {canWaive &&
        (open ? (
          <div className="waive">
            <input placeholder="豁免理由（必填）" value={reason} onChange={(e) => setReason(e.target.value)} aria-label="豁免理由" />
            <button type="button" disabled={!reason.trim()} onClick={() => onWaive(reason.trim())}>
              确认豁免
            </button>
          </div>
        ) : (
          <button type="button" className="link" onClick={() => setOpen(true)}>
            豁免…
          </button>
        ))}
    </li>
  );
}

function OriginBox({ d }: { d: DraftDetail }) {
  const o = d.currentRevision.origin as { kind?: string; sourceName?: string; sourceUrl?: string; originalAuthor?: string };
  const kinds: Record<string, string> = { original: '原创', repost: '转载', adapted: '改编' };
  return (
    <div className="card origin">
      <strong>来源：</strong>
      {kinds[o.kind ?? ''] ?? o.kind}
      {o.sourceName ? ` · ${o.sourceName}` : ''}
      {o.originalAuthor ? ` · 原作者 ${o.originalAuthor}` : ''}
      {o.sourceUrl ? ` · ${o.sourceUrl}` : ''}
      {d.currentRevision.assets.length > 0 && <span> · 素材 {d.currentRevision.assets.length} 项</span>}
    </div>
  );
}

function History({ d }: { d: DraftDetail }) {
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

/** 报告误报 (issue 11): any reader of the draft tells the rule's owners this finding was wrong; counted per rule. */
function ReportFalseAlarm({ draftId, findingId }: { draftId: string; findingId: string }) {
  const [open, setOpen] = useState(false);
  const [comment, setComment] = useState('');
  const [state, setState] = useState<'idle' | 'done' | string>('idle');
  if (state === 'done') return <div className="muted small" role="status">已报告误报，谢谢反馈</div>;
  const send = async () => {
    try {
      await api.post(`/api/drafts/${draftId}/findings/${findingId}/report`, { comment: comment.trim() });
      setState('done');
    } catch (e) {
      setState(e instanceof Error ? e.message : String(e));
    }
  };
  return open ? (
    <div className="waive report-form">
      <input placeholder="说明（选填）" value={comment} maxLength={500} onChange={(e) => setComment(e.target.value)} aria-label="误报说明" />
      <button type="button" onClick={() => void send()} data-action="report-confirm">
        确认报告
      </button>
      {state !== 'idle' && <div className="error">{state}</div>}
    </div>
  ) : (
    <button type="button" className="link report" onClick={() => setOpen(true)} data-action="report-false-alarm">
      报告误报
    </button>
  );
}
