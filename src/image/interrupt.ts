// Signals while loading (decompressing or verifying can take minutes): one line naming what was
// being loaded, then exit with the shell's code for the signal. Nothing needs cleaning: temporary
// space is unlinked from the start (src/source/temp.ts) and named files go on the 'exit' event.
import { printable } from '../printable.js';

const SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;

/** Runs `work` with handlers that stop the process on a signal; `current` says what is loading. */
export async function exitOnSignal<T>(current: () => string, work: () => Promise<T>): Promise<T> {
  const handlers = Object.entries(SIGNALS).map(([signal, number]) => {
    const handler = () => {
      process.stderr.write(`seed-registry: ${signal} while loading ${printable(current())}: stopped\n`);
      process.exit(128 + number);
    };
    process.on(signal, handler);
    return () => process.off(signal, handler);
  });
  try {
    return await work();
  } finally {
    for (const remove of handlers) remove();
  }
}
