/**
 * The shared prover service: `startProverServer` (HTTP), `ProverService` (the queue and job lifecycle without
 * HTTP), `ProverClient` (what nodes use). See README.md, "Prover service".
 */
export * from './protocol.js';
export { FairQueue, type QueueItem } from './queue.js';
export { loadCircuit, parseCircuitSpec, readServiceConfig, readZkeyInfo, type Circuit, type CircuitConfig, type ServiceConfigFile, type ZkeyInfo } from './circuits.js';
export { ProverService, createProverService, type BackendChoice, type ProverFactory, type ProverServiceOptions, type ServiceEvent } from './service.js';
export { startProverServer, type ProverServer, type ProverServerOptions } from './server.js';
export {
  ENV_PROVER_URL,
  ProverClient,
  type ClientProveResult,
  type ProveOptions as ClientProveOptions,
  type ProverClientOptions,
  type SubmitOptions,
  type SubmitWitness,
  type WaitOptions,
} from './client.js';
