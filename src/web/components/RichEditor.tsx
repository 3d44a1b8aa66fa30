import { EditorContent, Node, useEditor, type Editor } from '@tiptap/react';
import StarterKit from '@tiptap/starter-kit';
import Image from '@tiptap/extension-image';
import { TableKit } from '@tiptap/extension-table';
import TextAlign from '@tiptap/extension-text-align';
import { cleanPastedHtml, editorHtmlToBody, onlyPictures, pendingLabel, pendingReason, type PendingImage } from './paste-clean';
import { useRef, useState } from 'react';

export interface UploadedMedia {
  hash: string;
  kind: 'image' | 'video' | 'audio';
  mime: string;
  name: string;
}

/** Uploads one file to POST /api/media (multipart, field `file`). */
export async function uploadMedia(file: Blob, name: string): Promise<UploadedMedia> {
  const form = new FormData();
  form.append('file', file, name);
  const res = await fetch('/api/media', { method: 'POST', credentials: 'same-origin', body: form });
  const json = (await res.json()) as { hash: string; kind: UploadedMedia['kind']; mime: string; error?: { message: string } };
  if (!res.ok) throw new Error(json.error?.message ?? `上传失败（${res.status}）`);
  return { hash: json.hash, kind: json.kind, mime: json.mime, name };
}

const extOf = (mime: string) => (mime.split('/')[1] ?? 'bin').replace('jpeg', 'jpg').replace(/[^a-z0-9]/g, '');

/** A `data:` picture's bytes, decoded here (the page's CSP rightly forbids fetching a data: URL). */
function dataUriBlob(src: string): Blob {
  const m = /^data:([^;,]+)(;base64)?,(.*)$/is.exec(src.trim());
  if (!m) throw new Error('无法读取内嵌图片');
  const payload = m[2] ? atob(m[3]!.replace(/\s+/g, '')) : decodeURIComponent(m[3]!);
  const bytes = new Uint8Array(payload.length);
  for (let i = 0; i < payload.length; i++) bytes[i] = payload.charCodeAt(i) & 0xff;
  return new Blob([bytes], { type: m[1]!.toLowerCase() });
}

/** A picture the paste could not bring in: shown as a marked box until it is uploaded again or deleted. */
const PendingImageNode = Node.create({
  name: 'pendingImage',
  group: 'block',
  atom: true,
  selectable: true,
  draggable: true,
  addAttributes() {
    const plain = (read: (el: HTMLElement) => string) => ({ default: '', parseHTML: read, renderHTML: () => ({}) });
    return {
      origin: plain((el) => el.getAttribute('data-pending-src') ?? el.getAttribute('data-pending-image') ?? ''),
      kind: plain((el) => el.getAttribute('data-pending-kind') ?? 'image'),
      alt: plain((el) => el.getAttribute('alt') ?? el.getAttribute('data-alt') ?? ''),
      reason: plain((el) => el.getAttribute('data-reason') ?? ''),
    };
  },
  parseHTML() {
    // Above the image node's `img[src]`: a pending picture has no src at all.
    return [{ tag: 'img[data-pending-src]', priority: 100 }, { tag: 'div[data-pending-image]', priority: 100 }];
  },
  renderHTML({ node }) {
    const a = node.attrs as PendingImage & { reason: string };
    return [
      'div',
      { 'data-pending-image': a.origin, 'data-pending-kind': a.kind, 'data-alt': a.alt, 'data-reason': a.reason, class: 'pending-image', contenteditable: 'false' },
      `⚠ ${a.kind === 'background' ? '背景图' : '图片'}待重新上传：${pendingLabel(a.origin)}${a.alt ? `（${a.alt}）` : ''}`,
    ];
  },
});

export interface PendingImageItem extends PendingImage {
  label: string;
  reason: string;
}

function pendingOf(editor: Editor): PendingImageItem[] {
  const out: PendingImageItem[] = [];
  editor.state.doc.descendants((node) => {
    if (node.type.name !== 'pendingImage') return;
    const a = node.attrs as PendingImage & { reason: string };
    out.push({ origin: a.origin, kind: a.kind, alt: a.alt, label: pendingLabel(a.origin), reason: a.reason || pendingReason(a.origin) });
  });
  return out;
}

/** Position of the k-th pending picture. */
function pendingAt(editor: Editor, k: number): { pos: number; size: number; alt: string } | null {
  let seen = 0;
  let found: { pos: number; size: number; alt: string } | null = null;
  editor.state.doc.descendants((node, pos) => {
    if (found) return false;
    if (node.type.name !== 'pendingImage') return;
    if (seen++ === k) found = { pos, size: node.nodeSize, alt: String(node.attrs.alt ?? '') };
  });
  return found;
}

const imageFiles = (list: FileList | undefined | null) => [...(list ?? [])];

interface Props {
  /** The body to submit (HTML, pictures as media:<hash>) and the pictures still to be uploaded again. */
  onChange: (html: string, pending: PendingImageItem[]) => void;
  onUploaded: (media: UploadedMedia) => void;
}

/**
 * 图文编辑器 (Tiptap/ProseMirror): headings, bold, italic, alignment, lists, quotes, tables, links, images by button,
 * drag-and-drop and paste. Pasted picture files and `data:` pictures (Word, 秀米, 135编辑器 put them inline) become
 * uploads; pictures at addresses the system cannot read (mmbiz.qpic.cn, Word's file:///) are listed for re-upload,
 * never fetched and never submitted. The structure of pasted content is kept and the server canonicalises it like
 * any HTML submission.
 */
export function RichEditor({ onChange, onUploaded }: Props) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(0);
  const [pending, setPending] = useState<PendingImageItem[]>([]);
  const fileInput = useRef<HTMLInputElement>(null);
  const replaceInput = useRef<HTMLInputElement>(null);
  const replacing = useRef<number>(-1);
  const inflight = useRef(new Set<string>());

  const insertFiles = async (editor: Editor, files: File[], at?: number) => {
    for (const file of files) {
      if (!/^image\//.test(file.type)) {
        setError(`「${file.name || file.type || '文件'}」不是图片：图文编辑器只插入图片（视频、音频请以 HTML 格式引用 media:<哈希>）`);
        continue;
      }
      setBusy((n) => n + 1);
      try {
        const media = await uploadMedia(file, file.name || `pasted.${extOf(file.type)}`);
        onUploaded(media);
        const chain = editor.chain().focus();
        if (at !== undefined) chain.setTextSelection(at);
        chain.setImage({ src: `/api/media/${media.hash}`, alt: file.name.replace(/\.[^.]+$/, '') }).run();
        // Several files dropped at one point go in the order they were dropped.
        if (at !== undefined) at = editor.state.selection.to;
        setError(null);
      } catch (e) {
        setError(`「${file.name || '图片'}」未能上传：${e instanceof Error ? e.message : String(e)}`);
      } finally {
        setBusy((n) => n - 1);
      }
    }
  };

  /** Pictures pasted inline as data: URIs are uploaded and their source replaced by the stored file. */
  const uploadInlineImages = async (editor: Editor) => {
    const srcs = new Set<string>();
    editor.state.doc.descendants((node) => {
      const src = node.attrs.src;
      if (node.type.name === 'image' && typeof src === 'string' && src.startsWith('data:') && !inflight.current.has(src)) srcs.add(src);
    });
    for (const src of srcs) {
      inflight.current.add(src);
      setBusy((n) => n + 1);
      let replacement: { src: string } | { reason: string };
      try {
        const blob = dataUriBlob(src);
        const media = await uploadMedia(blob, `pasted.${extOf(blob.type)}`);
        onUploaded(media);
        replacement = { src: `/api/media/${media.hash}` };
      } catch (e) {
        replacement = { reason: `内嵌图片未能上传：${e instanceof Error ? e.message : String(e)}` };
      } finally {
        setBusy((n) => n - 1);
      }
      // Found again by source: the document may have changed while the upload ran.
      const tr = editor.state.tr;
      editor.state.doc.descendants((node, pos) => {
        if (node.type.name !== 'image' || node.attrs.src !== src) return;
        if ('src' in replacement) tr.setNodeMarkup(pos, undefined, { ...node.attrs, src: replacement.src });
        else tr.replaceWith(tr.mapping.map(pos), tr.mapping.map(pos + node.nodeSize), editor.schema.nodes.pendingImage!.create({ origin: src.slice(0, src.indexOf(',') > 0 ? Math.min(src.indexOf(','), 60) : 60), kind: 'image', alt: node.attrs.alt ?? '', reason: replacement.reason }));
      });
      if (tr.docChanged) editor.view.dispatch(tr);
      inflight.current.delete(src);
    }
  };

  const replacePending = async (editor: Editor, k: number, file: File) => {
    const at = pendingAt(editor, k);
    if (!at) return;
    setBusy((n) => n + 1);
    try {
      const media = await uploadMedia(file, file.name || `image.${extOf(file.type)}`);
      onUploaded(media);
      const now = pendingAt(editor, k);
      if (now) editor.view.dispatch(editor.state.tr.replaceWith(now.pos, now.pos + now.size, editor.schema.nodes.image!.create({ src: `/api/media/${media.hash}`, alt: now.alt || file.name.replace(/\.[^.]+$/, '') })));
      setError(null);
    } catch (e) {
      setError(`「${file.name}」未能上传：${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setBusy((n) => n - 1);
    }
  };

  const removePending = (editor: Editor, k: number) => {
    const at = pendingAt(editor, k);
    if (at) editor.view.dispatch(editor.state.tr.delete(at.pos, at.pos + at.size));
  };

  const editor = useEditor({
    extensions: [
      StarterKit.configure({ link: { openOnClick: false, protocols: ['http', 'https', 'mailto'] } }),
      Image.configure({ allowBase64: true }),
      PendingImageNode,
      TextAlign.configure({ types: ['heading', 'paragraph'], alignments: ['left', 'center', 'right', 'justify'] }),
      TableKit.configure({ table: { resizable: false } }),
    ],
    content: '',
    editorProps: {
      attributes: { class: 'rich-editor-content', 'data-testid': 'rich-editor', 'aria-label': '正文编辑器' },
      transformPastedHTML: (html) => cleanPastedHtml(html),
      handlePaste: (view, event) => {
        const files = imageFiles(event.clipboardData?.files);
        const html = event.clipboardData?.getData('text/html') ?? '';
        // Word also puts a picture of the whole selection on the clipboard: with text in the HTML, the HTML wins.
        if (files.length === 0 || (html && !onlyPictures(html)) || !editorRef.current) return false;
        void insertFiles(editorRef.current, files);
        return true;
      },
      handleDrop: (view, event, _slice, moved) => {
        const dt = (event as DragEvent).dataTransfer;
        const files = imageFiles(dt?.files);
        const html = dt?.getData('text/html') ?? '';
        if (moved || files.length === 0 || (html && !onlyPictures(html)) || !editorRef.current) return false;
        const at = view.posAtCoords({ left: (event as DragEvent).clientX, top: (event as DragEvent).clientY })?.pos;
        event.preventDefault();
        void insertFiles(editorRef.current, files, at);
        return true;
      },
    },
    onUpdate: ({ editor: e }) => {
      const html = e.getHTML();
      const list = pendingOf(e);
      setPending(list);
      onChange(editorHtmlToBody(html), list);
      if (html.includes('src="data:')) void uploadInlineImages(e);
    },
  });
  const editorRef = useRef<Editor | null>(null);
  editorRef.current = editor;

  if (!editor) return null;
  const button = (label: string, active: boolean, run: () => void, name: string) => (
    <button type="button" className={active ? 'active' : ''} onMouseDown={(e) => e.preventDefault()} onClick={run} data-tool={name} aria-pressed={active}>
      {label}
    </button>
  );
  return (
    <div className="rich-editor">
      <div className="rich-toolbar" role="toolbar" aria-label="格式">
        {button('标题', editor.isActive('heading', { level: 2 }), () => editor.chain().focus().toggleHeading({ level: 2 }).run(), 'h2')}
        {button('小标题', editor.isActive('heading', { level: 3 }), () => editor.chain().focus().toggleHeading({ level: 3 }).run(), 'h3')}
        {button('加粗', editor.isActive('bold'), () => editor.chain().focus().toggleBold().run(), 'bold')}
        {button('斜体', editor.isActive('italic'), () => editor.chain().focus().toggleItalic().run(), 'italic')}
        {button('居中', editor.isActive({ textAlign: 'center' }), () => (editor.isActive({ textAlign: 'center' }) ? editor.chain().focus().unsetTextAlign().run() : editor.chain().focus().setTextAlign('center').run()), 'center')}
        {button('列表', editor.isActive('bulletList'), () => editor.chain().focus().toggleBulletList().run(), 'ul')}
        {button('编号', editor.isActive('orderedList'), () => editor.chain().focus().toggleOrderedList().run(), 'ol')}
        {button('引用', editor.isActive('blockquote'), () => editor.chain().focus().toggleBlockquote().run(), 'quote')}
        {button(
          '链接',
          editor.isActive('link'),
          () => {
            const href = window.prompt('链接地址（http/https）', editor.getAttributes('link').href ?? 'https://');
            if (href === null) return;
            if (href === '') editor.chain().focus().unsetLink().run();
            else editor.chain().focus().extendMarkRange('link').setLink({ href }).run();
          },
          'link',
        )}
        {button('表格', editor.isActive('table'), () => editor.chain().focus().insertTable({ rows: 3, cols: 3, withHeaderRow: true }).run(), 'table')}
        {button('图片', false, () => fileInput.current?.click(), 'image')}
        <input
          ref={fileInput}
          type="file"
          accept="image/png,image/jpeg,image/gif,image/webp"
          hidden
          data-testid="image-file"
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            e.target.value = '';
            void insertFiles(editor, files);
          }}
        />
        {busy > 0 && <span className="muted">上传中…</span>}
      </div>
      <EditorContent editor={editor} />
      <input
        ref={replaceInput}
        type="file"
        accept="image/png,image/jpeg,image/gif,image/webp"
        hidden
        data-testid="pending-file"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (file && replacing.current >= 0) void replacePending(editor, replacing.current, file);
        }}
      />
      {pending.length > 0 && (
        <div className="pending-images" role="alert" data-testid="pending-images">
          <strong>
            有 {pending.length} 张图片未能随粘贴内容带入，须重新上传：
          </strong>
          <span className="muted small">系统不抓取外部网络地址，浏览器也读不到本机文件；请从原稿另存图片后点「上传替换」，不需要的图片可删除。处理完之前不能提交。</span>
          <ol>
            {pending.map((p, k) => (
              <li key={k} data-testid="pending-image-item">
                <span className="pending-name">{p.kind === 'background' ? '背景图 ' : ''}{p.label}</span>
                {p.alt && <span>（{p.alt}）</span>}
                <span className="muted small">：{p.reason}</span>
                <button
                  type="button"
                  className="link"
                  onClick={() => {
                    replacing.current = k;
                    replaceInput.current?.click();
                  }}
                >
                  上传替换
                </button>
                <button type="button" className="link" onClick={() => removePending(editor, k)}>
                  删除
                </button>
              </li>
            ))}
          </ol>
        </div>
      )}
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}
