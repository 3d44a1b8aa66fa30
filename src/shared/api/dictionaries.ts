import type { IsoTime } from './people';
import type { Severity } from './content';

/** 词库 as the admin API sends it (src/services/dictionaries.service.ts builds these). */

export type DictionaryListFormat = 'terms' | 'whitelist' | 'pairs' | 'titles' | 'cooccurrence';

export interface DictionaryList {
  key: string;
  /** The list's group (sensitive, secrecy, proofreading, …). */
  kind: string;
  /** How its entries look (see DictionaryTerm). */
  format: DictionaryListFormat;
  category: string;
  label: string;
  file: string;
  terms: number;
  added: number;
  removed: number;
}

/** GET /api/admin/dictionaries */
export interface DictionaryOverview {
  version: string;
  changeId: number | null;
  lastChangedAt: IsoTime | null;
  lists: DictionaryList[];
}

interface ItemBase {
  /** The entry's key (first column of its line): what removal takes. */
  term: string;
  note: string;
  /** `baseline` = shipped file, `admin` = added through the API. */
  source: 'baseline' | 'admin';
  line: number;
}

/** One entry as the API shows it; the fields besides the base depend on the list's format. */
export type DictionaryTerm =
  | (ItemBase & { severity: Severity | null; flags: string[] })
  | (ItemBase & { wrong: string; right: string; severity: Severity })
  | (ItemBase & { name: string; titles: string[] })
  | (ItemBase & { id: string; category: string; severity: Severity; termsA: string[]; termsB: string[]; window: number });

/** GET /api/admin/dictionaries/:list/terms */
export interface DictionaryTermsPage {
  list: string;
  format: DictionaryListFormat;
  version: string;
  total: number;
  offset: number;
  limit: number;
  items: DictionaryTerm[];
}

/** What adding, removing or importing entries answers. */
export interface DictionaryChangeResult {
  list: string;
  changeId: number | null;
  version: string;
  added: number;
  removed: number;
  /** 回溯检查 started for the added entries (null: nothing added, or a list that is not rescanned). */
  rescanId: string | null;
}
