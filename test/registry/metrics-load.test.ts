// prom-client's deferred load is counted from the listening line: a slow load (a large compressed
// bundle) must not compile it on the way there.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { metricsStage } from '../../src/registry/metrics.js';

const seed = () => ({ images: 0, reloads: { ok: 0, failed: 0 } });

afterEach(() => {
  vi.useRealTimers();
});

describe('metrics stage: prom-client loaded after the listening line', () => {
  it('arms no timer while the seed is not yet listening, and one once it is', async () => {
    vi.useFakeTimers();
    let listened = () => {};
    const listening = new Promise<void>((resolve) => (listened = resolve));
    metricsStage(seed, [], listening);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(vi.getTimerCount()).toBe(0);
    listened();
    await Promise.resolve();
    await Promise.resolve();
    expect(vi.getTimerCount()).toBe(1);
  });
});
