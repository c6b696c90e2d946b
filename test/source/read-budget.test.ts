// The read budget: one slab shared by all transfers, shares shrinking with the number of transfers.
import { describe, expect, it } from 'vitest';
import { MIN_CHUNK, ReadBudget } from '../../src/source/read-budget.js';

const KIB = 1024;

describe('ReadBudget', () => {
  it('gives one transfer full chunks and many transfers smaller ones, all within the slab', () => {
    const budget = new ReadBudget(512 * KIB, 8 * 1024 * KIB);
    budget.begin();
    const first = budget.take();
    expect(first.buffer.length).toBe(512 * KIB);
    budget.give(first);
    for (let i = 1; i < 64; i++) budget.begin();
    const leases = Array.from({ length: 64 }, () => budget.take());
    const sizes = leases.map((l) => l.buffer.length);
    // 8 MiB for 64 transfers of one buffer each: 128 KiB, none outside the slab.
    expect(sizes.every((s) => s === 128 * KIB)).toBe(true);
    expect(leases.every((l) => l.order >= 0)).toBe(true);
    // The slab is spent: the next buffer is the bounded overdraft, outside it.
    expect(budget.take()).toMatchObject({ order: -1, buffer: { length: MIN_CHUNK } });
  });

  it('lends two full chunks per transfer while they fit, then one buffer of twice the share', () => {
    const budget = new ReadBudget(512 * KIB, 8 * 1024 * KIB);
    let begun = 0;
    const sizeAt = (transfers: number) => {
      for (; begun < transfers; begun++) budget.begin();
      const lease = budget.take();
      budget.give(lease);
      return [budget.buffersPerTransfer(), lease.buffer.length / KIB];
    };
    // 8 transfers × 2 × 512 KiB is the whole slab; past that, 2 × 128 KiB would be 1 × 256 KiB.
    expect([1, 8, 9, 16, 32, 64].map(sizeAt)).toEqual([[2, 512], [2, 512], [1, 512], [1, 512], [1, 256], [1, 128]]);
  });

  it('never lends one byte twice, and merges returned blocks back into whole chunks', () => {
    const budget = new ReadBudget(512 * KIB, 2 * 1024 * KIB);
    const owner = new Map<number, number>();
    const leases = [];
    for (let t = 0; t < 40; t++) {
      budget.begin();
      const lease = budget.take();
      if (lease.order < 0) continue;
      for (let b = lease.offset; b < lease.offset + lease.buffer.length; b += MIN_CHUNK) {
        expect(owner.has(b)).toBe(false);
        owner.set(b, t);
      }
      leases.push(lease);
    }
    for (const lease of leases.reverse()) budget.give(lease);
    expect(budget.freeBytes()).toBe(2 * 1024 * KIB);
    for (let t = 0; t < 40; t++) budget.end();
    budget.begin();
    expect([budget.take(), budget.take(), budget.take(), budget.take()].map((l) => l.buffer.length)).toEqual(Array(4).fill(512 * KIB));
  });

  it('works with a chunk smaller than the minimum', () => {
    const budget = new ReadBudget(1024, 4096);
    budget.begin();
    expect(budget.take().buffer.length).toBe(1024);
  });
});
