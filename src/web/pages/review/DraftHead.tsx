import { markHighlights } from '../../components/ProofMarks';
import { RouteLine } from '../../components/ReviewRules';
import { STAGE_LABELS } from '../../labels';
import { parseBody } from '../../render/safe-content';
import { SafeContent } from '../../render/SafeContent';
import type { DraftDetail, ProofMark } from '../../../shared/api';
import { highlightsFor } from './highlights';

/** Number, version, author, the highlighted title, the status and route line and the draft's links. */
export function DraftHead({ d, marks, canMark, onPick, onPickMark }: { d: DraftDetail; marks: readonly ProofMark[]; canMark: boolean; onPick: (id: string) => void; onPickMark: (id: string) => void }) {
  const title = parseBody(d.currentRevision.title, 'text');
  return (
    <div className="draft-head">
      <div className="muted">
        <span className="number">{d.number}</span> · 版本 {d.version} · 第 {d.currentRevision.number} 稿 · 作者 {d.author.displayName}
        {' · 体裁 '}
        <span data-testid="draft-genre">{d.genre ?? '未选'}</span>
      </div>
      <h1 className="draft-title" data-field="title">
        <SafeContent
          nodes={title.flatMap((n) => (n.kind === 'element' ? n.children : [n]))}
          highlights={[...highlightsFor(d.findings, 'title'), ...markHighlights(marks, d.currentRevision.id, 'title')]}
          onPick={onPick}
          onPickMark={onPickMark}
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
  );
}
