/*
 * A binary min-heap ordered by a numeric priority; used for timer queues.
 */

export class BinaryHeap<T> {
  private readonly items: T[] = [];
  private readonly priority: (item: T) => number;

  constructor(priority: (item: T) => number) {
    this.priority = priority;
  }

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    const p = this.priority(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.priority(items[parent]!) <= p) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = item;
  }

  pop(): T | undefined {
    const items = this.items;
    if (items.length === 0) return undefined;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      let i = 0;
      const p = this.priority(last);
      const n = items.length;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        const right = left + 1;
        const child = right < n && this.priority(items[right]!) < this.priority(items[left]!) ? right : left;
        if (this.priority(items[child]!) >= p) break;
        items[i] = items[child]!;
        i = child;
      }
      items[i] = last;
    }
    return top;
  }

  toArray(): T[] {
    return [...this.items];
  }
}
