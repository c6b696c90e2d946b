// `seed-registry serv images.tar`: serve is the default command, so commander takes `serv` for an
// archive and the operator reads `serv: no such file`. A first word that is no file and is one or
// two edits from a command is a mistyped command; an existing file of that name is still served.
import { existsSync } from 'node:fs';

/** A command line that cannot mean anything, printed as its message alone. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Edits (insert, delete, substitute, swap two neighbours) from `a` to `b`: Damerau-Levenshtein, optimal string alignment. */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The command `word` was most likely meant to be, if it is a plain word close to one. */
export function similarCommand(word: string, names: readonly string[]): string | undefined {
  if (!/^[a-z][a-z-]*$/i.test(word) || names.includes(word)) return undefined;
  let best: { name: string; distance: number } | undefined;
  for (const name of names) {
    const distance = editDistance(word.toLowerCase(), name);
    // Two edits only for longer words: `ps` is not `push`.
    if (distance <= (name.length > 4 ? 2 : 1) && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/**
 * `unknown command "serv" (did you mean serve?)` when the first argument is not an option, not a
 * command and not a file, but close to a command; else undefined. Checked before commander parses:
 * it would take the word for an archive of the default command, or stop at an option of the
 * command that was meant (`pusj --to ...`).
 */
export function mistypedCommand(args: readonly string[], names: readonly string[]): string | undefined {
  const first = args[0];
  if (first === undefined || first.startsWith('-') || names.includes(first) || existsSync(first)) return undefined;
  const meant = similarCommand(first, names);
  return meant === undefined ? undefined : `unknown command "${first}" (did you mean ${meant}?)`;
}
