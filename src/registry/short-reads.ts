// A tar that shrinks under the server (truncated, replaced by a shorter copy) makes every transfer
// of the blobs past its new end fail. Each failure cuts its response (no wrong byte is sent); the
// log gets one line per file per window naming the file, the blob, the size it needs and the size
// it has, and how many more transfers failed since: thousands of stack traces tell nobody more.
import type { ShortReadError } from '../source/files.js';
import type { Logger } from './log.js';

/** At most one line per damaged file in this long. */
export const REPORT_WINDOW_MS = 5_000;

interface Window {
  /** Failures since the last line, and the latest of them. */
  count: number;
  latest?: { error: ShortReadError; digest: string };
}

export class ShortReadLog {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly logger: Logger,
    private readonly windowMs = REPORT_WINDOW_MS,
  ) {}

  /** Records one failed transfer of blob `digest`; logs now, or at the end of the file's window. */
  report(error: ShortReadError, digest: string): void {
    const window = this.windows.get(error.path);
    if (window !== undefined) {
      window.count++;
      window.latest = { error, digest };
      return;
    }
    this.logger.error(describe(error, digest));
    this.open(error.path);
  }

  private open(path: string): void {
    const window: Window = { count: 0 };
    this.windows.set(path, window);
    setTimeout(() => {
      this.windows.delete(path);
      if (window.latest === undefined) return;
      const more = `${window.count} failed transfer${window.count === 1 ? '' : 's'} in the last ${this.windowMs / 1000} s`;
      this.logger.error(`${describe(window.latest.error, window.latest.digest)} (${more})`);
      this.open(path);
    }, this.windowMs).unref();
  }
}

function describe(error: ShortReadError, digest: string): string {
  return `${JSON.stringify(error.path)} is ${error.actual} bytes, shorter than when it was loaded: blob ${digest} needs ${error.needed}; its transfers end short`;
}
