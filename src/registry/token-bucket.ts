// A token bucket that lends: a reservation of n bytes is granted at once and answered with how long
// to wait before sending them. Tokens may go negative (debt), so reservations are served in the
// order they were made, and with each transfer holding at most two chunks in the queue (the read
// loop in src/source/files.ts waits for one write before reading the next into that buffer), every
// transfer gets an equal share: chunks take turns. Pure: the clock is passed in.

/** Seconds of the rate a bucket may hold while idle: what a client gets at once after a pause. */
export const BURST_SECONDS = 0.25;
/** Never less than two read chunks: a late timer then costs nothing over a window (see files.ts READ_CHUNK). */
export const MIN_BURST = 1024 * 1024;

export class TokenBucket {
  private tokens: number;
  private last: number;
  readonly burst: number;

  constructor(
    /** Bytes per second. */
    readonly rate: number,
    private readonly now: () => number = () => performance.now(),
    burst: number = Math.max(MIN_BURST, Math.round(rate * BURST_SECONDS)),
  ) {
    if (!(rate > 0)) throw new Error(`a bandwidth cap must be positive, got ${rate}`);
    this.burst = burst;
    this.tokens = burst;
    this.last = now();
  }

  /** Takes `bytes` now; returns the milliseconds to wait before sending them (0: at once). */
  reserve(bytes: number): number {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = now;
    this.tokens -= bytes;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.rate;
  }

  /** Milliseconds until the bucket is full again if nothing more is taken: then it is as good as new. */
  msUntilFull(): number {
    const tokens = this.tokens + ((this.now() - this.last) * this.rate) / 1000;
    return tokens >= this.burst ? 0 : ((this.burst - tokens) * 1000) / this.rate;
  }
}
