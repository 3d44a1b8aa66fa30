import { useRef, useState } from 'react';
import { api, ApiError } from '../../api';
import { useResource } from '../../hooks';
import { ACTION_LABELS, formatTime, STAGE_LABELS } from '../../labels';
import { useLiveRefetch } from '../../live';
import type { Decision, DecisionAction, DraftDetail, Finding, ProofMark } from '../../../shared/api';

export interface Notice {
  kind: 'info' | 'error' | 'conflict';
  text: string;
}

/**
 * One draft on the review page: the draft and its 校对 marks over HTTP, refetched when a push says the draft
 * moved past the version shown (and on every reconnect), the page's notice line, and the reviewer's actions.
 */
export function useDraft(id: string) {
  const draft = useResource(() => api.get<DraftDetail>(`/api/drafts/${id}`), [id]);
  const marks = useResource(() => api.get<{ items: ProofMark[] }>(`/api/drafts/${id}/marks`), [id]);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [busy, setBusy] = useState(false);

  const version = useRef(0);
  version.current = draft.data?.version ?? 0;
  useLiveRefetch(
    () => {
      void draft.reload();
      void marks.reload();
    },
    (e) => e.id === id && e.version > version.current,
  );

  const d = draft.data;
  const markList = marks.data?.items ?? [];
  const failed = (error: unknown) => setNotice({ kind: 'error', text: error instanceof Error ? error.message : String(error) });

  /** Records a decision at the draft's stage; `recorded` runs as soon as the server has accepted it. */
  const decide = async (action: DecisionAction, comment: string, recorded: () => void): Promise<void> => {
    if (!d) return;
    if (action !== 'approve' && comment.trim() === '') {
      setNotice({ kind: 'error', text: `${ACTION_LABELS[action]}须填写审核意见` });
      return;
    }
    setBusy(true);
    setNotice(null);
    const stage = d.stage;
    try {
      await api.post(`/api/drafts/${d.id}/decisions`, { stage, action, comment: comment.trim(), version: d.version });
      recorded();
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
        failed(error);
      }
    } finally {
      setBusy(false);
    }
  };

  const waive = async (f: Finding, reason: string) => {
    if (!d) return;
    try {
      await api.post(`/api/drafts/${d.id}/findings/${f.id}/waive`, { reason, version: d.version });
      setNotice({ kind: 'info', text: '已豁免该问题' });
      await draft.reload();
    } catch (error) {
      failed(error);
      await draft.reload();
    }
  };

  /** A finding's suggestion as a 校对 correction mark. */
  const adopt = async (f: Finding) => {
    if (!d) return;
    try {
      await api.post(`/api/drafts/${d.id}/marks`, { revisionId: d.currentRevision.id, findingId: f.id });
      setNotice({ kind: 'info', text: `已将「${f.suggestion ?? ''}」作为修改建议加入校对标记` });
    } catch (error) {
      failed(error);
    }
    await marks.reload();
  };

  return {
    draft: d,
    error: draft.error,
    marks: markList,
    notice,
    setNotice,
    busy,
    decide,
    waive,
    adopt,
    reloadDraft: () => void draft.reload(),
    reloadMarks: () => void marks.reload(),
  };
}

function latestDecision(decisions: readonly Decision[], stage: string | null): Decision | undefined {
  const atStage = decisions.filter((x) => x.stage === stage);
  return (atStage.length ? atStage : decisions)[(atStage.length ? atStage : decisions).length - 1];
}
