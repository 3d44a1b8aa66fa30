import { getFoldTable, getNoiseMask, type FoldMode } from '../text/fold';

/**
 * A typed-array Aho-Corasick automaton over UTF-16 code units that reports every occurrence of every key with
 * its start and end in the ORIGINAL text, optionally folding characters, skipping noise characters (bounded
 * gap) and collapsing repeated characters.
 *
 * Layout (all typed arrays, so a 100k-term automaton is a handful of flat buffers the GC never walks):
 *  - one Uint16Array(65536) maps a raw code unit straight to its dense alphabet code after folding (0 = not in
 *    any key, NOISE = skippable), so the hot loop does one table read per character;
 *  - the root's transitions are a dense Int32Array over the alphabet;
 *  - other transitions live in one open-addressing hash table keyed by (state, code);
 *  - failure links and "output links" (nearest failure ancestor that ends a key) are Int32Arrays.
 */

export interface AutomatonOptions {
  /** Character folding applied to keys and text alike. */
  fold: FoldMode;
  /** Skip noise characters between key characters. */
  noise: boolean;
  /** Longest run of noise characters a match may skip between two of its characters. */
  maxGap: number;
  /** Treat a run of the same (folded) character as one character, in keys and text. */
  collapseRepeats: boolean;
}

export const DEFAULT_AUTOMATON_OPTIONS: AutomatonOptions = { fold: 'full', noise: true, maxGap: 3, collapseRepeats: true };

/** Exact matching: no folding, no noise, no collapsing (what the differential test compares). */
export const EXACT_AUTOMATON_OPTIONS: AutomatonOptions = { fold: 'none', noise: false, maxGap: 0, collapseRepeats: false };

const NOISE = 0xffff;

/** Growable hit list: parallel arrays of start, end (exclusive) and key id. */
export class Hits {
  count = 0;
  start: Int32Array;
  end: Int32Array;
  key: Int32Array;
  constructor(capacity = 64) {
    this.start = new Int32Array(capacity);
    this.end = new Int32Array(capacity);
    this.key = new Int32Array(capacity);
  }
  push(start: number, end: number, key: number): void {
    if (this.count === this.start.length) this.grow();
    this.start[this.count] = start;
    this.end[this.count] = end;
    this.key[this.count] = key;
    this.count++;
  }
  private grow(): void {
    const cap = this.start.length * 2;
    const s = new Int32Array(cap);
    const e = new Int32Array(cap);
    const k = new Int32Array(cap);
    s.set(this.start);
    e.set(this.end);
    k.set(this.key);
    this.start = s;
    this.end = e;
    this.key = k;
  }
}

function hashSlot(state: number, code: number, mask: number): number {
  return (Math.imul(state, 0x9e3779b1) ^ Math.imul(code, 0x85ebca6b)) & mask;
}

export class Automaton {
  /** Key id for each input key (in input order); -1 when the key is empty after normalisation. */
  readonly keyIdOfInput: Int32Array;
  /** Normalised key strings by key id (folded, noise removed, repeats collapsed). */
  readonly keys: readonly string[];
  readonly options: AutomatonOptions;
  readonly stateCount: number;

  private readonly table: Uint16Array;
  private readonly rootNext: Int32Array;
  private readonly hState: Int32Array;
  private readonly hCode: Uint16Array;
  private readonly hNext: Int32Array;
  private readonly hMask: number;
  private readonly fail: Int32Array;
  private readonly keyOfState: Int32Array;
  private readonly outLink: Int32Array;
  private readonly keyLength: Int32Array;
  private readonly ringMask: number;

  private constructor(init: {
    keyIdOfInput: Int32Array;
    keys: string[];
    options: AutomatonOptions;
    stateCount: number;
    table: Uint16Array;
    rootNext: Int32Array;
    hState: Int32Array;
    hCode: Uint16Array;
    hNext: Int32Array;
    fail: Int32Array;
    keyOfState: Int32Array;
    outLink: Int32Array;
    keyLength: Int32Array;
    ringMask: number;
  }) {
    this.keyIdOfInput = init.keyIdOfInput;
    this.keys = init.keys;
    this.options = init.options;
    this.stateCount = init.stateCount;
    this.table = init.table;
    this.rootNext = init.rootNext;
    this.hState = init.hState;
    this.hCode = init.hCode;
    this.hNext = init.hNext;
    this.hMask = init.hState.length - 1;
    this.fail = init.fail;
    this.keyOfState = init.keyOfState;
    this.outLink = init.outLink;
    this.keyLength = init.keyLength;
    this.ringMask = init.ringMask;
  }

  /** Normalises one key the way `build` does (exposed so callers can reason about key identity). */
  static normalizeKey(key: string, options: AutomatonOptions): string {
    const fold = getFoldTable(options.fold);
    const noise = options.noise ? getNoiseMask() : undefined;
    let out = '';
    let prev = -1;
    for (let i = 0; i < key.length; i++) {
      const raw = key.charCodeAt(i);
      const f = fold ? fold[raw]! : raw;
      if (noise && noise[f] === 1) continue;
      if (options.collapseRepeats && f === prev) continue;
      prev = f;
      out += String.fromCharCode(f);
    }
    return out;
  }

  /** Builds the automaton for `inputKeys`. Equal normalised keys share one key id. */
  static build(inputKeys: readonly string[], options: AutomatonOptions = DEFAULT_AUTOMATON_OPTIONS): Automaton {
    const fold = getFoldTable(options.fold);
    const noise = options.noise ? getNoiseMask() : undefined;

    const keyIdOf = new Map<string, number>();
    const keys: string[] = [];
    const keyIdOfInput = new Int32Array(inputKeys.length);
    for (let i = 0; i < inputKeys.length; i++) {
      const k = Automaton.normalizeKey(inputKeys[i]!, options);
      if (k.length === 0) {
        keyIdOfInput[i] = -1;
        continue;
      }
      let id = keyIdOf.get(k);
      if (id === undefined) {
        id = keys.length;
        keys.push(k);
        keyIdOf.set(k, id);
      }
      keyIdOfInput[i] = id;
    }

    // Dense alphabet over folded code units that occur in keys.
    const codeOfFolded = new Uint16Array(65536);
    let alphabet = 0;
    let totalChars = 0;
    let maxLen = 1;
    for (const k of keys) {
      totalChars += k.length;
      if (k.length > maxLen) maxLen = k.length;
      for (let i = 0; i < k.length; i++) {
        const f = k.charCodeAt(i);
        if (codeOfFolded[f] === 0) codeOfFolded[f] = ++alphabet;
      }
    }
    if (alphabet >= NOISE) throw new Error('alphabet too large');
    const table = new Uint16Array(65536);
    for (let u = 0; u < 65536; u++) {
      const f = fold ? fold[u]! : u;
      table[u] = noise && noise[f] === 1 ? NOISE : codeOfFolded[f]!;
    }

    // Trie with first-child / next-sibling lists during the build (root children are dense).
    const cap = totalChars + 1;
    const firstChild = new Int32Array(cap).fill(-1);
    const nextSibling = new Int32Array(cap).fill(-1);
    const codeOfState = new Uint16Array(cap);
    const keyOfState = new Int32Array(cap).fill(-1);
    const depth = new Int32Array(cap);
    const rootNext = new Int32Array(alphabet + 1);
    let states = 1;
    for (let id = 0; id < keys.length; id++) {
      const k = keys[id]!;
      let s = 0;
      for (let i = 0; i < k.length; i++) {
        const c = codeOfFolded[k.charCodeAt(i)]!;
        let next = -1;
        if (s === 0) {
          next = rootNext[c]! > 0 ? rootNext[c]! : -1;
        } else {
          for (let t = firstChild[s]!; t !== -1; t = nextSibling[t]!) {
            if (codeOfState[t] === c) {
              next = t;
              break;
            }
          }
        }
        if (next === -1) {
          next = states++;
          codeOfState[next] = c;
          depth[next] = depth[s]! + 1;
          if (s === 0) rootNext[c] = next;
          else {
            nextSibling[next] = firstChild[s]!;
            firstChild[s] = next;
          }
        }
        s = next;
      }
      keyOfState[s] = id;
    }

    // Hash table for non-root transitions, load factor <= 0.5.
    let hSize = 16;
    while (hSize < states * 2) hSize *= 2;
    const hMask = hSize - 1;
    const hState = new Int32Array(hSize);
    const hCode = new Uint16Array(hSize);
    const hNext = new Int32Array(hSize);
    const lookup = (s: number, c: number): number => {
      if (s === 0) return rootNext[c]! > 0 ? rootNext[c]! : 0;
      for (let h = hashSlot(s, c, hMask); hState[h] !== 0; h = (h + 1) & hMask) {
        if (hState[h] === s && hCode[h] === c) return hNext[h]!;
      }
      return -1;
    };

    // BFS: failure links, output links, and hash-table fill in one pass.
    const fail = new Int32Array(states);
    const outLink = new Int32Array(states).fill(-1);
    const queue = new Int32Array(states);
    let qHead = 0;
    let qTail = 0;
    for (let c = 1; c <= alphabet; c++) {
      const t = rootNext[c]!;
      if (t > 0) {
        fail[t] = 0;
        queue[qTail++] = t;
      }
    }
    while (qHead < qTail) {
      const s = queue[qHead++]!;
      for (let t = firstChild[s]!; t !== -1; t = nextSibling[t]!) {
        const c = codeOfState[t]!;
        let h = hashSlot(s, c, hMask);
        while (hState[h] !== 0) h = (h + 1) & hMask;
        hState[h] = s;
        hCode[h] = c;
        hNext[h] = t;
        let f = fail[s]!;
        let target = lookup(f, c);
        while (target < 0) {
          f = fail[f]!;
          target = lookup(f, c);
        }
        fail[t] = target;
        const ft = target;
        outLink[t] = keyOfState[ft]! >= 0 ? ft : outLink[ft]!;
        queue[qTail++] = t;
      }
    }

    const keyLength = new Int32Array(keys.length);
    for (let id = 0; id < keys.length; id++) keyLength[id] = keys[id]!.length;
    let ring = 1;
    while (ring < maxLen + 1) ring *= 2;

    return new Automaton({
      keyIdOfInput,
      keys,
      options,
      stateCount: states,
      table,
      rootNext,
      hState,
      hCode,
      hNext,
      fail,
      keyOfState: keyOfState.slice(0, states),
      outLink,
      keyLength,
      ringMask: ring - 1,
    });
  }

  /**
   * Reports every occurrence of every key in `text`: start/end are offsets in `text` (end exclusive), spanning
   * from the first to the last original character of the occurrence (skipped noise and repeats inside).
   */
  scan(text: string, hits: Hits = new Hits()): Hits {
    const table = this.table;
    const rootNext = this.rootNext;
    const hState = this.hState;
    const hCode = this.hCode;
    const hNext = this.hNext;
    const hMask = this.hMask;
    const fail = this.fail;
    const keyOfState = this.keyOfState;
    const outLink = this.outLink;
    const keyLength = this.keyLength;
    const ringMask = this.ringMask;
    const ring = new Int32Array(ringMask + 1);
    const maxGap = this.options.maxGap;
    const collapse = this.options.collapseRepeats;

    let state = 0;
    let gap = 0;
    let prev = -1;
    let count = 0;
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const c = table[text.charCodeAt(i)]!;
      if (c === NOISE) {
        if (++gap > maxGap) {
          state = 0;
          prev = -1;
        }
        continue;
      }
      gap = 0;
      if (c === 0) {
        state = 0;
        prev = -1;
        continue;
      }
      if (collapse) {
        if (c === prev) {
          // A repeat stands for the run: keep the run's last position so spans start as late as possible.
          if (count > 0) ring[(count - 1) & ringMask] = i;
          continue;
        }
        prev = c;
      }
      ring[count & ringMask] = i;
      count++;
      // Follow failure links until some state has a transition on c (the root always does, possibly to itself).
      for (;;) {
        if (state === 0) {
          state = rootNext[c]!;
          break;
        }
        let h = hashSlot(state, c, hMask);
        let next = -1;
        while (hState[h] !== 0) {
          if (hState[h] === state && hCode[h] === c) {
            next = hNext[h]!;
            break;
          }
          h = (h + 1) & hMask;
        }
        if (next >= 0) {
          state = next;
          break;
        }
        state = fail[state]!;
      }
      let s = keyOfState[state]! >= 0 ? state : outLink[state]!;
      while (s > 0) {
        const key = keyOfState[s]!;
        hits.push(ring[(count - keyLength[key]!) & ringMask]!, i + 1, key);
        s = outLink[s]!;
      }
    }
    return hits;
  }

  /** Approximate bytes held by the typed arrays (for the benchmark). */
  byteSize(): number {
    return (
      this.table.byteLength +
      this.rootNext.byteLength +
      this.hState.byteLength +
      this.hCode.byteLength +
      this.hNext.byteLength +
      this.fail.byteLength +
      this.keyOfState.byteLength +
      this.outLink.byteLength +
      this.keyLength.byteLength
    );
  }
}
