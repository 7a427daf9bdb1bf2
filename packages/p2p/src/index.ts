// Must stay first: libp2p needs Promise.withResolvers, which Node 20 lacks.
import './polyfill.js';

export { P2PHost } from './host.js';
export type { GossipTopic, P2PHostOptions, P2PLogger, P2PStats, ProtocolSpec, RequestOptions, TopicSpec, Verdict } from './host.js';
export { loadOrCreatePeerKey, peerIdOf } from './keys.js';
export type { P2PErrorCode, P2PRefusalReason } from './errors.js';
export type { PrivateKey } from '@libp2p/interface';
