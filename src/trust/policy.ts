// The signature policy of `serve`, `inspect` and `push`: trusted keys and pinned digests, read once
// at start (a reload applies the same policy to the new content; no file is read again).
import { readFileSync } from 'node:fs';
import { isSha256Digest } from '../image/digest.js';
import { LoadError } from '../load-error.js';
import { loadKeys, type TrustKey } from './keys.js';

export interface Policy {
  /** Images signed by one of these keys are served (`--signed-by`). */
  keys: TrustKey[];
  /** Manifest digests served whether signed or not (`--allow-digests`), and the file they came from. */
  allowDigests?: { file: string; digests: Set<string> };
}

export interface PolicyOptions {
  signedBy?: string[];
  allowDigests?: string;
}

/** undefined when neither option is given: then nothing changes. */
export function loadPolicy(options: PolicyOptions): Policy | undefined {
  const files = options.signedBy ?? [];
  if (files.length === 0 && options.allowDigests === undefined) return undefined;
  const policy: Policy = { keys: loadKeys(files) };
  if (options.allowDigests !== undefined) policy.allowDigests = { file: options.allowDigests, digests: readAllowDigests(options.allowDigests) };
  return policy;
}

/** One `sha256:<hex>` a line; blank lines and `#` comments skipped. */
export function readAllowDigests(file: string): Set<string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new LoadError(file, `cannot read the --allow-digests file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const digests = new Set<string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    if (!isSha256Digest(line)) throw new LoadError(file, `line ${i + 1} is not a manifest digest (expected sha256:<64 hex digits>)`);
    digests.add(line);
  });
  return digests;
}
