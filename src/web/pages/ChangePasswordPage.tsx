import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api';

/** After an admin's password reset the session can only do this: set a new password (or sign out). */
export function ChangePasswordPage({ name, onChanged, onSignOut }: { name: string; onChanged: () => void; onSignOut: () => void }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (next !== again) return setError('两次输入的新密码不一致');
    setBusy(true);
    setError(null);
    try {
      await api.post('/api/auth/password', { currentPassword: current, newPassword: next });
      onChanged();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : '修改失败，请稍后再试');
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="login">
      <form onSubmit={(e) => void submit(e)} className="card login-card" aria-label="修改密码">
        <h1>请先修改密码</h1>
        <p className="muted">{name}，管理员已重置您的密码。设置新密码后才能继续使用系统（至少 8 位，含大写、小写、数字、符号中的三类）。</p>
        <label>
          临时密码
          <input name="currentPassword" type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} required />
        </label>
        <label>
          新密码
          <input name="newPassword" type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} required minLength={8} />
        </label>
        <label>
          再次输入新密码
          <input name="newPasswordAgain" type="password" autoComplete="new-password" value={again} onChange={(e) => setAgain(e.target.value)} required minLength={8} />
        </label>
        {error && (
          <div className="error" role="alert">
            {error}
          </div>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? '保存中…' : '修改密码'}
        </button>
        <button type="button" className="link" onClick={onSignOut}>
          退出登录
        </button>
      </form>
    </div>
  );
}
