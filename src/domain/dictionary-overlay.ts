/**
 * One admin change layered over the shipped dictionary files (a row of `dictionary_terms`): the repository stores it,
 * src/checks/dictionary/overlay.ts composes it into the dictionary sources.
 */
export interface OverlayTerm {
  /** File path of the list, e.g. `sensitive/politics.txt`, `whitelist.txt`, `cooccurrence.txt`. */
  list: string;
  /** The entry's key (first column). */
  term: string;
  state: 'added' | 'removed';
  /** `block` | `review` | `info` | `-` (lists with a severity column). */
  severity: string;
  note: string;
  /**
   * Term lists: comma-separated flags as in the files (`py,seg`). Lists with more columns keep them here as
   * TAB-separated `name=value` fields (no column may contain a TAB): pairs `right=安装`; titles
   * `titles=校长|党委副书记`; co-occurrence `category=…`, `termsA=…|…`, `termsB=…|…`, `window=N`.
   */
  flags: string;
}
