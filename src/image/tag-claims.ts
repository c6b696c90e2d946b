// Who keeps a tag that two inputs name for different content. The one rule, pure, shared by every
// loader of content (start-up, and content reloaded while serving): docs/names.md.
//
// An operator meets this without doing anything wrong: `crane export` (gzip layers) and `docker save`
// (uncompressed layers) of one image are two manifests, two digests, for one tag. Refusing to start
// then helps no one; serving the first and saying so does.

/** One input's claim on a tag: the manifest it names, where it came from. */
export interface TagClaim {
  digest: string;
  /** Where the image was read, as messages name it (an archive, or an archive and a layout in it). */
  file: string;
  /** The input (`--tar` path, a folder's archive) the claim was read from. */
  input: string;
}

export type ClaimVerdict =
  /** The tag was free, or already names this digest: the claim stands. */
  | { kind: 'take' }
  /** An earlier input keeps the tag; this image stays served by digest. `warning` says so, naming both files. */
  | { kind: 'lose'; warning: string }
  /** Refused: `problem` for the start-up error naming the later file. */
  | { kind: 'refuse'; problem: string };

/**
 * The verdict on `claim` for `reference` (`docker.io/library/app:1`) given the claim that holds it.
 * The first in load order keeps the tag. Refused instead with `strict`, and always when one input
 * contradicts itself (one archive naming two images by one tag is broken, not a second copy).
 */
export function judgeClaim(reference: string, held: TagClaim | undefined, claim: TagClaim, strict: boolean): ClaimVerdict {
  if (held === undefined || held.digest === claim.digest) return { kind: 'take' };
  if (strict || held.input === claim.input) {
    const where = held.file === claim.file ? `by ${held.digest} earlier in this archive` : `by ${held.digest} in ${held.file}`;
    return { kind: 'refuse', problem: `tag ${reference} names ${claim.digest} here but is already claimed ${where}` };
  }
  return {
    kind: 'lose',
    warning:
      `tag ${reference} is ${held.digest} in ${held.file} and ${claim.digest} in ${claim.file}: ` +
      `serving the first (load order), the second by digest only (--strict refuses to start instead)`,
  };
}
