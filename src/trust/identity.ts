// Does a signature's `docker-reference` name this image? podman's default for `sigstoreSigned` is
// `matchRepoDigestOrExact` (containers/image signature/policy_reference_match.go,
// matchRepoDigestOrExactReferenceValues): a name-only reference never matches; an image pulled by tag
// needs the very same reference (registry, repository and tag); an image pulled by digest needs the
// same repository. Both sides are normalized as docker normalizes them (`busybox` is
// `docker.io/library/busybox`), src/image/names.ts.
import { parseImageName, type ImageName } from '../image/names.js';

export interface Identity {
  registry: string;
  repository: string;
  tag?: string;
}

/** What a signed reference covers for an image of this name: its tag too, or a pull by digest only. */
export function coverage(signed: string, image: Identity): 'tag' | 'digest' | 'none' {
  let name: ImageName;
  try {
    name = parseImageName(signed);
  } catch {
    return 'none';
  }
  if (name.tag === undefined && name.digest === undefined) return 'none';
  if (name.registry !== image.registry || name.repository !== image.repository) return 'none';
  // signature.String() == intended.String(): the intended reference has a tag and no digest.
  return image.tag !== undefined && name.tag === image.tag && name.digest === undefined ? 'tag' : 'digest';
}

export function formatIdentity(i: Identity): string {
  return `${i.registry}/${i.repository}${i.tag === undefined ? '' : `:${i.tag}`}`;
}
