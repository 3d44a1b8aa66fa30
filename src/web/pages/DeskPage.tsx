import { DRAFT_GENRES } from '../../shared/genres';
import { useState, type FormEvent } from 'react';
import { api, ApiError, qs } from '../api';
import { useSession } from '../session';
import { useResource } from '../hooks';
import { formatTime, STATUS_LABELS, STAGE_LABELS } from '../labels';
import { RichEditor, type PendingImageItem } from '../components/RichEditor';
import { renderArticle } from '../../shared/document/render';
import { useLiveRefetch } from '../live';
import { totalLabel, useCursorList } from '../paging';
import { navigate } from '../router';
import type { DraftListItem, Platform } from '../../shared/api';
import { ReturnedFindings } from '../components/ReviewRules';

interface Submitted {
  id: string;
  number: string;
}

export function DeskPage() {
  const { me } = useSession();
  const platforms = useResource(() => api.get<{ items: Platform[] }>('/api/admin/platforms'), []);
  const mine = useCursorList<DraftListItem & { authorId: string }>((cursor) => `/api/drafts${qs({ mine: 1, pageSize: 50, cursor })}`, []);
  useLiveRefetch(
    () => void mine.first.reload(),
    (e) => (mine.items.find((x) => x.id === e.id)?.version ?? Number.POSITIVE_INFINITY) < e.version,
  );
  // Own unit's platforms first (the form's default), then school-level ones (供稿); never another unit's.
  const usable = (platforms.data?.items ?? [])
    .filter((p) => p.level === 'school' || p.unitId === me.unitId)
    .sort((a, b) => Number(b.unitId === me.unitId && b.level !== 'school') - Number(a.unitId === me.unitId && a.level !== 'school'));
  const own = mine.items.filter((d) => d.authorId === me.id);

  return (
    <div className="desk">
      <SubmitForm platforms={usable} onDone={(s) => navigate(`/drafts/${s.id}`)} />
      <section className="card">
        <h2>我的稿件</h2>
        <table className="table" data-testid="my-drafts">
          <thead>
            <tr>
              <th>编号</th>
              <th>标题</th>
              <th>平台</th>
              <th>状态</th>
              <th>投稿时间</th>
            </tr>
          </thead>
          <tbody>
            {own.map((d) => (
              <tr key={d.id} data-testid="my-draft" data-status={d.status}>
                <td>
                  <a href={`#/drafts/${d.id}`}>{d.number}</a>
                </td>
                <td>
                  {d.title}
                  {d.status === 'returned' && <ReturnedFindings key={d.version} id={d.id} />}
                </td>
                <td>{d.platformName}</td>
                <td>
                  {STATUS_LABELS[d.status] ?? d.status}
                  {d.stage ? ` · ${STAGE_LABELS[d.stage] ?? d.stage}` : ''}
                </td>
                <td>{formatTime(d.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {mine.first.data && own.length === 0 && <p className="empty">还没有投稿</p>}
        <div className="list-footer">
          <span>{totalLabel(mine.first.data)}</span>
          {mine.hasMore && (
            <button type="button" onClick={() => void mine.more()} disabled={mine.loading} data-testid="desk-more">
              {mine.loading ? '加载中…' : '加载更多'}
            </button>
          )}
          {mine.error && <span className="error">加载失败：{mine.error.message}</span>}
        </div>
      </section>
    </div>
  );
}

function SubmitForm({ platforms, onDone }: { platforms: Platform[]; onDone: (s: Submitted) => void }) {
  const [title, setTitle] = useState('');
  const [body, setBody] = useState('');
  const [format, setFormat] = useState('markdown');
  const [platformId, setPlatformId] = useState('');
  const [originKind, setOriginKind] = useState('original');
  const [sourceName, setSourceName] = useState('');
  const [sourceUrl, setSourceUrl] = useState('');
  const [originalAuthor, setOriginalAuthor] = useState('');
  const [originalTitle, setOriginalTitle] = useState('');
  const [rightsHolder, setRightsHolder] = useState('');
  const [originalText, setOriginalText] = useState('');
  const [major, setMajor] = useState(false);
  const [genre, setGenre] = useState('');
  const [assets, setAssets] = useState<Array<{ kind: string; name: string; licence: string; media?: string }>>([]);
  const [richHtml, setRichHtml] = useState('');
  const [pendingImages, setPendingImages] = useState<PendingImageItem[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // One key per form fill: a double click or a retry after a timeout cannot create two drafts.
  const [idempotencyKey, setKey] = useState(() => crypto.randomUUID());

  const effectivePlatform = platformId || platforms[0]?.id || '';
  const chosen = platforms.find((p) => p.id === effectivePlatform);
  const route = chosen?.level === 'school' ? '流程：初审 → 复审 → 终审 → 宣传部（学校一级平台：本单位审核后由宣传部终审）' : '流程：初审 → 复审 → 终审';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (format === 'rich' && pendingImages.length > 0) {
      // Never submitted without them and never as external addresses: the editor decides per picture.
      setError(`还有 ${pendingImages.length} 张图片须重新上传或删除后才能提交：${pendingImages.map((p) => p.label).join('、')}`);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const origin: Record<string, string> = { kind: originKind };
      if (originKind !== 'original') {
        if (sourceName) origin.sourceName = sourceName;
        if (sourceUrl) origin.sourceUrl = sourceUrl;
        if (originalAuthor) origin.originalAuthor = originalAuthor;
        if (originalTitle) origin.originalTitle = originalTitle;
        if (rightsHolder) origin.rightsHolder = rightsHolder;
        if (originKind === 'repost' && originalText.trim()) origin.originalText = originalText;
      }
      const payload = {
        platformId: effectivePlatform,
        title,
        // 图文编辑器 content is HTML referencing uploads as media:<hash>; the server canonicalises it.
        body: format === 'rich' ? richHtml : body,
        format: format === 'rich' ? 'html' : format,
        major,
        ...(genre ? { genre } : {}),
        origin,
        assets: assets
          .filter((a) => a.name.trim() || a.media)
          .map((a) => (a.media ? { media: a.media, licence: a.licence || null } : { kind: a.kind, name: a.name.trim(), licence: a.licence || null })),
      };
      const res = await fetch('/api/drafts', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': idempotencyKey },
        body: JSON.stringify(payload),
      });
      const json = (await res.json()) as Submitted & { error?: { code: string; message: string } };
      if (!res.ok) throw new ApiError(res.status, json.error?.code ?? 'http_error', json.error?.message ?? '投稿失败');
      setKey(crypto.randomUUID());
      onDone(json);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card submit-form" onSubmit={(e) => void submit(e)} aria-label="投稿">
      <h2>投稿</h2>
      <label>
        标题
        <input name="title" value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={500} />
      </label>
      <div className="row">
        <label>
          发布平台
          <select name="platform" value={effectivePlatform} onChange={(e) => setPlatformId(e.target.value)}>
            {platforms.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
                {p.level === 'school' ? '（学校一级）' : ''}
              </option>
            ))}
          </select>
          <span className="muted small" data-testid="submit-route">
            {chosen ? route : ''}
          </span>
        </label>
        <label>
          正文格式
          <select
            name="format"
            value={format}
            onChange={(e) => {
              // The editor starts empty when it comes back: what it held before must not be submitted unseen.
              setFormat(e.target.value);
              setRichHtml('');
              setPendingImages([]);
            }}
          >
            <option value="rich">图文编辑器</option>
            <option value="markdown">Markdown</option>
            <option value="html">HTML</option>
            <option value="text">纯文本</option>
          </select>
        </label>
        <label>
          来源
          <select name="originKind" value={originKind} onChange={(e) => setOriginKind(e.target.value)}>
            <option value="original">原创</option>
            <option value="repost">转载</option>
            <option value="adapted">改编</option>
          </select>
        </label>
        <label>
          体裁
          <select name="genre" value={genre} onChange={(e) => setGenre(e.target.value)} data-testid="submit-genre">
            <option value="">（未选）</option>
            {DRAFT_GENRES.map((g) => (
              <option key={g} value={g}>
                {g}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" name="major" checked={major} onChange={(e) => setMajor(e.target.checked)} /> 重大事项 / 突发事件
        </label>
      </div>
      {originKind !== 'original' && (
        <div className="row">
          <label>
            来源名称
            <input name="sourceName" value={sourceName} onChange={(e) => setSourceName(e.target.value)} />
          </label>
          <label>
            原文链接
            <input name="sourceUrl" value={sourceUrl} onChange={(e) => setSourceUrl(e.target.value)} />
          </label>
          <label>
            原作者
            <input name="originalAuthor" value={originalAuthor} onChange={(e) => setOriginalAuthor(e.target.value)} />
          </label>
          <label>
            原标题
            <input name="originalTitle" value={originalTitle} onChange={(e) => setOriginalTitle(e.target.value)} />
          </label>
          <label>
            权利人
            <input name="rightsHolder" value={rightsHolder} onChange={(e) => setRightsHolder(e.target.value)} />
          </label>
        </div>
      )}
      {originKind === 'repost' && (
        <label className="origin-fields">
          原文（粘贴原文全文；转载稿正文除标点、格式外须与原文一致，提交后不可修改）
          <textarea name="originalText" value={originalText} onChange={(e) => setOriginalText(e.target.value)} rows={6} />
        </label>
      )}
      {format === 'rich' ? (
        <div className="rich-with-preview">
          <div className="rich-pane">
            <span className="label">正文</span>
            <RichEditor
              onChange={(html, pending) => {
                setRichHtml(html);
                setPendingImages(pending);
              }}
              onUploaded={(m) => setAssets((list) => (list.some((a) => a.media === m.hash) ? list : [...list, { kind: m.kind, name: m.name, licence: '', media: m.hash }]))}
            />
          </div>
          <div className="preview-pane">
            <span className="label">预览（手机宽度，发布效果）</span>
            {/* The same renderer as GET /api/drafts/:id/preview: these are the bytes release would hand out. */}
            <iframe title="预览" data-testid="desk-preview" sandbox="allow-same-origin" srcDoc={renderArticle({ title: title || '（标题）', body: richHtml || '<p></p>', format: 'html' }).html} />
          </div>
        </div>
      ) : (
        <label>
          正文
          <textarea name="body" value={body} onChange={(e) => setBody(e.target.value)} required rows={12} />
        </label>
      )}
      <div className="assets">
        <span>素材及授权</span>
        {assets.map((a, i) => (
          <div className="row" key={i}>
            <select value={a.kind} onChange={(e) => setAssets(assets.map((x, k) => (k === i ? { ...x, kind: e.target.value } : x)))} aria-label="素材类型">
              <option value="image">图片</option>
              <option value="video">视频</option>
              <option value="audio">音频</option>
              <option value="font">字体</option>
            </select>
            <input placeholder="文件名" value={a.name} readOnly={!!a.media} title={a.media ? `已上传文件 ${a.media}` : undefined} onChange={(e) => setAssets(assets.map((x, k) => (k === i ? { ...x, name: e.target.value } : x)))} aria-label="素材文件名" />
            <select value={a.licence} onChange={(e) => setAssets(assets.map((x, k) => (k === i ? { ...x, licence: e.target.value } : x)))} aria-label="授权">
              <option value="">未声明</option>
              <option value="own_work">自有</option>
              <option value="authorized">已获授权</option>
              <option value="public_domain">公有领域</option>
              <option value="licensed">已购买许可</option>
            </select>
            <button type="button" className="link" onClick={() => setAssets(assets.filter((_, k) => k !== i))}>
              删除
            </button>
          </div>
        ))}
        <button type="button" className="link" onClick={() => setAssets([...assets, { kind: 'image', name: '', licence: '' }])}>
          + 添加素材
        </button>
      </div>
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      <button type="submit" className="primary" disabled={busy || platforms.length === 0}>
        {busy ? '提交中…' : '提交送审'}
      </button>
    </form>
  );
}
