/**
 * HTTP status reference: lookups of a code's description and category. Pure and workflow-safe; parsing of
 * the XML files lives in lib/status-reference.ts.
 */

/** One entry: a single code (`from === to`) or a range such as 105-199. */
export interface StatusEntry {
  from: number;
  to: number;
  description: string;
  /** Specification reference, e.g. `rfc9110` (empty when none). */
  reference: string;
}

/** What enrichment needs for one status code. */
export interface StatusInfo {
  code: number;
  /** `1xx` … `5xx` from the first digit; codes outside 100–599 fall in `other`. */
  category: string;
  description: string;
  /** True when the reference lists the code (including inside a range). */
  known: boolean;
}

/** Category label of a status code from its first digit (kept for codes the reference does not list). */
export function statusCategory(code: number): string {
  return code >= 100 && code <= 599 ? CATEGORIES[Math.floor(code / 100) - 1]! : 'other';
}
// Shared strings: a category is looked up for every streamed event, so none is built per call.
const CATEGORIES = ['1xx', '2xx', '3xx', '4xx', '5xx'];

/** Immutable lookup table built from parsed entries (ranges expanded once into a dense array). */
export class StatusReference {
  private readonly byCode = new Map<number, StatusEntry>();
  constructor(
    readonly entries: readonly StatusEntry[],
    readonly source: string,
  ) {
    for (const e of entries) for (let c = e.from; c <= e.to; c++) this.byCode.set(c, e);
  }

  /** Description and category of `code`; unknown codes are kept with an `Unknown` description. */
  lookup(code: number): StatusInfo {
    const e = this.byCode.get(code);
    return { code, category: statusCategory(code), description: e?.description ?? 'Unknown', known: !!e };
  }

  /** Number of distinct codes covered (ranges counted per code). */
  get size(): number {
    return this.byCode.size;
  }
}
