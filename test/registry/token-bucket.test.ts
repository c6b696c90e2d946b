// The token bucket behind the bandwidth caps, on a hand-driven clock.
import { describe, expect, it } from 'vitest';
import { MIN_BURST, TokenBucket } from '../../src/registry/token-bucket.js';

function clock() {
  const c = { t: 0, now: () => c.t };
  return c;
}

describe('TokenBucket', () => {
  it('lets a burst through at once, then makes each reservation wait its share', () => {
    const c = clock();
    const b = new TokenBucket(1000, c.now, 500);
    expect(b.reserve(500)).toBe(0);
    expect(b.reserve(100)).toBe(100); // 100 bytes at 1000 B/s
    expect(b.reserve(100)).toBe(200); // queued behind the first: first come, first served
  });

  it('refills with time, never past the burst', () => {
    const c = clock();
    const b = new TokenBucket(1000, c.now, 500);
    b.reserve(500);
    c.t = 250;
    expect(b.reserve(250)).toBe(0);
    c.t = 60_000; // a long pause fills it to the burst, not to a minute of bytes
    expect(b.reserve(500)).toBe(0);
    expect(b.reserve(1000)).toBe(1000);
  });

  it('holds the rate over a long run whatever the chunk size', () => {
    for (const chunk of [1000, 65_536, 524_288]) {
      const c = clock();
      const b = new TokenBucket(10_000_000, c.now);
      let sent = 0;
      // One sender that writes as soon as it is allowed: the time it may send `total` bytes.
      while (sent < 300_000_000) {
        c.t += b.reserve(chunk);
        sent += chunk;
      }
      const rate = (sent - b.burst) / (c.t / 1000);
      expect(Math.abs(rate - 10_000_000) / 10_000_000).toBeLessThan(0.005);
    }
  });

  it('shares the rate evenly among transfers that each keep two chunks queued', () => {
    const c = clock();
    const b = new TokenBucket(8_000_000, c.now);
    const chunk = 524_288;
    const sent = [0, 0, 0, 0, 0, 0, 0, 0];
    // Event queue of (time a write is allowed, transfer): each write done queues that transfer's next.
    const queue: { at: number; who: number }[] = [];
    for (let who = 0; who < sent.length; who++) for (let k = 0; k < 2; k++) queue.push({ at: b.reserve(chunk), who });
    while (c.t < 60_000) {
      queue.sort((x, y) => x.at - y.at);
      const { at, who } = queue.shift()!;
      c.t = at;
      sent[who]! += chunk;
      queue.push({ at: c.t + b.reserve(chunk), who });
    }
    const mean = sent.reduce((a, b) => a + b, 0) / sent.length;
    for (const s of sent) expect(Math.abs(s - mean) / mean).toBeLessThan(0.02);
    expect(Math.abs(sent.reduce((a, b) => a + b, 0) / 60 - 8_000_000) / 8_000_000).toBeLessThan(0.02);
  });

  it('says how long until it is full again', () => {
    const c = clock();
    const b = new TokenBucket(1000, c.now, 500);
    expect(b.msUntilFull()).toBe(0);
    b.reserve(700); // 200 in debt
    expect(b.msUntilFull()).toBe(700);
    c.t = 700;
    expect(b.msUntilFull()).toBe(0);
  });

  it('defaults the burst to a quarter second of the rate, at least two read chunks', () => {
    expect(new TokenBucket(100 * 2 ** 20).burst).toBe(25 * 2 ** 20);
    expect(new TokenBucket(1024).burst).toBe(MIN_BURST);
    expect(() => new TokenBucket(0)).toThrow(/positive/);
  });
});
