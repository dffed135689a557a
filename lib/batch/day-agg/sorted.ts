/**
 * Exact distinct counting by sorting: the validator appends each row's key (an IPv4 address, a packed
 * (path, customer) pair) to a growing typed array — a sequential write instead of a probe into a large hash
 * table — and sorts and de-duplicates once per byte range. LSD radix sort for 32-bit keys, the engine's numeric
 * sort for wider ones.
 */

/** A growing array of unsigned 32-bit values. */
export class Uint32Bag {
  private a = new Uint32Array(1 << 16);
  length = 0;

  push(v: number): void {
    if (this.length === this.a.length) {
      const b = new Uint32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.length++] = v;
  }

  /** The values pushed (a view, valid until the next push). */
  values(): Uint32Array {
    return this.a.subarray(0, this.length);
  }
}

/** `a` sorted ascending (LSD radix sort, 3 passes of 11 bits; `a` is reused as scratch). */
export function sortUint32(a: Uint32Array): Uint32Array {
  let src: Uint32Array = a;

  let dst: Uint32Array = new Uint32Array(a.length);
  const count = new Int32Array(2048);
  for (let shift = 0; shift < 32; shift += 11) {
    count.fill(0);
    for (let i = 0; i < src.length; i++) count[(src[i]! >>> shift) & 2047]!++;
    let sum = 0;
    for (let b = 0; b < 2048; b++) {
      const c = count[b]!;
      count[b] = sum;
      sum += c;
    }
    for (let i = 0; i < src.length; i++) {
      const v = src[i]!;
      dst[count[(v >>> shift) & 2047]!++] = v;
    }
    [src, dst] = [dst, src];
  }
  return src;
}

/**
 * The distinct pairs of `raw` (interleaved `a, b`, each `a` below `stride`) as sorted keys `b * stride + a`:
 * 32-bit keys (radix sort) unless `wide`, when they may not fit (64-bit floats, the engine's sort).
 */
export function distinctPairs(
  raw: Uint32Array,
  stride: number,
  wide: boolean,
): { pairs32: Uint32Array; pairs64: Float64Array } {
  const n = raw.length / 2;
  const keys = wide ? new Float64Array(n) : new Uint32Array(n);
  for (let i = 0; i < n; i++) keys[i] = raw[2 * i + 1]! * stride + raw[2 * i]!;
  if (wide) return { pairs32: new Uint32Array(0), pairs64: uniqueSorted((keys as Float64Array).sort()) };
  return { pairs32: uniqueSorted(sortUint32(keys as Uint32Array)), pairs64: new Float64Array(0) };
}

/** The distinct values of the sorted `a`, in order (a copy). */
export function uniqueSorted<T extends Uint32Array | Float64Array>(a: T): T {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (i === 0 || a[i] !== a[i - 1]) n++;
  const out = new (a.constructor as { new (n: number): T })(n);
  n = 0;
  for (let i = 0; i < a.length; i++) if (i === 0 || a[i] !== a[i - 1]) out[n++] = a[i]!;
  return out;
}

/** The union of two sorted arrays of distinct values, sorted and distinct (a linear merge). */
export function mergeSortedUnique(a: Uint32Array, b: Uint32Array): Uint32Array {
  const out = new Uint32Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x < y) {
      out[n++] = x;
      i++;
    } else if (y < x) {
      out[n++] = y;
      j++;
    } else {
      out[n++] = x;
      i++;
      j++;
    }
  }
  while (i < a.length) out[n++] = a[i++]!;
  while (j < b.length) out[n++] = b[j++]!;
  return out.subarray(0, n);
}

/** Number of distinct values across arrays that are each sorted and distinct (pairwise linear merges). */
export function countDistinctSorted(arrays: Uint32Array[]): number {
  let level = arrays;
  if (level.length === 0) return 0;
  while (level.length > 1) {
    const next: Uint32Array[] = [];
    for (let k = 0; k < level.length; k += 2)
      next.push(k + 1 < level.length ? mergeSortedUnique(level[k]!, level[k + 1]!) : level[k]!);
    level = next;
  }
  return level[0]!.length;
}
