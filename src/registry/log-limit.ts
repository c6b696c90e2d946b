// Lines a client can cause at will (401s, failed TLS handshakes, plain HTTP on the TLS port) are
// rate-limited per kind (which may carry a reason or a user) and client address: the first is written in full, the rest of the window
// are counted, and one summary line ends the window ("N more ..."). A scanner then costs the log a
// couple of lines a minute per address, and at most MAX_WINDOWS addresses are told apart.
import type { LogEvent, Logger } from './log.js';

export const LIMIT_WINDOW_MS = 60_000;
/** Past this many open windows, further addresses share one (a scan from many addresses). */
const MAX_WINDOWS = 1_000;
/** Distinct details (user names tried, reasons) kept for a summary. */
const MAX_DETAILS = 5;
const OTHERS = 'other addresses';

/** What the summary of a window says: `more` lines were held back, with up to 5 distinct details. */
export type Summary = (more: number, details: readonly string[], client: string, seconds: number) => LogEvent;

interface Window {
  more: number;
  details: Set<string>;
  summary: Summary;
  client: string;
}

export class LogLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly logger: Logger,
    private readonly windowMs = LIMIT_WINDOW_MS,
  ) {}

  /**
   * True when the caller should write its line now; false when it was counted into the window of
   * (kind, client), whose summary is written when the window ends.
   */
  admit(kind: string, client: string, detail: string | undefined, summary: Summary): boolean {
    let key = `${kind} ${client}`;
    if (!this.windows.has(key) && this.windows.size >= MAX_WINDOWS) {
      key = `${kind} ${OTHERS}`;
      client = OTHERS;
    }
    const window = this.windows.get(key);
    if (window === undefined) {
      this.open(key, client, summary);
      return true;
    }
    window.more++;
    window.summary = summary;
    if (detail !== undefined && window.details.size < MAX_DETAILS) window.details.add(detail);
    return false;
  }

  private open(key: string, client: string, summary: Summary): void {
    const window: Window = { more: 0, details: new Set(), summary, client };
    this.windows.set(key, window);
    setTimeout(() => {
      this.windows.delete(key);
      if (window.more === 0) return;
      this.logger.event(window.summary(window.more, [...window.details], window.client, this.windowMs / 1000));
      // A steady flood keeps one summary per window, not a full line and a summary.
      this.open(key, client, window.summary);
    }, this.windowMs).unref();
  }
}

/** The client address as people write it: `::ffff:10.0.0.7` (an IPv4 client of a `::` socket) is 10.0.0.7. */
export function clientAddress(address: string | undefined): string {
  if (address === undefined) return 'unknown address';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
}
