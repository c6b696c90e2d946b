// Every new password costs a bcrypt check (tens of milliseconds of a core, by design): a client
// guessing passwords could keep the seed busy. After MAX_FAILURES wrong passwords from one address
// within the window, further new passwords from it are refused with 429 without checking them,
// until the oldest of those failures leaves the window. Credentials already verified, and other
// addresses, are not affected; the same wrong header sent again is refused from memory and does not
// count (a node with a stale password retrying is not a guesser).

export const MAX_FAILURES = 5;
export const FAILURE_WINDOW_MS = 60_000;
/** Past this many addresses tracked, the ones with no recent failure are dropped. */
const MAX_TRACKED = 10_000;

interface Record {
  /** Times of recent failures, oldest first, at most MAX_FAILURES. */
  failures: number[];
  /** Checks running now: they count against the limit, so a burst of parallel guesses cannot pass it. */
  running: number;
  users: Set<string>;
}

/** When a failure starts a burst: who tried, and how long the address now waits. */
export interface Burst {
  failures: number;
  users: string[];
  retryAfterSeconds: number;
}

export class LoginThrottle {
  private readonly records = new Map<string, Record>();

  constructor(
    private readonly max = MAX_FAILURES,
    private readonly windowMs = FAILURE_WINDOW_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds `client` must wait before a new password of its is checked; 0: check it now. */
  retryAfter(client: string): number {
    const record = this.records.get(client);
    if (record === undefined) return 0;
    const now = this.now();
    this.prune(record, now);
    const over = record.failures.length + record.running - this.max + 1;
    if (over <= 0) return 0;
    // The wait until `over` failures have left the window; running checks end within a second.
    const leaving = record.failures[over - 1];
    return leaving === undefined ? 1 : Math.max(1, Math.ceil((leaving + this.windowMs - now) / 1000));
  }

  /** A check of a new password from `client` starts. */
  begin(client: string): void {
    let record = this.records.get(client);
    if (record === undefined) {
      if (this.records.size >= MAX_TRACKED) this.sweep();
      record = { failures: [], running: 0, users: new Set() };
      this.records.set(client, record);
    }
    record.running++;
  }

  /** The check ended; a failure that fills the limit starts a burst, returned to be logged once. */
  end(client: string, passed: boolean, user: string): Burst | undefined {
    const record = this.records.get(client);
    if (record === undefined) return undefined;
    record.running--;
    if (passed) return undefined;
    const now = this.now();
    this.prune(record, now);
    const before = record.failures.length;
    if (before === 0) record.users.clear();
    record.failures.push(now);
    if (record.users.size < 5) record.users.add(user);
    if (record.failures.length > this.max) record.failures.shift();
    if (before !== this.max - 1) return undefined;
    return { failures: this.max, users: [...record.users], retryAfterSeconds: this.retryAfter(client) };
  }

  private prune(record: Record, now: number): void {
    while (record.failures.length > 0 && record.failures[0]! <= now - this.windowMs) record.failures.shift();
  }

  private sweep(): void {
    const now = this.now();
    for (const [client, record] of this.records) {
      this.prune(record, now);
      if (record.failures.length === 0 && record.running === 0) this.records.delete(client);
    }
  }
}

/**
 * The key an address is throttled by: an IPv4 address, or the /64 of an IPv6 one (a single host
 * is given a whole /64 and can use any address in it).
 */
export function throttleKey(address: string | undefined): string {
  if (address === undefined) return 'unknown';
  if (address.startsWith('::ffff:') && address.includes('.')) return address.slice('::ffff:'.length);
  if (!address.includes(':')) return address;
  const groups = expandIpv6(address);
  return `${groups.slice(0, 4).join(':')}::/64`;
}

function expandIpv6(address: string): string[] {
  const [head = '', tail] = address.split('%')[0]!.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0');
  return [...left, ...(tail === undefined ? [] : zeros), ...right].map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''));
}
