import { createHash } from 'node:crypto';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { gossipsub, StrictSign, TopicValidatorResult, type GossipSub } from '@libp2p/gossipsub';
import { identify, type Identify } from '@libp2p/identify';
import type { PeerId, PrivateKey, Stream } from '@libp2p/interface';
import { tcp } from '@libp2p/tcp';
import { lpStream } from '@libp2p/utils';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { isPlasmaError } from '@plasma-tree/core';
import { createLibp2p, type Libp2p } from 'libp2p';
import { p2pError } from './errors.js';
import { PeerBook, RateLimits } from './limits.js';

export interface P2PLogger {
  debug(msg: string, data?: object): void;
  info(msg: string, data?: object): void;
  warn(msg: string, data?: object): void;
}

export interface P2PHostOptions {
  /** Multiaddrs to listen on; default `['/ip4/127.0.0.1/tcp/0']` (a free port on loopback). */
  listen?: string[];
  /** Full multiaddrs with `/p2p/<peerId>`: dialled at start and redialled every `redialMs` while not connected. */
  bootstrap?: string[];
  /** Default 2000. */
  redialMs?: number;
  /** Ask peers whom they know and dial those too (default true; off only to test a fixed topology). */
  peerExchange?: boolean;
  /** The host's identity (see loadOrCreatePeerKey); a fresh one per start when absent. */
  privateKey?: PrivateKey;
  logger?: P2PLogger;
  /** How long a misbehaving peer is refused; also the window in which its strikes count. Default 60_000. */
  banMs?: number;
  /** Rejected messages or refused requests (within banMs) that ban a peer. Default 20. */
  maxStrikes?: number;
  gossip?: {
    /** gossipsub heartbeat (mesh upkeep, gossip emission). Default 1000; tests use less so meshes form sooner. */
    heartbeatMs?: number;
  };
}

export type Verdict = 'accept' | 'ignore' | 'reject';

export interface TopicSpec<T> {
  /** Larger messages are rejected before decode (and refused by publish). */
  maxBytes: number;
  /** Per forwarding peer: a token bucket of `burst` tokens refilled at `ratePerSecond`; over it → reject. */
  ratePerSecond: number;
  burst: number;
  /** Throwing rejects the message. */
  decode(bytes: Uint8Array): T;
  /**
   * Runs before a message is delivered or relayed: 'accept' delivers and relays, 'ignore' drops it silently,
   * 'reject' drops it and strikes the peer that forwarded it. A validator that throws counts as 'ignore' (a bug
   * here must not ban honest peers). Keep it fast: gossipsub holds the message until it returns.
   */
  validate(message: T, from: string): Verdict | Promise<Verdict>;
  /** Accepted messages, once each (duplicates from other peers are dropped before validate). */
  onMessage?(message: T, from: string): void;
}

export interface GossipTopic {
  /** Fails with P2P_MESSAGE_TOO_LARGE above maxBytes; a message with no peer to receive it is not an error. */
  publish(bytes: Uint8Array): Promise<void>;
  /** Connected peers subscribed to this topic. */
  subscribers(): string[];
}

export interface ProtocolSpec {
  /** Larger requests are refused with a strike (the caller sees reason P2P_REQUEST_TOO_LARGE). */
  maxRequestBytes: number;
  /** A larger response is not sent: the caller gets reason P2P_RESPONSE_TOO_LARGE. */
  maxResponseBytes: number;
  /** Per peer token bucket; a request over it is refused with a strike (reason P2P_RATE_LIMITED). */
  ratePerSecond: number;
  burst: number;
  /** `signal` aborts when the caller goes away or the host closes. A PlasmaError's code reaches the caller as data.reason. */
  handler(request: Uint8Array, from: string, signal: AbortSignal): Promise<Uint8Array>;
}

export interface RequestOptions {
  /** Default 10_000. */
  timeoutMs?: number;
  /** Aborting rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Default 8 MiB. */
  maxResponseBytes?: number;
}

export interface P2PStats {
  peers: number;
  banned: number;
  /** Gossip messages rejected plus requests refused. */
  rejected: number;
  published: number;
  /** Gossip messages accepted. */
  received: number;
}

type Services = { identify: Identify; pubsub: GossipSub };

const DEFAULT_LISTEN = ['/ip4/127.0.0.1/tcp/0'];
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
/** A peer that opens a request stream and sends nothing must not hold it open. */
const SERVE_READ_TIMEOUT_MS = 10_000;
/** Room for a failure frame whatever the caller's maxResponseBytes. */
const FAILURE_FRAME_BYTES = 1024;
/** Status byte in front of every response. */
const OK = 0;
const FAILED = 1;
// gossipsub's score thresholds; our strikes drive the application-specific part of the score (see start()).
const GOSSIP_THRESHOLD = -10;
const PUBLISH_THRESHOLD = -50;
const GRAYLIST_THRESHOLD = -80;

const silent: P2PLogger = { debug() {}, info() {}, warn() {} };

/** Built-in protocol: a peer's listen addresses and the peers it knows (JSON array of full multiaddrs). */
const PEER_EXCHANGE_PROTOCOL = '/plasma-tree/1/peers';
/** Peers a host keeps dialling (bootstrap and learned). */
const MAX_KNOWN_PEERS = 32;
/** Redial ticks between two rounds of peer exchange. */
const PEER_EXCHANGE_TICKS = 3;

interface BootstrapPeer {
  address: Multiaddr;
  peerId: string;
  failures: number;
}

/**
 * One libp2p host (TCP, noise, yamux, identify, gossipsub) with the chain's rules on top: per-topic size and rate
 * limits, validation before relay, request/response protocols with limits, and strikes that ban a misbehaving peer
 * (its connections are closed and the connection gater refuses it until the ban ends). docs/CONSENSUS.md §5.
 */
export class P2PHost {
  readonly peerId: string;
  private readonly controller = new AbortController();
  private readonly limits = new RateLimits();
  private readonly names = new Set<string>();
  private readonly dialing = new Set<string>();
  private readonly counters = { rejected: 0, published: 0, received: 0 };
  private redialLoop: Promise<void> = Promise.resolve();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly libp2p: Libp2p<Services>,
    private readonly book: PeerBook,
    private readonly bootstrap: BootstrapPeer[],
    private readonly redialMs: number,
    private readonly log: P2PLogger,
  ) {
    this.peerId = libp2p.peerId.toString();
  }

  /** Starts listening and dialling bootstrap peers. Aborting `signal` closes the host. */
  static async start(options: P2PHostOptions = {}, signal?: AbortSignal): Promise<P2PHost> {
    signal?.throwIfAborted();
    const listen = (options.listen ?? DEFAULT_LISTEN).map((a) => parseAddress(a, 'listen'));
    const bootstrap = (options.bootstrap ?? []).map((a) => parseAddress(a, 'bootstrap'));
    const maxStrikes = options.maxStrikes ?? 20;
    const book = new PeerBook({ banMs: options.banMs ?? 60_000, maxStrikes });
    const log = options.logger ?? silent;
    const heartbeatMs = options.gossip?.heartbeatMs ?? 1000;
    const refused = (peer: PeerId) => book.isBanned(peer.toString());

    let libp2p: Libp2p<Services>;
    try {
      libp2p = await createLibp2p({
        privateKey: options.privateKey,
        addresses: { listen: listen.map((a) => a.address.toString()) },
        transports: [tcp()],
        connectionEncrypters: [noise()],
        streamMuxers: [yamux()],
        connectionGater: { denyDialPeer: refused, denyInboundEncryptedConnection: refused, denyOutboundEncryptedConnection: refused },
        services: {
          identify: identify(),
          pubsub: gossipsub({
            globalSignaturePolicy: StrictSign,
            emitSelf: false,
            fallbackToFloodsub: false,
            allowPublishToZeroTopicPeers: true,
            // The same bytes published twice (a tx resent by a wallet) are one message, not an error.
            ignoreDuplicatePublishError: true,
            // Ids hash the content, not (author, seqno): the same tx relayed by two peers is one message.
            msgIdFn: (msg) => createHash('sha256').update(msg.topic).update('\0').update(msg.data).digest(),
            heartbeatInterval: heartbeatMs,
            scoreParams: {
              // Each strike lowers the peer's score; at maxStrikes it reaches the graylist threshold (gossipsub then
              // drops everything the peer sends), which is also when we ban it. Before that, from a few strikes on,
              // we stop gossiping to it.
              appSpecificScore: (peer) => (book.isBanned(peer) ? 2 * GRAYLIST_THRESHOLD : (book.strikesOf(peer) * GRAYLIST_THRESHOLD) / maxStrikes),
              appSpecificWeight: 1,
              // A devnet runs every node on loopback: that must not count as a Sybil colocation.
              IPColocationFactorWhitelist: new Set(['127.0.0.1', '::1']),
            },
            scoreThresholds: { gossipThreshold: GOSSIP_THRESHOLD, publishThreshold: PUBLISH_THRESHOLD, graylistThreshold: GRAYLIST_THRESHOLD },
          }),
        },
      });
    } catch (error) {
      throw listenError(error, options.listen ?? DEFAULT_LISTEN);
    }

    const host = new P2PHost(libp2p, book, bootstrap.map((b) => ({ address: b.address, peerId: b.peerId!, failures: 0 })), options.redialMs ?? 2000, log);
    libp2p.addEventListener('peer:connect', (e) => log.debug('peer connected', { peer: e.detail.toString() }));
    libp2p.addEventListener('peer:disconnect', (e) => log.debug('peer disconnected', { peer: e.detail.toString() }));
    log.info('p2p host listening', { peerId: host.peerId, addresses: host.addresses });
    if (options.peerExchange !== false) host.startPeerExchange();
    // A new peer is asked at once whom it knows (once the connection settled): a restarted node must not wait a
    // whole exchange period with its bootstrap peers as its only way into the network.
    if (options.peerExchange !== false) libp2p.addEventListener('peer:connect', (e) => {
      const peer = e.detail.toString();
      setTimeout(() => void host.exchangeWith(peer).catch(() => undefined), 100).unref();
    });
    host.redialLoop = host.runRedial();
    if (signal?.aborted) {
      await host.close();
      throw signal.reason;
    }
    if (signal) {
      const onAbort = () => void host.close();
      signal.addEventListener('abort', onAbort, { once: true });
      host.controller.signal.addEventListener('abort', () => signal.removeEventListener('abort', onAbort), { once: true });
    }
    return host;
  }

  /** Full multiaddrs, `/p2p/<peerId>` included: what other hosts put in their bootstrap lists. */
  get addresses(): string[] {
    return this.libp2p.getMultiaddrs().map((a) => {
      const s = a.toString();
      return s.includes('/p2p/') ? s : `${s}/p2p/${this.peerId}`;
    });
  }

  /** Connected peer ids. */
  get peers(): string[] {
    return this.libp2p.getPeers().map((p) => p.toString());
  }

  /** Subscribes to a gossip topic (before or after peers connect) and validates what arrives on it. */
  topic<T>(name: string, spec: TopicSpec<T>): GossipTopic {
    this.claim(`topic ${name}`);
    const pubsub = this.libp2p.services.pubsub;
    pubsub.topicValidators.set(name, (peer, msg) => this.validateGossip(name, spec, peer.toString(), msg.data));
    pubsub.subscribe(name);
    return {
      publish: async (bytes) => {
        if (bytes.length > spec.maxBytes) {
          throw p2pError('P2P_MESSAGE_TOO_LARGE', `message of ${bytes.length} bytes is above topic ${name}'s limit of ${spec.maxBytes}`, 'peers reject it: split or shrink the message', { topic: name, bytes: bytes.length, maxBytes: spec.maxBytes });
        }
        this.assertOpen();
        try {
          await pubsub.publish(name, bytes);
        } catch (error) {
          throw p2pError('P2P_PUBLISH_FAILED', `cannot publish on ${name}: ${errorMessage(error)}`, 'the host may be closing or its peers too slow to read; retry later', { topic: name }, error);
        }
        this.counters.published++;
      },
      subscribers: () => pubsub.getSubscribers(name).map((p) => p.toString()),
    };
  }

  /**
   * Serves a request/response protocol: one length-prefixed request and one response per stream. Throws at once
   * on a duplicate or a closed host; the returned promise (never rejecting) resolves once libp2p advertises the
   * protocol, so callers may await it or not.
   */
  handle(protocol: string, spec: ProtocolSpec): Promise<void> {
    this.claim(`protocol ${protocol}`);
    return this.libp2p
      .handle(protocol, (stream, connection) => this.serve(protocol, spec, stream, connection.remotePeer.toString()))
      .catch((error: unknown) => this.log.warn('cannot register protocol', { protocol, error: errorMessage(error) }));
  }

  /**
   * Sends `body` on `protocol` to `peer` (dialled through known addresses when not connected) and returns the
   * response. Fails with P2P_PEER_BANNED, P2P_REQUEST_TIMEOUT, P2P_RESPONSE_TOO_LARGE or P2P_REQUEST_FAILED
   * (the remote's refusal or handler error code in data.reason); data always holds peer and protocol.
   */
  async request(peer: string, protocol: string, body: Uint8Array, opts: RequestOptions = {}): Promise<Uint8Array> {
    this.assertOpen();
    const data: Record<string, unknown> = { peer, protocol };
    if (this.book.isBanned(peer)) {
      throw p2pError('P2P_PEER_BANNED', `peer ${peer} is banned`, 'it misbehaved recently: ask another peer, or wait for the ban (banMs) to end', data);
    }
    let target: Multiaddr;
    try {
      target = multiaddr(`/p2p/${peer}`);
    } catch (error) {
      throw p2pError('P2P_BAD_ADDRESS', `${JSON.stringify(peer)} is not a peer id`, 'peer ids look like 12D3KooW…', data, error);
    }
    const timeoutMs = opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const maxResponseBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any(opts.signal ? [timeout, this.controller.signal, opts.signal] : [timeout, this.controller.signal]);

    let stream: Stream | undefined;
    let frame: Uint8Array;
    try {
      stream = await this.libp2p.dialProtocol(target, protocol, { signal });
      const lp = lpStream(stream, { maxDataLength: Math.max(maxResponseBytes, FAILURE_FRAME_BYTES) + 1 });
      await lp.write(body, { signal });
      frame = (await lp.read({ signal })).subarray();
      await stream.close({ signal }).catch(() => {});
    } catch (error) {
      stream?.abort(error instanceof Error ? error : new Error(String(error)));
      if (opts.signal?.aborted) throw opts.signal.reason;
      if (timeout.aborted) throw p2pError('P2P_REQUEST_TIMEOUT', `${protocol} request to ${peer} got no response within ${timeoutMs} ms`, 'the peer is slow or unreachable: retry, or ask another peer', { ...data, timeoutMs }, error);
      if (this.controller.signal.aborted) throw closedError();
      if (isTooLong(error)) throw tooLarge(data, maxResponseBytes, error);
      throw p2pError('P2P_REQUEST_FAILED', `${protocol} request to ${peer} failed: ${errorMessage(error)}`, 'the peer may be unreachable, not serve this protocol, or have reset the stream', data, error);
    }

    if (frame[0] === OK) {
      const response = frame.subarray(1);
      if (response.length > maxResponseBytes) throw tooLarge(data, maxResponseBytes);
      return response;
    }
    let reason = 'P2P_BAD_RESPONSE';
    let remoteMessage = 'malformed response';
    if (frame[0] === FAILED) {
      try {
        const parsed = JSON.parse(new TextDecoder().decode(frame.subarray(1))) as { code?: unknown; message?: unknown };
        if (typeof parsed.code === 'string') reason = parsed.code;
        if (typeof parsed.message === 'string') remoteMessage = parsed.message;
      } catch {
        // keep the "malformed response" reason
      }
    }
    throw p2pError('P2P_REQUEST_FAILED', `${protocol} request to ${peer} refused: ${reason}: ${remoteMessage}`, refusalHint(reason), { ...data, reason, remoteMessage });
  }

  /** Opens a connection to a full multiaddr (`…/p2p/<peerId>`) and returns the peer id. */
  async dial(address: string, signal?: AbortSignal): Promise<string> {
    this.assertOpen();
    const { address: ma, peerId } = parseAddress(address, 'bootstrap');
    try {
      await this.libp2p.dial(ma, { signal: signal ? AbortSignal.any([signal, this.controller.signal]) : this.controller.signal });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const banned = this.book.isBanned(peerId!);
      throw p2pError(banned ? 'P2P_PEER_BANNED' : 'P2P_REQUEST_FAILED', `cannot connect to ${address}: ${errorMessage(error)}`, banned ? 'the peer is banned by this host until its ban ends' : 'check that the peer is running and the address is reachable', { peer: peerId, address }, error);
    }
    return peerId!;
  }

  on(event: 'peer:connect' | 'peer:disconnect', listener: (peerId: string) => void): () => void {
    const handler = (e: CustomEvent<PeerId>) => listener(e.detail.toString());
    this.libp2p.addEventListener(event, handler);
    return () => this.libp2p.removeEventListener(event, handler);
  }

  isBanned(peerId: string): boolean {
    return this.book.isBanned(peerId);
  }

  /** Strikes against a peer in the current window (0 when banned: the ban replaced them). */
  strikes(peerId: string): number {
    return this.book.strikesOf(peerId);
  }

  stats(): P2PStats {
    return { peers: this.libp2p.getPeers().length, banned: this.book.bannedCount(), ...this.counters };
  }

  /** Stops the redial loop, aborts running handlers, closes every connection. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.controller.abort();
      this.libp2p.services.pubsub.topicValidators.clear();
      await this.redialLoop;
      await this.libp2p.stop();
      this.log.info('p2p host closed', { peerId: this.peerId });
    })();
    return this.closing;
  }

  private async validateGossip<T>(topic: string, spec: TopicSpec<T>, from: string, data: Uint8Array): Promise<TopicValidatorResult> {
    if (this.controller.signal.aborted || this.book.isBanned(from)) return TopicValidatorResult.Ignore;
    const reject = (reason: string, extra: object = {}) => {
      this.counters.rejected++;
      this.strike(from, reason, { topic, ...extra });
      return TopicValidatorResult.Reject;
    };
    if (data.length > spec.maxBytes) return reject('message above the size limit', { bytes: data.length, maxBytes: spec.maxBytes });
    if (!this.limits.take(`topic\n${topic}`, from, spec.ratePerSecond, spec.burst)) return reject('messages above the rate limit');
    let message: T;
    try {
      message = spec.decode(data);
    } catch (error) {
      return reject('undecodable message', { error: errorMessage(error) });
    }
    let verdict: Verdict;
    try {
      verdict = await spec.validate(message, from);
    } catch (error) {
      this.log.warn('topic validator threw; message ignored', { topic, peer: from, error: errorMessage(error) });
      return TopicValidatorResult.Ignore;
    }
    if (verdict === 'reject') return reject('invalid message');
    if (verdict !== 'accept') return TopicValidatorResult.Ignore;
    this.counters.received++;
    try {
      spec.onMessage?.(message, from);
    } catch (error) {
      this.log.warn('topic onMessage threw', { topic, peer: from, error: errorMessage(error) });
    }
    return TopicValidatorResult.Accept;
  }

  private async serve(protocol: string, spec: ProtocolSpec, stream: Stream, from: string): Promise<void> {
    const gone = new AbortController();
    const onGone = () => gone.abort();
    stream.addEventListener('close', onGone);
    this.controller.signal.addEventListener('abort', onGone);
    const lp = lpStream(stream, { maxDataLength: spec.maxRequestBytes });
    const reply = async (status: number, body: Uint8Array) => {
      const frame = new Uint8Array(body.length + 1);
      frame[0] = status;
      frame.set(body, 1);
      await lp.write(frame, { signal: AbortSignal.any([gone.signal, AbortSignal.timeout(SERVE_READ_TIMEOUT_MS)]) });
      await stream.close({ signal: AbortSignal.timeout(SERVE_READ_TIMEOUT_MS) });
    };
    const fail = (code: string, message: string) => reply(FAILED, new TextEncoder().encode(JSON.stringify({ code, message: message.slice(0, 400) })));
    const refuse = async (code: string, message: string, extra: object = {}) => {
      this.counters.rejected++;
      this.strike(from, message, { protocol, ...extra });
      await fail(code, message);
    };
    try {
      if (this.book.isBanned(from)) return stream.abort(new Error('peer banned'));
      if (!this.limits.take(`protocol\n${protocol}`, from, spec.ratePerSecond, spec.burst)) {
        return await refuse('P2P_RATE_LIMITED', `more than ${spec.ratePerSecond} ${protocol} requests per second`);
      }
      let request: Uint8Array;
      try {
        request = (await lp.read({ signal: AbortSignal.any([gone.signal, AbortSignal.timeout(SERVE_READ_TIMEOUT_MS)]) })).subarray();
      } catch (error) {
        if (isTooLong(error)) return await refuse('P2P_REQUEST_TOO_LARGE', `request above ${spec.maxRequestBytes} bytes`, { maxBytes: spec.maxRequestBytes });
        throw error;
      }
      let response: Uint8Array;
      try {
        response = await spec.handler(request, from, gone.signal);
      } catch (error) {
        if (gone.signal.aborted) throw error;
        this.log.debug('request handler failed', { protocol, peer: from, error: errorMessage(error) });
        // Only our own coded errors go back in full; anything else may carry internals.
        return await (isPlasmaError(error) ? fail(error.code, error.message) : fail('P2P_HANDLER_FAILED', 'the handler failed'));
      }
      if (response.length > spec.maxResponseBytes) {
        this.log.warn('response above maxResponseBytes not sent', { protocol, peer: from, bytes: response.length, maxBytes: spec.maxResponseBytes });
        return await fail('P2P_RESPONSE_TOO_LARGE', `response of ${response.length} bytes is above ${spec.maxResponseBytes}`);
      }
      await reply(OK, response);
    } catch (error) {
      this.log.debug('request stream failed', { protocol, peer: from, error: errorMessage(error) });
      stream.abort(error instanceof Error ? error : new Error(String(error)));
    } finally {
      stream.removeEventListener('close', onGone);
      this.controller.signal.removeEventListener('abort', onGone);
    }
  }

  private strike(peer: string, reason: string, data: object): void {
    const banned = this.book.strike(peer);
    this.log.debug('peer strike', { peer, reason, ...data });
    if (!banned) return;
    this.log.warn('peer banned', { peer, reason, ...data });
    for (const connection of this.libp2p.getConnections()) {
      if (connection.remotePeer.toString() === peer) connection.close().catch((error: Error) => connection.abort(error));
    }
  }

  /**
   * Peer exchange: a host tells who asks the addresses it listens on and those of the peers it knows, and keeps
   * what its peers tell it as peers to dial (like bootstrap peers, up to MAX_KNOWN_PEERS). Without it every node
   * would hang off its bootstrap peers alone, and losing those would cut it off from the rest of the network.
   */
  private exchanging = false;

  private startPeerExchange(): void {
    this.exchanging = true;
    void this.handle(PEER_EXCHANGE_PROTOCOL, {
      maxRequestBytes: 16,
      maxResponseBytes: 64 * 1024,
      ratePerSecond: 2,
      burst: 10,
      handler: async () => {
        const known = [...this.addresses, ...this.bootstrap.map((p) => p.address.toString())].slice(0, MAX_KNOWN_PEERS);
        return new TextEncoder().encode(JSON.stringify(known));
      },
    });
  }

  private async exchangePeers(): Promise<void> {
    for (const peer of this.peers) await this.exchangeWith(peer);
  }

  private async exchangeWith(peer: string): Promise<void> {
    {
      let list: unknown;
      try {
        list = JSON.parse(new TextDecoder().decode(await this.request(peer, PEER_EXCHANGE_PROTOCOL, Uint8Array.of(1), { timeoutMs: 5000 })));
      } catch {
        return;
      }
      if (!Array.isArray(list)) return;
      for (const value of list.slice(0, MAX_KNOWN_PEERS)) {
        if (typeof value !== 'string' || this.bootstrap.length >= MAX_KNOWN_PEERS) continue;
        let address: Multiaddr;
        try {
          address = multiaddr(value);
        } catch {
          continue;
        }
        const peerId = /\/p2p\/([^/]+)$/.exec(value)?.[1];
        // Loopback only from loopback peers would be stricter; a devnet and a LAN both need what peers listen on.
        if (!peerId || peerId === this.peerId || this.bootstrap.some((p) => p.peerId === peerId)) continue;
        this.bootstrap.push({ address, peerId, failures: 0 });
        this.log.debug('learned a peer', { address: value });
      }
    }
  }

  private async runRedial(): Promise<void> {
    const signal = this.controller.signal;
    let tick = 0;
    while (!signal.aborted) {
      if (tick++ % PEER_EXCHANGE_TICKS === 0 && this.exchanging) await this.exchangePeers().catch(() => undefined);
      for (const peer of this.bootstrap) void this.redial(peer);
      this.limits.prune();
      this.book.prune();
      await sleep(this.redialMs, signal);
    }
  }

  private async redial(peer: BootstrapPeer): Promise<void> {
    if (peer.peerId === this.peerId || this.dialing.has(peer.peerId) || this.book.isBanned(peer.peerId)) return;
    if (this.libp2p.getConnections().some((c) => c.remotePeer.toString() === peer.peerId)) return;
    this.dialing.add(peer.peerId);
    try {
      await this.libp2p.dial(peer.address, { signal: this.controller.signal });
      this.log.info('connected to bootstrap peer', { address: peer.address.toString(), failedDials: peer.failures });
      peer.failures = 0;
    } catch (error) {
      if (this.controller.signal.aborted) return;
      peer.failures++;
      // Warn once per outage; the loop keeps trying every redialMs.
      const log = peer.failures === 1 ? this.log.warn : this.log.debug;
      log.call(this.log, 'cannot reach bootstrap peer; redialling', { address: peer.address.toString(), redialMs: this.redialMs, error: errorMessage(error) });
    } finally {
      this.dialing.delete(peer.peerId);
    }
  }

  private claim(name: string): void {
    this.assertOpen();
    if (this.names.has(name)) throw p2pError('P2P_DUPLICATE_HANDLER', `${name} is already registered on this host`, 'register each topic and protocol once per host', { name });
    this.names.add(name);
  }

  private assertOpen(): void {
    if (this.controller.signal.aborted) throw closedError();
  }
}

function parseAddress(value: string, kind: 'listen' | 'bootstrap'): { address: Multiaddr; peerId?: string } {
  const example = kind === 'listen' ? '/ip4/0.0.0.0/tcp/4001' : '/ip4/10.0.0.2/tcp/4001/p2p/12D3KooW…';
  const bad = (why: string, cause?: unknown) =>
    p2pError('P2P_BAD_ADDRESS', `bad ${kind} address ${JSON.stringify(value)}: ${why}`, `write it as a multiaddr, e.g. ${example}`, { address: value, kind }, cause);
  let address: Multiaddr;
  try {
    address = multiaddr(value);
  } catch (error) {
    throw bad('not a multiaddr', error);
  }
  const components = address.getComponents();
  if (!components.some((c) => c.name === 'tcp')) throw bad('no /tcp/<port>');
  const peerId = [...components].reverse().find((c) => c.name === 'p2p')?.value;
  if (kind === 'bootstrap' && peerId === undefined) throw bad('no /p2p/<peerId>');
  if (kind === 'listen' && peerId !== undefined) throw bad('a listen address has no /p2p/ part');
  return { address, peerId };
}

function listenError(error: unknown, listen: string[]): unknown {
  const text = errorMessage(error);
  const data = { listen };
  const failed = (why: string, hint: string) => p2pError('P2P_LISTEN_FAILED', `cannot listen on ${listen.join(', ')}: ${why}`, hint, data, error);
  if (text.includes('EADDRINUSE')) return failed('address in use', 'another process (another node?) listens on that port: stop it, or choose another port (tcp/0 picks a free one)');
  if (text.includes('EADDRNOTAVAIL')) return failed('address not available', 'the IP is not one of this machine\'s: listen on 0.0.0.0 or a local address');
  if (text.includes('EACCES')) return failed('permission denied', 'ports below 1024 need privileges: choose a higher port');
  if ((error as Error)?.name === 'UnsupportedListenAddressesError') return failed(text.split('\n')[0], 'check the listen addresses');
  return error;
}

function refusalHint(reason: string): string {
  switch (reason) {
    case 'P2P_RATE_LIMITED':
      return 'the peer serves a bounded number of requests per second: slow down (refusals count against this host)';
    case 'P2P_REQUEST_TOO_LARGE':
      return 'the request is above the peer\'s limit for this protocol';
    case 'P2P_RESPONSE_TOO_LARGE':
      return 'the response would be above the peer\'s limit: ask for less';
    case 'P2P_HANDLER_FAILED':
      return 'the peer failed to answer: retry, or ask another peer';
    default:
      return 'the peer refused the request: see data.reason';
  }
}

function tooLarge(data: Record<string, unknown>, maxResponseBytes: number, cause?: unknown) {
  return p2pError('P2P_RESPONSE_TOO_LARGE', `${String(data.protocol)} response from ${String(data.peer)} is above ${maxResponseBytes} bytes`, 'ask for less, or raise maxResponseBytes', { ...data, maxResponseBytes }, cause);
}

function closedError() {
  return p2pError('P2P_CLOSED', 'the p2p host is closed', 'start a new host');
}

function isTooLong(error: unknown): boolean {
  return (error as Error)?.name === 'InvalidDataLengthError';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
