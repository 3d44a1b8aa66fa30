/**
 * The HTTP API's response shapes, defined once: the presenters in src/http are annotated with them (so the
 * server is checked against them) and the web app imports them. Plain types, no runtime: the server produces
 * these values itself, so checking them at compile time is enough, and nothing here enters the browser bundle
 * but `inColumn` (and `iso`, which the server's presenters use).
 */
export * from './board';
export * from './content';
export * from './dictionaries';
export * from './drafts';
export * from './notifications';
export * from './people';
export * from './time';
