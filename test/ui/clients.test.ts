// The page's client table: one record per address, found through the connection, bounded in size.
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ClientTracker } from '../../src/ui/clients.js';

/** A request on `socket` (one object per connection, as node gives), with the peer address it reports. */
function request(socket: object, headers: Record<string, string> = {}): IncomingMessage {
  return { socket, headers } as unknown as IncomingMessage;
}
const connection = (address: string) => ({ remoteAddress: address });

describe('ClientTracker', () => {
  it('two connections from one address are one client; its user follows the Authorization header', () => {
    const tracker = new ClientTracker();
    const [a, b] = [connection('10.0.0.7'), connection('10.0.0.7')];
    tracker.seen(request(a));
    const c = tracker.seen(request(b, { authorization: `Basic ${Buffer.from('alice:pw').toString('base64')}` }));
    expect([...tracker.clients.keys()]).toEqual(['10.0.0.7']);
    expect(c.requests).toBe(2);
    expect(c.user).toBe('alice');
    expect(tracker.seen(request(a)).user).toBeUndefined();
  });

  it('past 4096 addresses the oldest is forgotten, and a connection still open from it starts a new record', () => {
    const tracker = new ClientTracker();
    const first = connection('10.1.0.0');
    const old = tracker.seen(request(first));
    for (let i = 1; i <= 4096; i++) tracker.seen(request(connection(`10.1.${i >> 8}.${i & 255}`)));
    expect(tracker.clients.size).toBe(4096);
    expect(tracker.clients.has('10.1.0.0')).toBe(false);
    const again = tracker.seen(request(first));
    expect(again).not.toBe(old);
    expect(tracker.clients.get('10.1.0.0')).toBe(again);
    expect(again.requests).toBe(1);
  });
});
