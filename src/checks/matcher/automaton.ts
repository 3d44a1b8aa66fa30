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
 *  - other transitions live in one open-addressing hash table of child states keyed by (parent, code): a slot
 *    holds only the child, whose edge (parent, code) sits in one interleaved array, so a probe touches two
 *    memory locations and a trie edge costs 4 bytes of table plus 8 bytes of edge;
 *  - failure links and "output links" (nearest failure ancestor that ends a key) are Int32Arrays;
 *  - the normalised keys are one string with an offset array (not a string object per key).
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
/** Invisible characters (see getNoiseMask): skipped without counting towards the gap. */
const INVISIBLE = 0xfffe;

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

/** Slots for `entries` edges at a load factor of at most 0.5 (a power of two). */
function tableSize(entries: number): number {
  let size = 16;
  while (size < entries * 2) size *= 2;
  return size;
}

function hashSlot(state: number, code: number, mask: number): number {
  return (Math.imul(state, 0x9e3779b1) ^ Math.imul(code, 0x85ebca6b)) & mask;
}

export class Automaton {
  /** Key id for each input key (in input order); -1 when the key is empty after normalisation. */
  readonly keyIdOfInput: Int32Array;
  readonly options: AutomatonOptions;
  readonly stateCount: number;

  private readonly table: Uint16Array;
  private readonly rootNext: Int32Array;
  /** Open-addressing hash table of child states (0 = empty slot; the root is never a child). */
  private readonly slots: Int32Array;
  private readonly slotMask: number;
  /** edge[2s] = parent of state s, edge[2s + 1] = code of the transition into s. */
  private readonly edge: Int32Array;
  private readonly fail: Int32Array;
  private readonly keyOfState: Int32Array;
  private readonly outLink: Int32Array;
  /** All normalised keys concatenated; key k is keyChars[keyStart[k], keyStart[k + 1]). */
  private readonly keyChars: string;
  private readonly keyStart: Int32Array;
  private readonly ringMask: number;

  private constructor(init: {
    keyIdOfInput: Int32Array;
    options: AutomatonOptions;
    stateCount: number;
    table: Uint16Array;
    rootNext: Int32Array;
    slots: Int32Array;
    edge: Int32Array;
    fail: Int32Array;
    keyOfState: Int32Array;
    outLink: Int32Array;
    keyChars: string;
    keyStart: Int32Array;
    ringMask: number;
  }) {
    this.keyIdOfInput = init.keyIdOfInput;
    this.options = init.options;
    this.stateCount = init.stateCount;
    this.table = init.table;
    this.rootNext = init.rootNext;
    this.slots = init.slots;
    this.slotMask = init.slots.length - 1;
    this.edge = init.edge;
    this.fail = init.fail;
    this.keyOfState = init.keyOfState;
    this.outLink = init.outLink;
    this.keyChars = init.keyChars;
    this.keyStart = init.keyStart;
    this.ringMask = init.ringMask;
  }

  /** Number of distinct normalised keys. */
  get keyCount(): number {
    return this.keyStart.length - 1;
  }

  /** Normalised key `id` (folded, noise removed, repeats collapsed). */
  key(id: number): string {
    return this.keyChars.slice(this.keyStart[id]!, this.keyStart[id + 1]!);
  }

  /** Length of normalised key `id`. */
  keyLength(id: number): number {
    return this.keyStart[id + 1]! - this.keyStart[id]!;
  }

  /** Normalises one key the way `build` does (exposed so callers can reason about key identity). */
  static normalizeKey(key: string, options: AutomatonOptions): string {
    const fold = getFoldTable(options.fold);
    const noise = options.noise ? getNoiseMask() : undefined;
    // Most keys are already normal (simplified, no noise, no repeats): return them as they are, no new string.
    let same = true;
    for (let i = 0, prev = -1; i < key.length && same; i++) {
      const raw = key.charCodeAt(i);
      const f = fold ? fold[raw]! : raw;
      same = f === raw && !(noise && noise[f] !== 0) && !(options.collapseRepeats && f === prev);
      prev = f;
    }
    if (same) return key;
    let out = '';
    let prev = -1;
    for (let i = 0; i < key.length; i++) {
      const raw = key.charCodeAt(i);
      const f = fold ? fold[raw]! : raw;
      if (noise && noise[f] !== 0) continue;
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
    if (alphabet >= INVISIBLE) throw new Error('alphabet too large');
    const table = new Uint16Array(65536);
    for (let u = 0; u < 65536; u++) {
      const f = fold ? fold[u]! : u;
      table[u] = noise && noise[f] === 2 ? INVISIBLE : noise && noise[f] === 1 ? NOISE : codeOfFolded[f]!;
    }

    // Trie: root children are dense; other edges go straight into the hash table of child states (sized for
    // the worst case, one state per key character, and shrunk below once the state count is known), with
    // first-child / next-sibling lists kept only for the breadth-first pass.
    const cap = totalChars + 1;
    const firstChild = new Int32Array(cap).fill(-1);
    const nextSibling = new Int32Array(cap).fill(-1);
    const keyOfState = new Int32Array(cap).fill(-1);
    const rootNext = new Int32Array(alphabet + 1);
    let slotMask = tableSize(cap) - 1;
    let slots = new Int32Array(slotMask + 1);
    let edge = new Int32Array(cap * 2);
    const lookup = (s: number, c: number): number => {
      if (s === 0) return rootNext[c]! > 0 ? rootNext[c]! : 0;
      for (let h = hashSlot(s, c, slotMask), t = slots[h]!; t !== 0; h = (h + 1) & slotMask, t = slots[h]!) {
        if (edge[2 * t] === s && edge[2 * t + 1] === c) return t;
      }
      return -1;
    };
    let states = 1;
    for (let id = 0; id < keys.length; id++) {
      const k = keys[id]!;
      let s = 0;
      for (let i = 0; i < k.length; i++) {
        const c = codeOfFolded[k.charCodeAt(i)]!;
        let next = s === 0 ? rootNext[c]! : lookup(s, c);
        if (next <= 0) {
          next = states++;
          edge[2 * next] = s;
          edge[2 * next + 1] = c;
          if (s === 0) rootNext[c] = next;
          else {
            let h = hashSlot(s, c, slotMask);
            while (slots[h] !== 0) h = (h + 1) & slotMask;
            slots[h] = next;
            nextSibling[next] = firstChild[s]!;
            firstChild[s] = next;
          }
        }
        s = next;
      }
      keyOfState[s] = id;
    }
    edge = edge.slice(0, states * 2);
    if (tableSize(states) <= slotMask) {
      slotMask = tableSize(states) - 1;
      slots = new Int32Array(slotMask + 1);
      for (let t = 1; t < states; t++) {
        const parent = edge[2 * t]!;
        if (parent === 0) continue;
        let h = hashSlot(parent, edge[2 * t + 1]!, slotMask);
        while (slots[h] !== 0) h = (h + 1) & slotMask;
        slots[h] = t;
      }
    }

    // BFS: failure links and output links.
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
        const c = edge[2 * t + 1]!;
        let f = fail[s]!;
        let target = lookup(f, c);
        while (target < 0) {
          f = fail[f]!;
          target = lookup(f, c);
        }
        fail[t] = target;
        outLink[t] = keyOfState[target]! >= 0 ? target : outLink[target]!;
        queue[qTail++] = t;
      }
    }

    const keyStart = new Int32Array(keys.length + 1);
    for (let id = 0; id < keys.length; id++) keyStart[id + 1] = keyStart[id]! + keys[id]!.length;
    let ring = 1;
    while (ring < maxLen + 1) ring *= 2;

    return new Automaton({
      keyIdOfInput,
      options,
      stateCount: states,
      table,
      rootNext,
      slots,
      edge,
      fail,
      keyOfState: keyOfState.slice(0, states),
      outLink,
      keyChars: keys.join(''),
      keyStart,
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
    const slots = this.slots;
    const slotMask = this.slotMask;
    const edge = this.edge;
    const fail = this.fail;
    const keyOfState = this.keyOfState;
    const outLink = this.outLink;
    const keyStart = this.keyStart;
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
      if (c === INVISIBLE) continue;
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
        let h = hashSlot(state, c, slotMask);
        let next = -1;
        for (let t = slots[h]!; t !== 0; t = slots[h]!) {
          if (edge[2 * t] === state && edge[2 * t + 1] === c) {
            next = t;
            break;
          }
          h = (h + 1) & slotMask;
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
        hits.push(ring[(count - (keyStart[key + 1]! - keyStart[key]!)) & ringMask]!, i + 1, key);
        s = outLink[s]!;
      }
    }
    return hits;
  }

  /** Approximate bytes held by the typed arrays and the key string (for the benchmark). */
  byteSize(): number {
    return (
      this.table.byteLength +
      this.rootNext.byteLength +
      this.slots.byteLength +
      this.edge.byteLength +
      this.fail.byteLength +
      this.keyOfState.byteLength +
      this.outLink.byteLength +
      this.keyStart.byteLength +
      this.keyChars.length * 2
    );
  }
}
