import { useState, type ReactNode } from 'react';

/**
 * A modal confirmation for anything that cannot be undone from where it is done (停用, 重置密码, 强制下线): states
 * what will happen, optionally asks for a reason, and only the explicit confirm button acts.
 */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  reason,
  onConfirm,
  onCancel,
}: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  /** Label of a required reason field (sent to onConfirm). */
  reason?: string;
  onConfirm: (reason: string) => void | Promise<void>;
  onCancel: () => void;
}) {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const ready = !reason || text.trim().length > 0;
  return (
    <div className="modal-backdrop" onClick={onCancel}>
      <div className="card modal" role="alertdialog" aria-modal="true" aria-label={title} onClick={(e) => e.stopPropagation()}>
        <h3>{title}</h3>
        <div className="modal-body">{children}</div>
        {reason && (
          <label>
            {reason}
            <input name="reason" value={text} onChange={(e) => setText(e.target.value)} maxLength={500} autoFocus required />
          </label>
        )}
        <div className="buttons">
          <button
            type="button"
            className="danger"
            data-action="confirm"
            disabled={!ready || busy}
            onClick={() => {
              setBusy(true);
              void Promise.resolve(onConfirm(text.trim())).finally(() => setBusy(false));
            }}
          >
            {confirmLabel}
          </button>
          <button type="button" onClick={onCancel} data-action="cancel">
            取消
          </button>
        </div>
      </div>
    </div>
  );
}
