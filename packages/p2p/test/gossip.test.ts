import { afterEach, describe, expect, it } from 'vitest';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { isPlasmaError } from '@plasma-tree/core';
import { Hosts, inbox, open, publishUntil, sleep, text, untext, waitFor } from './helpers.js';

const hosts = new Hosts();
afterEach(() => hosts.closeAll());

describe('gossip', () => {
  it('relays along a line A–B–C and reconnects after B restarts with the same key and port', async () => {
    const a = await hosts.start({ peerExchange: false });
    const keyB = await generateKeyPair('Ed25519');
    const b = await hosts.start({ peerExchange: false, privateKey: keyB, bootstrap: a.addresses });
    const c = await hosts.start({ peerExchange: false, bootstrap: b.addresses });
    // Subscribed before the peers connect: subscriptions are exchanged when they do.
    const topicA = a.topic('t', open);
    b.topic('t', open);
    const atC = inbox();
    c.topic('t', { ...open, onMessage: atC.onMessage });

    await publishUntil('a message from A at C', topicA.publish, 'first', () => atC.has((m) => m.startsWith('first-')));
    expect(c.peers).toEqual([b.peerId]); // C only hears A through B
    expect(atC.got[0].from).toBe(b.peerId); // `from` is the forwarding peer

    const port = b.addresses[0].split('/')[4];
    await b.close();
    await waitFor('A and C to lose B', () => a.peers.length === 0 && c.peers.length === 0);

    const b2 = await hosts.start({ peerExchange: false, privateKey: keyB, listen: [`/ip4/127.0.0.1/tcp/${port}`], bootstrap: a.addresses });
    b2.topic('t', open);
    expect(b2.peerId).toBe(b.peerId);
    await waitFor('A and C to reconnect to the new B', () => a.peers.includes(b2.peerId) && c.peers.includes(b2.peerId));
    await publishUntil('gossip to flow again', topicA.publish, 'second', () => atC.has((m) => m.startsWith('second-')));
  });

  it('delivers and relays accepted messages only', async () => {
    const a = await hosts.start({ peerExchange: false });
    const atB = inbox();
    const b = await hosts.start({ peerExchange: false, bootstrap: a.addresses });
    const c = await hosts.start({ peerExchange: false, bootstrap: b.addresses });
    const topicA = a.topic('t', open);
    b.topic('t', {
      ...open,
      validate: (m) => (m.startsWith('bad') ? 'reject' : m.startsWith('meh') ? 'ignore' : 'accept'),
      onMessage: atB.onMessage,
    });
    const atC = inbox();
    c.topic('t', { ...open, onMessage: atC.onMessage });

    await publishUntil('the mesh A–B–C', topicA.publish, 'warm', () => atC.has((m) => m.startsWith('warm')));
    await topicA.publish(text('bad-1'));
    await topicA.publish(text('meh-1'));
    await topicA.publish(text('good-1'));
    await waitFor('good-1 at C', () => atC.has((m) => m === 'good-1'));
    await waitFor('the rejection at B', () => b.stats().rejected === 1);
    await sleep(200); // anything wrongly relayed would arrive by now

    expect(atB.messages()).toContain('good-1');
    expect(atB.messages().filter((m) => /^(bad|meh)/.test(m))).toEqual([]);
    expect(atC.messages().filter((m) => /^(bad|meh)/.test(m))).toEqual([]);
    expect(b.strikes(a.peerId)).toBe(1); // reject strikes the forwarder; ignore does not
    expect(b.isBanned(a.peerId)).toBe(false);
  });

  it('bans a flooding peer and keeps delivering a well-behaved one', async () => {
    const atR = inbox();
    const r = await hosts.start({ peerExchange: false, maxStrikes: 10, banMs: 30_000 });
    r.topic('t', { ...open, ratePerSecond: 5, burst: 5, onMessage: atR.onMessage });
    const flooder = await hosts.start({ peerExchange: false, bootstrap: r.addresses });
    const good = await hosts.start({ peerExchange: false, bootstrap: r.addresses });
    const flood = flooder.topic('t', open);
    const polite = good.topic('t', open);

    await publishUntil('the good peer heard', polite.publish, 'hello', () => atR.has((m) => m.startsWith('hello')), 10_000, 300);
    await waitFor('the flooder subscribed at R', () => r.peers.includes(flooder.peerId));
    await waitFor('R subscribed at the flooder', () => flood.subscribers().includes(r.peerId));
    for (let i = 0; i < 100; i++) await flood.publish(text(`spam-${i}`));

    await waitFor('the flooder banned', () => r.isBanned(flooder.peerId));
    await waitFor('the flooder disconnected', () => !r.peers.includes(flooder.peerId) && !flooder.peers.includes(r.peerId));
    expect(r.stats().banned).toBe(1);
    expect(r.stats().rejected).toBeGreaterThanOrEqual(10);
    expect(atR.messages().filter((m) => m.startsWith('spam')).length).toBeLessThanOrEqual(6); // the burst, at most

    // The flooder's redial (every 200 ms) and an explicit dial are refused while the ban lasts. R's gater drops
    // the connection once noise tells it who dialled; the dialler may see it open for a moment, then closed.
    const reconnects: string[] = [];
    r.on('peer:connect', (id) => void reconnects.push(id));
    await sleep(700);
    await flooder.dial(r.addresses[0]).catch(() => {});
    await waitFor('the refused dial to close', () => !flooder.peers.includes(r.peerId));
    expect(reconnects).toEqual([]);
    expect(r.peers).not.toContain(flooder.peerId);

    const before = atR.got.length;
    await publishUntil('the good peer still heard', polite.publish, 'still', () => atR.has((m) => m.startsWith('still')), 10_000, 300);
    expect(atR.got.length).toBeGreaterThan(before);
    expect(r.strikes(good.peerId)).toBe(0);
    expect(r.peers).toContain(good.peerId);
  });

  it('rejects a message above the topic size limit', async () => {
    const atB = inbox();
    const a = await hosts.start({ peerExchange: false });
    const b = await hosts.start({ peerExchange: false, bootstrap: a.addresses });
    const topicA = a.topic('t', { ...open, maxBytes: 10_000 });
    b.topic('t', { ...open, maxBytes: 100, onMessage: atB.onMessage });

    await publishUntil('the mesh A–B', topicA.publish, 'small', () => atB.got.length > 0);
    await topicA.publish(text('x'.repeat(500)));
    await waitFor('the oversize rejection', () => b.stats().rejected === 1);
    expect(atB.messages().some((m) => m.length > 100)).toBe(false);
    expect(b.strikes(a.peerId)).toBe(1);

    // Our own limit applies before publishing.
    const small = b.topic('u', { ...open, maxBytes: 4 });
    await expect(small.publish(text('12345'))).rejects.toSatisfy((e) => isPlasmaError(e, 'P2P_MESSAGE_TOO_LARGE'));
  });

  it('publishes with no peers, and counts messages', async () => {
    const a = await hosts.start({ peerExchange: false });
    const t = a.topic('t', open);
    await t.publish(text('alone'));
    await t.publish(text('alone')); // the same bytes again are one message, not an error
    expect(a.stats()).toMatchObject({ peers: 0, banned: 0, published: 2, received: 0 });
    expect(() => a.topic('t', open)).toThrow(expect.objectContaining({ code: 'P2P_DUPLICATE_HANDLER' }));
    expect(untext(text('x'))).toBe('x');
  });
});
