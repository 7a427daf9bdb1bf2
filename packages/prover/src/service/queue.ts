/**
 * The job queue: one queue per client label, served round-robin so that a chain submitting a hundred jobs
 * cannot starve another submitting one; within a client, higher priority first, then submission order.
 * Priorities never cross clients (a client cannot jump the others by claiming priority 100).
 */

export interface QueueItem {
  readonly id: string;
  readonly client: string;
  readonly priority: number;
}

interface Lane<T> {
  readonly client: string;
  /** Sorted: priority descending, then submission order. */
  readonly items: T[];
}

export class FairQueue<T extends QueueItem> {
  /** Clients with queued jobs, in serving order: the head is served next, then goes to the back. */
  private ring: Lane<T>[] = [];
  private readonly lanes = new Map<string, Lane<T>>();
  private readonly where = new Map<string, Lane<T>>();

  get size(): number {
    return this.where.size;
  }

  sizeOf(client: string): number {
    return this.lanes.get(client)?.items.length ?? 0;
  }

  has(id: string): boolean {
    return this.where.has(id);
  }

  push(item: T): void {
    if (this.where.has(item.id)) throw new Error(`job ${item.id} is already queued`);
    let lane = this.lanes.get(item.client);
    if (!lane) {
      lane = { client: item.client, items: [] };
      this.lanes.set(item.client, lane);
      // A client that had nothing queued joins at the back: it waits for one turn of everyone already waiting.
      this.ring.push(lane);
    }
    // After the last item of at least its priority: FIFO within a priority.
    let i = lane.items.length;
    while (i > 0 && lane.items[i - 1].priority < item.priority) i--;
    lane.items.splice(i, 0, item);
    this.where.set(item.id, lane);
  }

  /** The next job to run, or undefined when empty. */
  shift(): T | undefined {
    const lane = this.ring.shift();
    if (!lane) return undefined;
    const item = lane.items.shift()!;
    this.where.delete(item.id);
    if (lane.items.length) this.ring.push(lane);
    else this.lanes.delete(lane.client);
    return item;
  }

  remove(id: string): T | undefined {
    const lane = this.where.get(id);
    if (!lane) return undefined;
    const i = lane.items.findIndex((x) => x.id === id);
    const [item] = lane.items.splice(i, 1);
    this.where.delete(id);
    if (!lane.items.length) {
      this.lanes.delete(lane.client);
      this.ring = this.ring.filter((l) => l !== lane);
    }
    return item;
  }

  /** Every queued job in the order `shift` would return them if nothing else arrived. */
  order(): T[] {
    const cursors = this.ring.map((lane) => ({ lane, next: 0 }));
    const out: T[] = [];
    while (cursors.length) {
      const c = cursors.shift()!;
      out.push(c.lane.items[c.next++]);
      if (c.next < c.lane.items.length) cursors.push(c);
    }
    return out;
  }

  /** Jobs that start before `id` (0: next), or undefined when it is not queued. */
  positionOf(id: string): number | undefined {
    if (!this.where.has(id)) return undefined;
    return this.order().findIndex((x) => x.id === id);
  }

  /** Positions of every queued job (one pass: {@link positionOf} for all would be quadratic). */
  positions(): Map<string, number> {
    return new Map(this.order().map((x, i) => [x.id, i]));
  }
}
