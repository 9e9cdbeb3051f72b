import type { Guard } from './condition-analysis.ts';
import type { Predicate } from './condition.ts';
import { recipientCountry } from './country.ts';
import type { MessageFacts, RecipientContext } from './decision.ts';

// Guard attributes as small integers, read in one `switch`: that keeps the property loads
// monomorphic, where a reader closure per attribute made every read a megamorphic call.
const APP = 0;
const API_KEY = 1;
const LABEL = 2;
const TENANT = 3;
const RETENTION = 4;
const COUNTRY = 5;
const KIND = 6;

/** A guard resolved for fast checking. Every instance has the same shape (one hidden class). */
interface GuardCheck {
  /** Where `#scan` put the attribute's value for this decision. */
  readonly slot: number;
  /** The single value needed, or '' when `set` applies. */
  readonly one: string;
  readonly set: ReadonlySet<string>;
}

/** An attribute a plan's guards read: its code and, for labels, the key. */
interface Slot {
  readonly attr: number;
  readonly key: string;
}

/** One index: the rules whose guard is on one attribute, bucketed by the value they need. */
interface AttributeIndex {
  readonly attr: number;
  readonly key: string;
  readonly buckets: ReadonlyMap<string, readonly number[]>;
}

/**
 * Up to this many rules a plan scans them in order, checking each rule's guard before calling
 * its test; beyond it, an index costs one hash lookup per guarded attribute whatever the number
 * of rules. The generated scan checks a guard in about a nanosecond, the closure scan in about
 * four (measured with bench/policy), hence the two limits.
 */
const GENERATED_SCAN_MAX = 48;
const CLOSURE_SCAN_MAX = 12;

/** A generated scan: straight-line guard checks, one per rule, in policy order. */
type ScanFunction = (
  m: MessageFacts,
  r: RecipientContext,
  nowMs: number,
  tests: readonly Predicate[],
  sets: readonly ReadonlySet<string>[],
  country: typeof recipientCountry,
) => number;

const EMPTY_SET: ReadonlySet<string> = new Set();

/**
 * The rules one classification can reach, in policy order. `first` returns the position of the
 * first rule whose test passes, testing only rules whose guard (a necessary condition) holds:
 * small plans check guards inline, large plans merge the candidates of an index by position.
 * Either way the result is the same as testing every rule in order.
 */
export class RulePlan {
  readonly #tests: readonly Predicate[];
  readonly #guards: readonly (readonly GuardCheck[] | undefined)[];
  // The distinct attributes the guards read, each read once per decision into #values (a
  // label read is a keyed load V8 cannot specialise, so reading it once per rule was the cost).
  readonly #slots: readonly Slot[];
  readonly #values: (string | undefined)[];
  readonly #unguarded: readonly number[];
  readonly #indexes: readonly AttributeIndex[];
  // Scratch space for the merge. Safe to share: `first` is synchronous and never re-entered
  // (predicates are pure functions that call nothing back).
  readonly #lists: (readonly number[])[];
  readonly #cursor: Int32Array;
  readonly #generated: ScanFunction | undefined;
  readonly #sets: readonly ReadonlySet<string>[];

  /**
   * `generate: false` (or a runtime that forbids code generation from strings) uses the closure
   * scan instead of a generated one; decisions are the same either way.
   */
  constructor(
    tests: readonly Predicate[],
    guards: readonly (readonly Guard[] | undefined)[],
    opts: { readonly generate?: boolean } = {},
  ) {
    this.#tests = tests;
    const slotOf = new Map<string, number>();
    const slots: Slot[] = [];
    this.#guards = guards.map((gs) =>
      gs?.map((g) => {
        let slot = slotOf.get(g.attr);
        if (slot === undefined) {
          slot = slots.push(attribute(g.attr)) - 1;
          slotOf.set(g.attr, slot);
        }
        const one = g.values.length === 1 && g.values[0] !== '' ? g.values[0]! : '';
        return { slot, one, set: one === '' ? new Set(g.values) : EMPTY_SET };
      }),
    );
    this.#slots = slots;
    this.#values = new Array<string | undefined>(slots.length).fill(undefined);
    this.#sets = this.#guards.flatMap((gs) => (gs ?? []).filter((g) => g.one === '').map((g) => g.set));
    this.#generated =
      opts.generate !== false && tests.length <= GENERATED_SCAN_MAX
        ? generateScan(slots, this.#guards)
        : undefined;
    const linear = this.#generated !== undefined || tests.length <= CLOSURE_SCAN_MAX;
    const unguarded: number[] = [];
    const byAttr = new Map<string, Map<string, number[]>>();
    guards.forEach((gs, pos) => {
      if (linear || gs === undefined) return void unguarded.push(pos);
      for (const g of gs) {
        const buckets = byAttr.get(g.attr) ?? new Map<string, number[]>();
        byAttr.set(g.attr, buckets);
        for (const v of g.values) {
          const list = buckets.get(v) ?? [];
          if (list.at(-1) !== pos) list.push(pos);
          buckets.set(v, list);
        }
      }
    });
    this.#unguarded = unguarded;
    this.#indexes = [...byAttr].map(([attr, buckets]) => ({ ...attribute(attr), buckets }));
    this.#lists = new Array<readonly number[]>(this.#indexes.length + 1).fill([]);
    this.#cursor = new Int32Array(this.#indexes.length + 1);
  }

  /** Position of the first rule that matches, or -1. */
  first(m: MessageFacts, r: RecipientContext, nowMs: number): number {
    if (this.#generated !== undefined) {
      return this.#generated(m, r, nowMs, this.#tests, this.#sets, recipientCountry);
    }
    return this.#indexes.length === 0 ? this.#scan(m, r, nowMs) : this.#merge(m, r, nowMs);
  }

  #scan(m: MessageFacts, r: RecipientContext, nowMs: number): number {
    const tests = this.#tests;
    const guards = this.#guards;
    const slots = this.#slots;
    const values = this.#values;
    for (let s = 0; s < slots.length; s++) values[s] = read(slots[s]!.attr, slots[s]!.key, m, r);
    for (let i = 0; i < tests.length; i++) {
      const g = guards[i];
      if (g !== undefined && !anyHolds(g, values)) continue;
      if (tests[i]!(m, r, nowMs)) return i;
    }
    return -1;
  }

  #merge(m: MessageFacts, r: RecipientContext, nowMs: number): number {
    const tests = this.#tests;
    const lists = this.#lists;
    let k = 0;
    if (this.#unguarded.length > 0) lists[k++] = this.#unguarded;
    const indexes = this.#indexes;
    for (let x = 0; x < indexes.length; x++) {
      const ix = indexes[x]!;
      const v = read(ix.attr, ix.key, m, r);
      if (v === undefined) continue;
      const bucket = ix.buckets.get(v);
      if (bucket !== undefined) lists[k++] = bucket;
    }
    if (k === 0) return -1;
    if (k === 1) {
      const only = lists[0]!;
      for (let i = 0; i < only.length; i++) if (tests[only[i]!]!(m, r, nowMs)) return only[i]!;
      return -1;
    }
    // k-way merge of sorted candidate lists, ascending, each position tested once.
    const cursor = this.#cursor;
    cursor.fill(0, 0, k);
    for (;;) {
      let min = Number.MAX_SAFE_INTEGER;
      for (let j = 0; j < k; j++) {
        const l = lists[j]!;
        const p = cursor[j]!;
        if (p < l.length && l[p]! < min) min = l[p]!;
      }
      if (min === Number.MAX_SAFE_INTEGER) return -1;
      for (let j = 0; j < k; j++) if (lists[j]![cursor[j]!] === min) cursor[j]!++;
      if (tests[min]!(m, r, nowMs)) return min;
    }
  }
}

/** Whether any of a rule's guards holds (they are alternatives). */
function anyHolds(gs: readonly GuardCheck[], values: readonly (string | undefined)[]): boolean {
  for (let i = 0; i < gs.length; i++) {
    const g = gs[i]!;
    const v = values[g.slot];
    if (v !== undefined && (g.one !== '' ? v === g.one : g.set.has(v))) return true;
  }
  return false;
}

function read(attr: number, key: string, m: MessageFacts, r: RecipientContext): string | undefined {
  let v: unknown;
  switch (attr) {
    case APP:
      v = m.app;
      break;
    case API_KEY:
      v = m.apiKeyId;
      break;
    case LABEL:
      v = m.labels[key];
      break;
    case TENANT:
      v = m.tenantId;
      break;
    case RETENTION:
      v = m.retention;
      break;
    case COUNTRY:
      v = recipientCountry(m, r.country);
      break;
    default:
      v = m.recipient.kind;
  }
  // Labels come from JSON: only string values count (an inherited `constructor` does not).
  return typeof v === 'string' ? v : undefined;
}

function attribute(attr: string): Slot {
  if (attr.startsWith('label:')) return { attr: LABEL, key: attr.slice('label:'.length) };
  const codes: Readonly<Record<string, number>> = {
    'sender.app': APP,
    'sender.api_key': API_KEY,
    'sender.tenant': TENANT,
    retention: RETENTION,
    'recipient.country': COUNTRY,
    'recipient.kind': KIND,
  };
  const code = codes[attr];
  if (code === undefined) throw new Error(`no index for guard attribute ${attr}`);
  return { attr: code, key: '' };
}

/** A JavaScript string literal for any string (JSON, plus the two line separators escaped). */
function literal(s: string): string {
  return JSON.stringify(s)
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * Generates the scan of a small plan as straight-line code, the way ajv compiles schemas: each
 * property read gets its own inline cache, which makes a guard check about a nanosecond instead
 * of a megamorphic load. What goes into the code is fixed: reads of whitelisted message fields,
 * string literals made by `literal()` (never raw policy text), and calls to the rules' compiled
 * tests. Returns `undefined` where code generation is disallowed
 * (`--disallow-code-generation-from-strings`); the closure scan is then used.
 */
function generateScan(
  slots: readonly Slot[],
  guards: readonly (readonly GuardCheck[] | undefined)[],
): ScanFunction | undefined {
  const lines: string[] = [];
  slots.forEach((slot, i) => lines.push(`const v${i} = ${readExpression(slot)};`));
  let setIndex = 0;
  guards.forEach((gs, i) => {
    const call = `tests[${i}](m, r, nowMs)`;
    if (gs === undefined) return void lines.push(`if (${call}) return ${i};`);
    const alternatives = gs.map((g) =>
      g.one !== '' ? `v${g.slot} === ${literal(g.one)}` : `sets[${setIndex++}].has(v${g.slot})`,
    );
    lines.push(`if ((${alternatives.join(' || ')}) && ${call}) return ${i};`);
  });
  lines.push('return -1;');
  const body = `'use strict';\nreturn function scan(m, r, nowMs, tests, sets, country) {\n${lines.join('\n')}\n};`;
  try {
    return (new Function(body) as () => ScanFunction)();
  } catch {
    return undefined;
  }
}

function readExpression(slot: Slot): string {
  switch (slot.attr) {
    case APP:
      return 'm.app';
    case API_KEY:
      return 'm.apiKeyId';
    case LABEL:
      return `m.labels[${literal(slot.key)}]`;
    case TENANT:
      return 'm.tenantId';
    case RETENTION:
      return 'm.retention';
    case COUNTRY:
      return 'country(m, r.country)';
    default:
      return 'm.recipient.kind';
  }
}
