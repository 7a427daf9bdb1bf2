/**
 * The edge functions of the example: what every validator of every chain runs. The module exports
 * `edgeFunctions` and `messageHandlers`, so a node process can load it as its `edgeModule`
 * (`plasma-tree devnet --edge-module examples/edge-function/edges.ts`, or "edgeModule" in a node's config file).
 */
import { defineEdgeFunction, PlasmaError, type Address, type Hex, type MessageHandler } from '@plasma-tree/core';

const NAME = /^[a-z0-9-]{3,32}$/;

/** A name as storage key and payload: its UTF-8 bytes, 0x-hex. */
export function nameKey(name: string): Hex {
  return `0x${Buffer.from(name, 'utf8').toString('hex')}`;
}

/**
 * A name registry across one edge, parent → child: the parent is the registrar (first come, first served), the
 * child keeps a copy of who owns what, so contracts-to-be and users on the child can rely on it without asking
 * the parent.
 * - send half (on the parent, in the caller's EDGE_SEND): refuses a malformed name or one that is taken, and
 *   records the claim in the parent's storage. A refusal here refuses the whole call: nothing is sent down.
 * - receive half (on the child, when it applies the event's nonce): records the owner in the child's storage.
 */
export const nameRegistry = defineEdgeFunction({
  name: 'example/name-registry/v1',
  direction: 'down',
  decode(payload: Hex): string {
    const name = Buffer.from(payload.slice(2), 'hex').toString('utf8');
    if (!NAME.test(name)) {
      throw new PlasmaError('BAD_NAME', `"${name}" is not a name: 3 to 32 of a-z, 0-9 and -`, { hint: 'pick a name such as "alice" or "team-7"' });
    }
    return name;
  },
  send(ctx, name) {
    const owner = ctx.storage.get(nameKey(name));
    if (owner !== undefined) {
      throw new PlasmaError('NAME_TAKEN', `"${name}" is taken (by ${owner})`, { hint: 'pick another name' });
    }
    ctx.storage.set(nameKey(name), ctx.sender);
  },
  receive(ctx, name) {
    ctx.storage.set(nameKey(name), ctx.sender);
  },
});

export const edgeFunctions = [nameRegistry];

/** Where the greeter's messages go on a chain: a plain address, no contract (handlers are TypeScript). */
export const GREETER: Address = '0x000000000000000000000000000000000000beef';

/**
 * A message handler: keeps the last greeting and counts them, in its own storage (the message function's
 * storage, under the greeter's prefix, so no other handler can touch it). Throwing would fail the delivery.
 */
const greeter: MessageHandler = (ctx, message) => {
  if (message.data === '0x') throw new Error('an empty greeting');
  ctx.storage.set('0x01', message.data);
  const count = BigInt(ctx.storage.get('0x02') ?? 0n) + 1n;
  ctx.storage.set('0x02', `0x${count.toString(16).padStart(64, '0')}`);
};

export const messageHandlers: Record<string, MessageHandler> = { [GREETER]: greeter };
