/**
 * A dictionary from byte strings (field values seen in place in the validator's input buffer) to dense
 * indices 0, 1, 2, …, without decoding a string per row: keys are copied once into an arena and found by an
 * FNV-1a hash over their bytes. The validator's day aggregates intern paths and customers missing from the snapshot with it.
 *
 * A slot holds the key's hash and index side by side, an entry its arena offset and length side by side, so a
 * look-up touches three memory lines (slot, entry, key bytes).
 */
import { hashBytes } from './customer-table.js';

/** Byte-keyed dictionary assigning dense indices in first-seen order. */
export class BytesDict {
  /** Per slot: hash, then index + 1 (0: empty). */
  private slots: Int32Array;
  private mask: number;
  private arena: Buffer;
  private used = 0;
  /** Per entry: arena offset, then length. */
  private entries: Int32Array;
  private n = 0;

  constructor(expected = 1024) {
    let cap = 1024;
    while (cap * 0.5 < expected) cap *= 2;
    this.slots = new Int32Array(cap * 2);
    this.mask = cap - 1;
    this.arena = Buffer.allocUnsafe(Math.max(1 << 16, expected * 16));
    this.entries = new Int32Array(Math.max(256, expected) * 2);
  }

  /** Keys held. */
  get size(): number {
    return this.n;
  }

  /** Index of the key `buf[s, e)`, or -1 when absent. */
  get(buf: Buffer, s: number, e: number): number {
    const h = hashBytes(buf, s, e);
    const slots = this.slots;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const k = slots[2 * i + 1]! - 1;
      if (k < 0) return -1;
      if (slots[2 * i] === h && this.equals(k, buf, s, e)) return k;
    }
  }

  /** Index of the key `buf[s, e)`, added when absent. */
  intern(buf: Buffer, s: number, e: number): number {
    const h = hashBytes(buf, s, e);
    let i = h & this.mask;
    for (;;) {
      const k = this.slots[2 * i + 1]! - 1;
      if (k < 0) break;
      if (this.slots[2 * i] === h && this.equals(k, buf, s, e)) return k;
      i = (i + 1) & this.mask;
    }
    const k = this.n++;
    if (2 * k === this.entries.length) {
      const bigger = new Int32Array(this.entries.length * 2);
      bigger.set(this.entries);
      this.entries = bigger;
    }
    const len = e - s;
    if (this.used + len > this.arena.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.arena.length * 2, this.used + len));
      this.arena.copy(bigger, 0, 0, this.used);
      this.arena = bigger;
    }
    buf.copy(this.arena, this.used, s, e);
    this.entries[2 * k] = this.used;
    this.entries[2 * k + 1] = len;
    this.used += len;
    this.slots[2 * i] = h;
    this.slots[2 * i + 1] = k + 1;
    if (this.n > (this.mask + 1) * 0.5) this.growSlots();
    return k;
  }

  /** Index of the string key `s` (UTF-8), added when absent. */
  internString(s: string): number {
    const b = Buffer.from(s, 'utf8');
    return this.intern(b, 0, b.length);
  }

  /** Index of the string key `s` (UTF-8), or -1. */
  getString(s: string): number {
    const b = Buffer.from(s, 'utf8');
    return this.get(b, 0, b.length);
  }

  /** The keys in index order, decoded as UTF-8. */
  keys(): string[] {
    const out: string[] = new Array(this.n);
    for (let k = 0; k < this.n; k++)
      out[k] = this.arena.toString('utf8', this.entries[2 * k]!, this.entries[2 * k]! + this.entries[2 * k + 1]!);
    return out;
  }

  private equals(k: number, buf: Buffer, s: number, e: number): boolean {
    const len = e - s;
    if (this.entries[2 * k + 1] !== len) return false;
    const a = this.arena;
    const off = this.entries[2 * k]! - s;
    for (let p = s; p < e; p++) if (a[p + off] !== buf[p]) return false;
    return true;
  }

  private growSlots(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    this.mask = old.length - 1;
    for (let j = 0; j < old.length; j += 2) {
      if (old[j + 1] === 0) continue;
      let i = old[j]! & this.mask;
      while (this.slots[2 * i + 1] !== 0) i = (i + 1) & this.mask;
      this.slots[2 * i] = old[j]!;
      this.slots[2 * i + 1] = old[j + 1]!;
    }
  }
}
