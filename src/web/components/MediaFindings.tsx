import { useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../api';
import { formatTimecode } from '../../shared/labels';

/** The part of a finding this panel needs: findings inside a media file carry `source.field === 'media'`. */
export interface MediaFindingView {
  id: string;
  ruleId?: string;
  severity: 'block' | 'review' | 'info';
  category: string;
  message: string;
  matched: string;
  waived?: unknown;
  source: { field: string; media?: string; via?: string; box?: { x: number; y: number; width: number; height: number }; timeMs?: number };
}

export interface MediaFileView {
  hash: string;
  kind: 'image' | 'video' | 'audio';
}

/** What the viewer may do with the draft's pictures: edit as its author, or as the current stage's reviewer. */
export interface MediaEditing {
  draftId: string;
  version: number;
  /** Set for a proofreading edit at this stage; absent for the author's revision. */
  stage?: string | undefined;
  /** The revision on screen, and whether this viewer may add 校对标记 now (the server's `proofread` action). */
  revisionId: string;
  canMark: boolean;
  /** Called after a change so the page refetches. */
  onChanged: (message: string) => void;
  onError: (message: string) => void;
}

const VIA_LABEL: Record<string, string> = { ocr: '图中文字', qr: '二维码', exif: '元数据', file: '文件' };
const SEVERITY_LABEL = { block: '阻断', review: '需人工审核', info: '提示' } as const;

export const mediaUrl = (hash: string) => `/api/media/${hash}`;

const clock = formatTimecode;

/** One picture or video with a box drawn around each finding, and the findings listed under it. */
function MediaCard({
  file,
  findings,
  picked,
  onPick,
  editing,
}: {
  file: MediaFileView;
  findings: MediaFindingView[];
  picked: string | null;
  onPick: (id: string) => void;
  editing?: MediaEditing | undefined;
}) {
  const [size, setSize] = useState<{ width: number; height: number } | null>(null);
  const [busy, setBusy] = useState(false);
  const [keyframes, setKeyframes] = useState<number[]>([]);
  const video = useRef<HTMLVideoElement>(null);
  const hasMetadata = findings.some((f) => f.ruleId?.startsWith('media:exif-'));
  useEffect(() => {
    if (file.kind !== 'video') return;
    let live = true;
    api
      .get<{ analysis: { keyframes?: number[] } | null }>(`/api/media/${file.hash}/analysis`)
      .then((r) => live && setKeyframes(r.analysis?.keyframes ?? []))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [file.hash, file.kind]);
  const [noting, setNoting] = useState(false);
  const [note, setNote] = useState('');
  const addMark = async () => {
    if (!editing || !note.trim()) return;
    setBusy(true);
    try {
      const timeMs = file.kind === 'image' ? undefined : Math.round(video.current?.currentTime ?? 0) * 1000;
      await api.post(`/api/drafts/${editing.draftId}/marks`, {
        revisionId: editing.revisionId,
        source: { field: 'media', media: file.hash, ...(timeMs !== undefined ? { timeMs } : {}) },
        note: note.trim(),
      });
      setNote('');
      setNoting(false);
      editing.onChanged(timeMs !== undefined ? `已在 ${clock(timeMs)} 处添加批注` : '已对图片添加批注');
    } catch (e) {
      editing.onError(e instanceof ApiError ? e.message : '添加批注失败');
    } finally {
      setBusy(false);
    }
  };
  const strip = async () => {
    if (!editing) return;
    if (!window.confirm('去除这张图片的元数据（GPS 位置、相机序列号、作者等）？将生成新版本，图片像素不变。')) return;
    setBusy(true);
    try {
      await api.post(`/api/drafts/${editing.draftId}/media/${file.hash}/strip-metadata`, { version: editing.version, ...(editing.stage ? { stage: editing.stage } : {}) });
      editing.onChanged('已去除图片元数据，生成新版本，机审重新进行');
    } catch (e) {
      editing.onError(e instanceof ApiError ? e.message : '去除元数据失败');
    } finally {
      setBusy(false);
    }
  };
  const [now, setNow] = useState(0);
  // On a video a box belongs to its keyframe: shown while the player is within half a keyframe interval of it.
  const boxed = findings.filter((f) => f.source.box && (file.kind !== 'video' || f.source.timeMs === undefined || Math.abs(f.source.timeMs - now) < 2500));
  const seek = (ms: number | undefined) => {
    if (ms !== undefined && video.current) {
      video.current.currentTime = ms / 1000;
      video.current.pause();
    }
  };
  const pct = (v: number, of: number) => `${((100 * v) / of).toFixed(3)}%`;
  return (
    <figure className="media-card" data-media={file.hash}>
      <div className="media-frame">
        {file.kind === 'image' && <img src={mediaUrl(file.hash)} alt="稿件图片" onLoad={(e) => setSize({ width: e.currentTarget.naturalWidth, height: e.currentTarget.naturalHeight })} />}
        {file.kind === 'video' && (
          <video
            ref={video}
            src={mediaUrl(file.hash)}
            controls
            preload="metadata"
            onLoadedMetadata={(e) => setSize({ width: e.currentTarget.videoWidth, height: e.currentTarget.videoHeight })}
            onTimeUpdate={(e) => setNow(e.currentTarget.currentTime * 1000)}
            onSeeked={(e) => setNow(e.currentTarget.currentTime * 1000)}
          />
        )}
        {file.kind === 'audio' && <audio src={mediaUrl(file.hash)} controls preload="metadata" />}
        {size &&
          file.kind !== 'audio' &&
          boxed.map((f) => (
            <button
              type="button"
              key={f.id}
              className={`media-box sev-${f.waived ? 'waived' : f.severity}${picked === f.id ? ' picked' : ''}`}
              style={{ left: pct(f.source.box!.x, size.width), top: pct(f.source.box!.y, size.height), width: pct(f.source.box!.width, size.width), height: pct(f.source.box!.height, size.height) }}
              title={f.message}
              aria-label={`${SEVERITY_LABEL[f.severity]}：${f.message}`}
              onClick={() => {
                onPick(f.id);
                seek(f.source.timeMs);
              }}
            >
              {f.source.via === 'qr' && <span className="media-box-label">{f.matched}</span>}
            </button>
          ))}
      </div>
      {file.kind === 'video' && keyframes.length > 0 && (
        <div className="keyframe-strip" role="list" aria-label="关键帧">
          {keyframes.map((ms) => (
            <button
              type="button"
              role="listitem"
              key={ms}
              className={`keyframe${findings.some((f) => f.source.timeMs === ms) ? ' has-finding' : ''}`}
              onClick={() => seek(ms)}
              title={`跳到 ${clock(ms)}`}
            >
              <img src={`/api/media/${file.hash}/keyframes/${ms}`} alt={`${clock(ms)} 画面`} loading="lazy" />
              <span>{clock(ms)}</span>
            </button>
          ))}
        </div>
      )}
      <figcaption>
        {editing?.canMark && file.kind !== 'audio' && !noting && (
          <button type="button" className="media-note" onClick={() => setNoting(true)}>
            {file.kind === 'video' ? '在当前画面处加批注' : '对这张图片加批注'}
          </button>
        )}
        {noting && (
          <div className="media-note-form">
            <textarea value={note} onChange={(e) => setNote(e.target.value)} placeholder={file.kind === 'video' ? '批注内容（记在播放器当前时刻）' : '批注内容'} rows={2} maxLength={2000} />
            <button type="button" className="primary" disabled={busy || !note.trim()} onClick={() => void addMark()}>
              添加批注
            </button>
            <button type="button" onClick={() => setNoting(false)}>
              取消
            </button>
          </div>
        )}
        {hasMetadata && editing && (
          <button type="button" className="strip-metadata" disabled={busy} onClick={() => void strip()}>
            去除元数据
          </button>
        )}
        <ul className="media-findings">
          {findings.map((f) => (
            <li key={f.id} className={`finding-item${picked === f.id ? ' picked' : ''}${f.waived ? ' waived' : ''}`}>
              <button type="button" className="media-finding-button" onClick={() => (onPick(f.id), seek(f.source.timeMs))}>
                <span className={`badge sev-${f.severity}`}>{SEVERITY_LABEL[f.severity]}</span> <span className="badge">{VIA_LABEL[f.source.via ?? 'file'] ?? '文件'}</span>
                {f.source.timeMs !== undefined && <span className="badge">{clock(f.source.timeMs)}</span>} <span className="msg">{f.message}</span>
              </button>
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}

/**
 * What the checks found inside the draft's pictures and videos: each file with a box on every finding (click to
 * pick it, or for video to jump to its keyframe), QR code contents written next to the code. Files without
 * findings are not repeated here: the document shows them in place.
 */
export function MediaFindings({
  files,
  findings,
  picked,
  onPick,
  editing,
}: {
  files: readonly MediaFileView[];
  findings: readonly MediaFindingView[];
  picked: string | null;
  onPick: (id: string) => void;
  editing?: MediaEditing | undefined;
}) {
  const byFile = new Map<string, MediaFindingView[]>();
  for (const f of findings) {
    if (f.source.field !== 'media' || !f.source.media) continue;
    const list = byFile.get(f.source.media);
    if (list) list.push(f);
    else byFile.set(f.source.media, [f]);
  }
  // A reviewer who may mark sees every file (to comment on any of them); others see the files with findings.
  if (editing?.canMark) for (const f of files) if (!byFile.has(f.hash)) byFile.set(f.hash, []);
  if (byFile.size === 0) return null;
  const known = new Map(files.map((f) => [f.hash, f]));
  return (
    <section className="card media-panel" aria-label="图片与视频中的问题">
      <h3>图片与视频中的问题（{[...byFile.values()].reduce((n, l) => n + l.length, 0)}）</h3>
      {editing?.canMark && <p className="muted">可在图片上或视频的某一时刻添加批注，批注列在右侧「校对标记」中。</p>}
      {[...byFile].map(([hash, list]) => (
        <MediaCard key={hash} file={known.get(hash) ?? { hash, kind: 'image' }} findings={list} picked={picked} onPick={onPick} editing={editing} />
      ))}
    </section>
  );
}
