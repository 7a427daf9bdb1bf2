/** Worker thread of the SignaturePool: answers RecoveryRequests with core's secp256k1 scheme. */
import { parentPort } from 'node:worker_threads';
import { recoverPacked, type RecoveryRequest, type RecoveryResponse } from './sigPool.js';

if (!parentPort) throw new Error('sigWorker.ts must run in a worker thread');
const port = parentPort;

port.on('message', (request: RecoveryRequest) => {
  const response: RecoveryResponse = { id: request.id, ...recoverPacked(new Uint8Array(request.packed), request.count) };
  port.postMessage(response);
});

port.postMessage('ready');
