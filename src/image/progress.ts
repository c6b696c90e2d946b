// Progress on stderr for long start-up steps (decompressing, verifying). On a terminal: a one-line
// bar redrawn in place. Elsewhere (systemd, Kubernetes logs, CI): a plain line every few seconds,
// so a multi-minute start-up is not silent, and nothing at all for a step that ends sooner.
import { printable } from '../printable.js';

const WIDTH = 30;
const MIN_INTERVAL_MS = 100;
/** Between two plain lines when stderr is not a terminal. */
export const LOG_INTERVAL_MS = 5_000;
const MIB = 1024 * 1024;

export type Progress = (done: number, total: number) => void;

export function terminalProgress(label: string, stream?: NodeJS.WriteStream): Progress {
  const shown = printable(label);
  const started = Date.now();
  // Node makes process.stderr on first use (about 1.5 ms of start-up on Node 26, docs/release.md):
  // only a step that reports progress needs it, and most loads have none.
  let report: Progress | undefined;
  return (done, total) => {
    const to = stream ?? process.stderr;
    (report ??= to.isTTY ? bar(shown, to) : lines(shown, to, started))(done, total);
  };
}

function bar(label: string, stream: NodeJS.WriteStream): Progress {
  let last = 0;
  return (done, total) => {
    const finished = done >= total;
    const now = Date.now();
    if (!finished && now - last < MIN_INTERVAL_MS) return;
    last = now;
    const fraction = total > 0 ? Math.min(done / total, 1) : 1;
    const filled = Math.round(fraction * WIDTH);
    const meter = '#'.repeat(filled) + '-'.repeat(WIDTH - filled);
    stream.write(`\r${label} [${meter}] ${Math.floor(fraction * 100)}% ${amount(done, total)}${finished ? '\n' : ''}`);
  };
}

function lines(label: string, stream: NodeJS.WriteStream, started: number): Progress {
  let next = started + LOG_INTERVAL_MS;
  let spoke = false;
  return (done, total) => {
    const now = Date.now();
    const finished = done >= total;
    // The closing line only after earlier ones, so a quick step stays silent.
    if (finished ? !spoke : now < next) return;
    next = now + LOG_INTERVAL_MS;
    spoke = !finished;
    const percent = total > 0 ? Math.floor(Math.min(done / total, 1) * 100) : 100;
    stream.write(`seed-registry: ${label}: ${percent}% ${amount(done, total)}, ${Math.round((now - started) / 1000)} s\n`);
  };
}

function amount(done: number, total: number): string {
  return `${(done / MIB).toFixed(1)}/${(total / MIB).toFixed(1)} MiB`;
}
