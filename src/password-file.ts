// The one reader of `--password-file`, for `push` and `configure`: the password on one line, one
// trailing newline dropped (as `echo pw > file` writes it). Each command words the failure its way.
import { readFileSync } from 'node:fs';
import { fileProblem } from './os-errors.js';

export class PasswordFileError extends Error {
  override readonly name = 'PasswordFileError';

  constructor(
    readonly path: string,
    /** The errno code when the file could not be read. */
    readonly code: string | undefined,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

export function readPasswordFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new PasswordFileError(path, (error as NodeJS.ErrnoException).code ?? 'unreadable', fileProblem(path, error));
  }
  const password = text.replace(/\r?\n$/, '');
  if (password === '' || /[\r\n]/.test(password)) throw new PasswordFileError(path, undefined, 'expected the password on one line');
  return password;
}
