import { ApiError } from '../../api';

/** One error line for a failed admin request (the server's message is already Chinese). */
export function ErrorLine({ error }: { error: string | null }) {
  if (!error) return null;
  return (
    <div className="error" role="alert">
      {error}
    </div>
  );
}

/** The server's message, with the field problems of a validation error when it lists them. */
export function messageOf(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const issues = e instanceof ApiError ? (e.details as { issues?: Array<{ path?: string; message?: string }> } | undefined)?.issues : undefined;
  if (!Array.isArray(issues) || issues.length === 0 || issues.some((i) => typeof (i as { line?: unknown }).line === 'number')) return e.message;
  return `${e.message}：${issues.map((i) => (i.path ? `${i.path} ${i.message ?? ''}` : (i.message ?? ''))).join('；')}`;
}
