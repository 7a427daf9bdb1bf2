import { PlasmaError } from '@plasma-tree/core';

/** Codes the p2p package raises (every one with a hint). */
export type P2PErrorCode =
  /** A listen or bootstrap multiaddr cannot be parsed or lacks a part (tcp port, /p2p/ peer id). */
  | 'P2P_BAD_ADDRESS'
  /** A listen address cannot be bound (port in use, address not on this machine). */
  | 'P2P_LISTEN_FAILED'
  /** The peer key file exists but is not a libp2p Ed25519 key. */
  | 'P2P_BAD_KEY'
  /** A topic or protocol was registered twice on one host. */
  | 'P2P_DUPLICATE_HANDLER'
  /** A message to publish is above its topic's maxBytes. */
  | 'P2P_MESSAGE_TOO_LARGE'
  /** gossipsub refused to publish (host closed, outbound buffers full). */
  | 'P2P_PUBLISH_FAILED'
  /** A request could not be delivered or the remote answered with an error (its code in data.reason). */
  | 'P2P_REQUEST_FAILED'
  /** No response within timeoutMs. */
  | 'P2P_REQUEST_TIMEOUT'
  /** The request's peer is banned by this host. */
  | 'P2P_PEER_BANNED'
  /** The response is above maxResponseBytes. */
  | 'P2P_RESPONSE_TOO_LARGE'
  /** The host is closed. */
  | 'P2P_CLOSED';

/**
 * Reasons a serving host sends back in a failed response; the caller sees them as `data.reason` of a
 * P2P_REQUEST_FAILED (a handler's own PlasmaError code is passed through the same way).
 */
export type P2PRefusalReason = 'P2P_REQUEST_TOO_LARGE' | 'P2P_RATE_LIMITED' | 'P2P_HANDLER_FAILED' | 'P2P_RESPONSE_TOO_LARGE' | 'P2P_BAD_REQUEST';

export function p2pError(code: P2PErrorCode, message: string, hint: string, data: Record<string, unknown> = {}, cause?: unknown): PlasmaError<P2PErrorCode> {
  return new PlasmaError(code, message, { data, hint, cause });
}
