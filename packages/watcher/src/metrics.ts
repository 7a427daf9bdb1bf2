/**
 * The watcher's metrics: one typed object from `createWatcherMetrics()`, passed to the services that update it,
 * rendered in the Prometheus text format by `prometheus()` (GET /metrics).
 */
type Labels = Record<string, string | number>;

const labelKey = (labels: Labels = {}): string =>
  Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}="${String(v).replace(/["\\\n]/g, '_')}"`)
    .join(',');

abstract class Metric {
  protected readonly values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string, readonly type: 'counter' | 'gauge') {}

  get(labels?: Labels): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const [k, v] of this.values) lines.push(`${this.name}${k ? `{${k}}` : ''} ${v}`);
    return lines.join('\n');
  }
}

export class Counter extends Metric {
  constructor(name: string, help: string) {
    super(name, help, 'counter');
  }
  inc(labels?: Labels, by = 1): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
}

export class Gauge extends Metric {
  constructor(name: string, help: string) {
    super(name, help, 'gauge');
  }
  set(value: number, labels?: Labels): void {
    this.values.set(labelKey(labels), value);
  }
  remove(labels?: Labels): void {
    this.values.delete(labelKey(labels));
  }
}

export class Histogram {
  private readonly counts: number[];
  private count = 0;
  private sum = 0;
  constructor(readonly name: string, readonly help: string, readonly buckets: readonly number[]) {
    this.counts = buckets.map(() => 0);
  }
  observe(value: number): void {
    this.count++;
    this.sum += value;
    this.buckets.forEach((b, i) => value <= b && this.counts[i]++);
  }
  get observations(): number {
    return this.count;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket{le="${b}"} ${this.counts[i]}`));
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`, `${this.name}_sum ${this.sum}`, `${this.name}_count ${this.count}`);
    return lines.join('\n');
  }
}

export function createWatcherMetrics() {
  const metrics = {
    blocksVerified: new Counter('plasma_watcher_blocks_verified_total', 'Committed blocks re-executed and found valid since start, by chain'),
    findings: new Counter('plasma_watcher_findings_total', 'Findings raised since start, by kind'),
    objections: new Counter('plasma_watcher_objections_total', 'Objections by status reached (sent, mined, convicted, failed)'),
    reactionL1Blocks: new Histogram('plasma_watcher_reaction_l1_blocks', 'L1 blocks from a faulty block\'s commit to the objection that was mined', [1, 2, 3, 5, 10, 20, 50, 100]),
    lastReactionL1Blocks: new Gauge('plasma_watcher_last_reaction_l1_blocks', 'L1 blocks from commit to objection, of the last objection mined'),
    rpcFailures: new Counter('plasma_watcher_rpc_failures_total', 'Failed RPC calls, by target (l1, node)'),
    timeLeft: new Gauge('plasma_watcher_finding_time_left_seconds', 'Seconds left to object, by open finding (chain, kind, height)'),
    deadlineWarnings: new Counter('plasma_watcher_deadline_warnings_total', 'Open findings with less than 25 % of the challenge window left'),
    headVerified: new Gauge('plasma_watcher_head_verified', 'Newest block verified, by chain'),
    headCommitted: new Gauge('plasma_watcher_head_committed', 'Newest block committed on L1 (confirmed), by chain'),
    l1Synced: new Gauge('plasma_watcher_l1_synced_block', 'Newest L1 block whose events were processed'),
  };
  return {
    ...metrics,
    prometheus: (): string => `${Object.values(metrics).map((m) => m.render()).join('\n')}\n`,
  };
}

export type WatcherMetrics = ReturnType<typeof createWatcherMetrics>;
