import { api } from '../../api';
import { useResource } from '../../hooks';
import { formatTime } from '../../labels';
import './records.css';

interface Verification {
  number: string;
  title: string;
  unit: string;
  platform: string;
  hash: string;
  releasedHash: string | null;
  released: boolean;
  releasedAt: string | null;
  releasedBy: string | null;
  hashMatches: boolean;
  everReleasedWithHash: boolean;
  trail: { ok: boolean; events: number };
}

/** What a 审稿单's QR code opens (after sign-in): does the trail verify, and is this hash the released one? */
export function VerifyPage({ id, hash }: { id: string; hash: string }) {
  const v = useResource(() => api.get<Verification>(`/api/drafts/${id}/release-verification?hash=${encodeURIComponent(hash)}`), [id, hash]);
  if (v.error) return <div className="error card">核验失败：{v.error.message}</div>;
  const d = v.data;
  if (!d) return <div className="loading">核验中…</div>;
  const ok = d.trail.ok && d.hashMatches;
  return (
    <div className="records">
      <div className="card verify-card" data-testid="verification" data-ok={ok ? 'yes' : 'no'}>
        <h2 style={{ marginTop: 0 }}>审稿单核验</h2>
        <div className={ok ? 'verify-ok' : 'verify-bad'}>{ok ? '✓ 核验通过：审计链完整，此哈希即发布内容的哈希' : '✗ 核验未通过'}</div>
        <dl className="kv" style={{ marginTop: 12 }}>
          <dt>稿件编号</dt>
          <dd>{d.number}</dd>
          <dt>标题</dt>
          <dd>{d.title}</dd>
          <dt>单位 / 平台</dt>
          <dd>
            {d.unit} / {d.platform}
          </dd>
          <dt>审计链</dt>
          <dd className={d.trail.ok ? '' : 'error'}>{d.trail.ok ? `完整（${d.trail.events} 条事件）` : '校验失败：记录可能被篡改'}</dd>
          <dt>审稿单哈希</dt>
          <dd className="hash">{d.hash}</dd>
          <dt>发布哈希</dt>
          <dd className={`hash${d.hashMatches ? '' : ' error'}`}>{d.releasedHash ?? '未发布'}</dd>
          <dt>发布</dt>
          <dd>{d.released ? `${d.releasedBy ?? ''} 于 ${formatTime(d.releasedAt!)}` : '尚未发布'}</dd>
          {!d.hashMatches && d.everReleasedWithHash && (
            <>
              <dt>说明</dt>
              <dd>此哈希曾经发布，但稿件后来已更正，当前发布内容不同。</dd>
            </>
          )}
        </dl>
        <p>
          <a href={`#/audit/${id}`}>查看完整审计轨迹</a>
        </p>
      </div>
    </div>
  );
}
