import { useState, type FormEvent, type ReactNode } from 'react';
import { ErrorLine, messageOf } from './ErrorLine';

/**
 * The error and result lines of an admin page, and `run` for one action: clears both lines (unless told to keep
 * one), runs the work, and shows the server's message when it fails. The work sets the result line.
 */
export function useAdminAction() {
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const run = async (work: () => Promise<void>, options: { clearError?: boolean; clearDone?: boolean } = {}) => {
    if (options.clearError !== false) setError(null);
    if (options.clearDone !== false) setDone(null);
    try {
      await work();
    } catch (err) {
      setError(messageOf(err));
    }
  };
  return { error, done, setDone, setError, run };
}

/** The result line of an admin action. */
export function DoneLine({ done }: { done: string | null }) {
  return done ? <div className="notice notice-info">{done}</div> : null;
}

/** A list card: heading with a count, then whatever the page puts under it (filters, the result line, a table). */
export function ListCard({ title, count, children }: { title: string; count: number; children: ReactNode }) {
  return (
    <section className="card table-wrap">
      <h2>
        {title} <span className="count">{count}</span>
      </h2>
      {children}
    </section>
  );
}

/** A table with a header row; the rows are the children. */
export function DataTable({ testId, columns, children }: { testId: string; columns: readonly string[]; children: ReactNode }) {
  return (
    <table className="table" data-testid={testId}>
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c}>{c}</th>
          ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}

/** A form card beside a list: title, the fields (children), the error and result lines, and its submit button. */
export function FormCard({
  title,
  submitLabel,
  onSubmit,
  error,
  done,
  disabled,
  children,
}: {
  title: string;
  submitLabel: string;
  onSubmit: (e: FormEvent<HTMLFormElement>) => Promise<void>;
  error: string | null;
  done: string | null;
  disabled?: boolean | undefined;
  children: ReactNode;
}) {
  return (
    <form className="card" onSubmit={(e) => void onSubmit(e)} aria-label={title}>
      <h3>{title}</h3>
      {children}
      <ErrorLine error={error} />
      <DoneLine done={done} />
      <button type="submit" className="primary" disabled={disabled}>
        {submitLabel}
      </button>
    </form>
  );
}
