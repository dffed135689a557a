/** A min-heap of messages by send time (ties in insertion order), for generators that schedule messages ahead. */

/** Something to send at `sendAtMs`. */
export interface Scheduled {
  sendAtMs: number;
}

/** A queue of scheduled items: `push`, then `popDue(now)` returns the due ones in send-time order. */
export class SendQueue<T extends Scheduled> {
  private heap: { item: T; seq: number }[] = [];
  private seq = 0;

  /** Number of items waiting. */
  get size(): number {
    return this.heap.length;
  }

  /** Schedule `item`. */
  push(item: T): void {
    const h = this.heap;
    h.push({ item, seq: this.seq++ });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  /** Remove and return every item with `sendAtMs <= nowMs`, earliest first. */
  popDue(nowMs: number): T[] {
    const out: T[] = [];
    while (this.heap.length && this.heap[0]!.item.sendAtMs <= nowMs) out.push(this.pop());
    return out;
  }

  /** Remove and return every item, earliest first. */
  drain(): T[] {
    return this.popDue(Infinity);
  }

  private less(a: number, b: number): boolean {
    const x = this.heap[a]!;
    const y = this.heap[b]!;
    return x.item.sendAtMs < y.item.sendAtMs || (x.item.sendAtMs === y.item.sendAtMs && x.seq < y.seq);
  }

  private pop(): T {
    const h = this.heap;
    const top = h[0]!.item;
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(l, m)) m = l;
        if (r < h.length && this.less(r, m)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
