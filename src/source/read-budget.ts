// Read buffers for all transfers come out of one slab of fixed size, allocated once. Each transfer's
// buffers are an equal share of it, at most the full chunk: one or a few pulls read in full chunks
// into two buffers each (one is read while the other is written), many at once read in smaller
// ones, and the sum stays within the slab however many clients pull. Once two full chunks per
// transfer no longer fit, a transfer holds one buffer of twice the size instead of two: the same
// memory in half the reads and writes (each read wakes a pool thread and each write a client, and
// on a busy machine every wake-up is a chance to lose the CPU), while the other transfers keep the
// loop busy during one transfer's read. A buffer is lent for one read and its write, then comes back,
// so the share follows the transfers as they come and go. Blocks are carved from the slab by a buddy
// allocator: nothing is freed to the garbage collector, which only returns dropped buffers at its
// next full collection (dropped buffers, not live ones, were most of the memory at 64 clients).

/** Bytes of read buffers for all transfers together: 8 transfers at a full 512 KiB chunk. */
export const READ_BUDGET = 8 * 1024 * 1024;
/**
 * The smallest buffer a transfer gets. When even that is not free in the slab (past
 * budget / (2 × this) transfers, 256 at the defaults), a transfer gets a buffer of this size
 * outside it: a bounded overdraft of 32 KiB per transfer rather than clients that wait without a byte.
 */
export const MIN_CHUNK = 16 * 1024;

/** A buffer on loan for one read and its write; `order` is its slab block, or -1 outside the slab. */
export interface Lease {
  buffer: Buffer;
  offset: number;
  order: number;
}

export class ReadBudget {
  private readonly slab: Buffer;
  /** Offsets of free blocks, by order: a block of order k is `unit << k` bytes. */
  private readonly free: number[][];
  private readonly unit: number;
  private readonly top: number;
  private transfers = 0;

  constructor(
    /** The largest buffer: the read chunk. */
    readonly chunk: number,
    budget = READ_BUDGET,
  ) {
    let top = 0;
    while (chunk % 2 ** (top + 1) === 0 && chunk / 2 ** (top + 1) >= MIN_CHUNK) top++;
    this.top = top;
    this.unit = chunk / 2 ** top;
    const blocks = Math.max(1, Math.floor(budget / chunk));
    // Pages are touched only as blocks are used: a few pulls make only a few blocks resident.
    this.slab = Buffer.allocUnsafeSlow(blocks * chunk);
    this.free = Array.from({ length: top + 1 }, () => []);
    for (let i = blocks - 1; i >= 0; i--) this.free[top]!.push(i * chunk);
  }

  /** A transfer starts reading; its share of the slab is counted from now to `end()`. */
  begin(): void {
    this.transfers++;
  }

  end(): void {
    this.transfers--;
  }

  /** Buffers each transfer holds: two while every transfer can have two full chunks, else one. */
  buffersPerTransfer(): 1 | 2 {
    return this.slab.length / (2 * Math.max(1, this.transfers)) >= this.chunk ? 2 : 1;
  }

  /** A buffer for one read: this transfer's share of the slab, smaller while the slab is busy. */
  take(): Lease {
    const share = this.slab.length / (this.buffersPerTransfer() * Math.max(1, this.transfers));
    let order = this.top;
    while (order > 0 && this.unit * 2 ** order > share) order--;
    for (; order >= 0; order--) {
      const offset = this.alloc(order);
      if (offset !== undefined) return { buffer: this.slab.subarray(offset, offset + this.unit * 2 ** order), offset, order };
    }
    return { buffer: Buffer.allocUnsafe(this.unit), offset: 0, order: -1 };
  }

  /** Returns a lease whose bytes no pending write can still read. */
  give(lease: Lease): void {
    if (lease.order < 0) return;
    let { offset, order } = lease;
    for (; order < this.top; order++) {
      const buddy = offset ^ (this.unit * 2 ** order);
      const list = this.free[order]!;
      const at = list.indexOf(buddy);
      if (at === -1) break;
      list.splice(at, 1);
      offset = Math.min(offset, buddy);
    }
    this.free[order]!.push(offset);
  }

  /** Bytes of the slab free now (for tests). */
  freeBytes(): number {
    return this.free.reduce((sum, list, order) => sum + list.length * this.unit * 2 ** order, 0);
  }

  private alloc(order: number): number | undefined {
    let from = order;
    while (from <= this.top && this.free[from]!.length === 0) from++;
    if (from > this.top) return undefined;
    const offset = this.free[from]!.pop()!;
    // Split down to the size wanted; each split leaves the upper half free.
    for (let k = from - 1; k >= order; k--) this.free[k]!.push(offset + this.unit * 2 ** k);
    return offset;
  }
}
