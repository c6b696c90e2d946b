// A one-line progress bar on stderr, only when stderr is a terminal (never in logs or CI output).
const WIDTH = 30;
const MIN_INTERVAL_MS = 100;
const MIB = 1024 * 1024;

export type Progress = (done: number, total: number) => void;

export function terminalProgress(label: string, stream: NodeJS.WriteStream = process.stderr): Progress | undefined {
  if (!stream.isTTY) return undefined;
  let last = 0;
  return (done, total) => {
    const finished = done >= total;
    const now = Date.now();
    if (!finished && now - last < MIN_INTERVAL_MS) return;
    last = now;
    const fraction = total > 0 ? Math.min(done / total, 1) : 1;
    const filled = Math.round(fraction * WIDTH);
    const bar = '#'.repeat(filled) + '-'.repeat(WIDTH - filled);
    const amount = `${(done / MIB).toFixed(1)}/${(total / MIB).toFixed(1)} MiB`;
    stream.write(`\r${label} [${bar}] ${Math.floor(fraction * 100)}% ${amount}${finished ? '\n' : ''}`);
  };
}
