/**
 * The node's metrics: one typed object built by `createNodeMetrics()`, passed to the services that update it.
 * Names and help texts follow Prometheus conventions so a later exporter only has to format `collect()`.
 */
export interface MetricSample {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  /** One value per label set; the key is the label value ('' without label). */
  values: Record<string, number>;
}

export class Counter<Label extends string = never> {
  private readonly values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string) {}

  inc(by = 1, label?: Label): void {
    const key = label ?? '';
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }

  get(label?: Label): number {
    return this.values.get(label ?? '') ?? 0;
  }

  sample(): MetricSample {
    return { name: this.name, help: this.help, type: 'counter', values: Object.fromEntries(this.values) };
  }
}

export class Gauge {
  private value = 0;
  constructor(readonly name: string, readonly help: string) {}

  set(value: number): void {
    this.value = value;
  }

  get(): number {
    return this.value;
  }

  sample(): MetricSample {
    return { name: this.name, help: this.help, type: 'gauge', values: { '': this.value } };
  }
}

/** Keeps count, sum and the last observation; enough for rates and averages without bucket choices yet. */
export class Summary {
  count = 0;
  sum = 0;
  last = 0;
  constructor(readonly name: string, readonly help: string) {}

  observe(value: number): void {
    this.count++;
    this.sum += value;
    this.last = value;
  }

  sample(): MetricSample {
    return { name: this.name, help: this.help, type: 'histogram', values: { count: this.count, sum: this.sum, last: this.last } };
  }
}

export function createNodeMetrics() {
  const metrics = {
    txsAccepted: new Counter('plasma_mempool_txs_accepted_total', 'Signed transactions admitted to the mempool'),
    txsRegossiped: new Counter('plasma_mempool_txs_regossiped_total', 'Queued transactions gossiped again after waiting (a peer may have missed them)'),
    txsRejected: new Counter<string>('plasma_mempool_txs_rejected_total', 'Signed transactions refused, by reason'),
    txsDropped: new Counter<string>('plasma_block_txs_dropped_total', 'Admitted transactions that failed at block time, by reason'),
    txsIncluded: new Counter('plasma_block_txs_included_total', 'Transactions (user and deposit) included in sealed blocks'),
    blocks: new Counter('plasma_blocks_sealed_total', 'Blocks sealed and persisted by this node'),
    blockBuildMs: new Summary('plasma_block_build_ms', 'Time to build, sign and persist one block'),
    headNumber: new Gauge('plasma_head_number', 'Number of the newest persisted block'),
    mempoolSize: new Gauge('plasma_mempool_size', 'Transactions waiting for a block'),
    l1Head: new Gauge('plasma_l1_head', 'Newest L1 block number seen'),
    depositsConfirmed: new Gauge('plasma_l1_deposit_nonce_confirmed', 'Highest deposit nonce confirmed on L1'),
    commitments: new Counter('plasma_l1_commitments_total', 'Block commitments submitted by this node and mined'),
    committedNumber: new Gauge('plasma_l1_committed_number', 'Newest block number committed on L1'),
    consensusHeight: new Gauge('plasma_consensus_height', 'Height the quorum consensus is deciding'),
    consensusEquivocations: new Counter<string>('plasma_consensus_equivocations_total', 'Validators seen signing two blocks in one round, by message kind'),
    consensusRounds: new Counter('plasma_consensus_round_changes_total', 'Rounds that timed out (a proposer down or slow)'),
    dataChunksPublished: new Counter<'txs' | 'exits'>('plasma_data_chunks_published_total', 'Chunks of challenged blocks this node published on its parent chain and saw included, by tree (docs/FRAUD.md §9b)'),
    l1Errors: new Counter<'depositFollower' | 'committer'>('plasma_l1_rpc_errors_total', 'Failed L1 RPC rounds, by service'),
  };
  return {
    ...metrics,
    collect: (): MetricSample[] => Object.values(metrics).map((m) => m.sample()),
  };
}

export type NodeMetrics = ReturnType<typeof createNodeMetrics>;
