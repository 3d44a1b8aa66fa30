import { useRef, useState } from 'react';

/** The part of a finding this panel needs: findings inside a media file carry `source.field === 'media'`. */
export interface MediaFindingView {
  id: string;
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

const VIA_LABEL: Record<string, string> = { ocr: '图中文字', qr: '二维码', exif: '元数据', file: '文件' };
const SEVERITY_LABEL = { block: '阻断', review: '需人工审核', info: '提示' } as const;

export const mediaUrl = (hash: string) => `/api/media/${hash}`;

const clock = (ms: number) => {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

/** One picture or video with a box drawn around each finding, and the findings listed under it. */
function MediaCard({ file, findings, picked, onPick }: { file: MediaFileView; findings: MediaFindingView[]; picked: string | null; onPick: (id: string) => void }) {
  const [size, setSize] = useState<{ width: number; height: number } | null>(null);
  const video = useRef<HTMLVideoElement>(null);
  const boxed = findings.filter((f) => f.source.box);
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
        {file.kind === 'image' && (
          <img src={mediaUrl(file.hash)} alt="稿件图片" onLoad={(e) => setSize({ width: e.currentTarget.naturalWidth, height: e.currentTarget.naturalHeight })} />
        )}
        {file.kind === 'video' && (
          <video ref={video} src={mediaUrl(file.hash)} controls preload="metadata" onLoadedMetadata={(e) => setSize({ width: e.currentTarget.videoWidth, height: e.currentTarget.videoHeight })} />
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
      <figcaption>
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
export function MediaFindings({ files, findings, picked, onPick }: { files: readonly MediaFileView[]; findings: readonly MediaFindingView[]; picked: string | null; onPick: (id: string) => void }) {
  const byFile = new Map<string, MediaFindingView[]>();
  for (const f of findings) {
    if (f.source.field !== 'media' || !f.source.media) continue;
    const list = byFile.get(f.source.media);
    if (list) list.push(f);
    else byFile.set(f.source.media, [f]);
  }
  if (byFile.size === 0) return null;
  const known = new Map(files.map((f) => [f.hash, f]));
  return (
    <section className="card media-panel" aria-label="图片与视频中的问题">
      <h3>图片与视频中的问题（{[...byFile.values()].reduce((n, l) => n + l.length, 0)}）</h3>
      {[...byFile].map(([hash, list]) => (
        <MediaCard key={hash} file={known.get(hash) ?? { hash, kind: 'image' }} findings={list} picked={picked} onPick={onPick} />
      ))}
    </section>
  );
}
