import { EditorContent, useEditor, type Editor } from '@tiptap/react';
import StarterKit from '@tiptap/starter-kit';
import Image from '@tiptap/extension-image';
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

const MEDIA_SRC = /src="\/api\/media\/([0-9a-f]{64})"/g;
/** The editor shows uploaded images from /api/media/<hash>; the draft references them as media:<hash>. */
export const toMediaRefs = (html: string) => html.replace(MEDIA_SRC, 'src="media:$1"');

const extOf = (mime: string) => (mime.split('/')[1] ?? 'bin').replace('jpeg', 'jpg').replace(/[^a-z0-9]/g, '');

interface Props {
  onChange: (html: string) => void;
  onUploaded: (media: UploadedMedia) => void;
}

/**
 * 图文编辑器 (Tiptap/ProseMirror): headings, bold, italic, lists, quotes, links, images by button, drag-and-drop and
 * paste. Pasted images and `data:` pictures (Word, 秀米, 135编辑器 put them inline) become uploads; the structure of
 * pasted content is kept and the server canonicalises it like any HTML submission.
 */
export function RichEditor({ onChange, onUploaded }: Props) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(0);
  const fileInput = useRef<HTMLInputElement>(null);

  const insertFiles = async (editor: Editor, files: File[], at?: number) => {
    for (const file of files) {
      if (!/^(image|video|audio)\//.test(file.type)) continue;
      setBusy((n) => n + 1);
      try {
        const media = await uploadMedia(file, file.name || `pasted.${extOf(file.type)}`);
        onUploaded(media);
        const chain = editor.chain().focus();
        if (at !== undefined) chain.setTextSelection(at);
        chain.setImage({ src: `/api/media/${media.hash}`, alt: file.name.replace(/\.[^.]+$/, '') }).run();
        setError(null);
      } catch (e) {
        setError(e instanceof Error ? e.message : String(e));
      } finally {
        setBusy((n) => n - 1);
      }
    }
  };

  /** Pictures pasted inline as data: URIs are uploaded and their source replaced by the stored file. */
  const uploadInlineImages = async (editor: Editor) => {
    const found: Array<{ pos: number; src: string; alt: string }> = [];
    editor.state.doc.descendants((node, pos) => {
      if (node.type.name === 'image' && typeof node.attrs.src === 'string' && node.attrs.src.startsWith('data:')) found.push({ pos, src: node.attrs.src, alt: node.attrs.alt ?? '' });
    });
    for (const f of found) {
      setBusy((n) => n + 1);
      try {
        const blob = await (await fetch(f.src)).blob();
        const media = await uploadMedia(blob, `pasted.${extOf(blob.type)}`);
        onUploaded(media);
        editor.view.dispatch(editor.state.tr.setNodeMarkup(f.pos, undefined, { src: `/api/media/${media.hash}`, alt: f.alt }));
      } catch (e) {
        setError(`粘贴的图片未能上传：${e instanceof Error ? e.message : String(e)}`);
      } finally {
        setBusy((n) => n - 1);
      }
    }
  };

  const editor = useEditor({
    extensions: [StarterKit.configure({ link: { openOnClick: false, protocols: ['http', 'https', 'mailto'] } }), Image.configure({ allowBase64: true })],
    content: '',
    editorProps: {
      attributes: { class: 'rich-editor-content', 'data-testid': 'rich-editor', 'aria-label': '正文编辑器' },
      handlePaste: (view, event) => {
        const files = [...(event.clipboardData?.files ?? [])];
        if (files.length === 0 || !editorRef.current) return false;
        void insertFiles(editorRef.current, files);
        return true;
      },
      handleDrop: (view, event) => {
        const files = [...((event as DragEvent).dataTransfer?.files ?? [])];
        if (files.length === 0 || !editorRef.current) return false;
        const at = view.posAtCoords({ left: (event as DragEvent).clientX, top: (event as DragEvent).clientY })?.pos;
        event.preventDefault();
        void insertFiles(editorRef.current, files, at);
        return true;
      },
    },
    onUpdate: ({ editor: e }) => {
      onChange(toMediaRefs(e.getHTML()));
      if (e.getHTML().includes('src="data:')) void uploadInlineImages(e);
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
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}
