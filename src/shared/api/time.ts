/** An ISO 8601 instant as JSON carries it (`Date.toJSON()`). */
export type IsoTime = string;

/** A time as the API sends it: what `JSON.stringify` would make of a Date, made explicit so presenters are typed. */
export function iso(value: Date | string): IsoTime;
export function iso(value: Date | string | null): IsoTime | null;
export function iso(value: Date | string | null): IsoTime | null {
  return value === null ? null : value instanceof Date ? value.toISOString() : value;
}
