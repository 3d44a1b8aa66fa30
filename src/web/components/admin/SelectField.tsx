import type { ChangeEvent } from 'react';

/** What a select offers: a label table (value → label) or records with an id and a name (units, platforms). */
export type Choices = Readonly<Record<string, string>> | ReadonlyArray<{ id: string; name: string }>;

/** The options of a select, in the table's order. */
export function Options({ choices }: { choices: Choices }) {
  const entries: Array<[string, string]> = Array.isArray(choices) ? choices.map((c) => [c.id, c.name]) : Object.entries(choices);
  return (
    <>
      {entries.map(([value, label]) => (
        <option key={value} value={value}>
          {label}
        </option>
      ))}
    </>
  );
}

/** A labelled select of filters and forms; `all` adds a first option with the empty value (全部, 全校 …). */
export function SelectField({
  label,
  name,
  value,
  onChange,
  choices,
  all,
  disabled,
  ariaLabel,
}: {
  label: string;
  name?: string | undefined;
  value: string;
  onChange: (e: ChangeEvent<HTMLSelectElement>) => void;
  choices: Choices;
  all?: string | undefined;
  disabled?: boolean | undefined;
  /** For a select whose visible label is not enough (screen readers, tests). */
  ariaLabel?: string | undefined;
}) {
  return (
    <label>
      {label}
      <select name={name} value={value} onChange={onChange} disabled={disabled} aria-label={ariaLabel}>
        {all !== undefined && <option value="">{all}</option>}
        <Options choices={choices} />
      </select>
    </label>
  );
}
