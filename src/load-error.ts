import { printable } from './printable.js';

/**
 * The one start-up error: names the file (and the entry inside it, when there is one) and the problem.
 * The CLI prints `message` and exits non-zero; no stack trace for a user's mistake. The message is
 * always one printable line: names and problems quote archive text, escaped (src/printable.ts).
 */
export class LoadError extends Error {
  override readonly name = 'LoadError';

  constructor(
    readonly file: string,
    readonly problem: string,
    readonly entry?: string,
  ) {
    super(printable(entry === undefined ? `${file}: ${problem}` : `${file}: ${entry}: ${problem}`));
  }
}
