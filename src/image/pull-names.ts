// The names an image is reachable by on the seed, as the registry resolves them (src/registry/served.ts
// `resolveRepository`): the one the banner and `inspect` print, and the ones `push --image` accepts.
// One function decides both, so every printed name is one push takes (docs/names.md).
import type { ImageModel, ImageRecord } from '../model.js';
import { LEGACY_DEFAULT_REGISTRIES, PREFERRED_REGISTRY, preferredOf, qualifiedNamesOf } from './names.js';

/**
 * Repository names that reach this image's repository: the archive's name and its aliases where no
 * other registry's repository of that name is preferred, then the names carrying its registry.
 */
export function reachableNames(model: ImageModel, r: ImageRecord): string[] {
  const short = [r.repository, ...r.aliases].filter((name) => preferredOf(model.repositories.get(name) ?? [])?.registry === r.registry);
  return [...short, ...qualifiedNamesOf(r.registry, r.repository)];
}

/** The repository a pull line names: the archive's own name, or with its registry in front when another registry's repository has that name. */
export function pullName(model: ImageModel, r: ImageRecord): string {
  return reachableNames(model, r)[0] ?? r.repository;
}

/** `name:tag`, or `name@digest` for an untagged image, with the name a pull line uses. */
export function pullReference(model: ImageModel, r: ImageRecord): string {
  const name = pullName(model, r);
  return r.tag !== undefined ? `${name}:${r.tag}` : `${name}@${r.digest}`;
}

interface WantedImage {
  names: string[];
  tag?: string;
  digest?: string;
}

/**
 * What a user typed to pick images (`pause:3.10`, `registry.k8s.io/pause:3.10`,
 * `ghcr.io/org/app:1`, `library/busybox@sha256:...`, or a whole pull line's reference
 * `10.0.0.5:5000/org/app:1`): the repository names it may mean, and its tag or digest.
 */
export function parseWanted(text: string): WantedImage {
  const at = text.indexOf('@');
  const rest = at < 0 ? text : text.slice(0, at);
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  const path = colon > slash ? rest.slice(0, colon) : rest;
  const wanted: WantedImage = { names: [path] };
  if (colon > slash) wanted.tag = rest.slice(colon + 1);
  if (at >= 0) wanted.digest = text.slice(at + 1);
  const [first = '', ...remainder] = path.split('/');
  // docker.io's other host names mean docker.io, as in a full reference.
  if (LEGACY_DEFAULT_REGISTRIES.has(first)) wanted.names.push([PREFERRED_REGISTRY, ...remainder].join('/'));
  // A pull line's host is the seed's `HOST:PORT`: what follows is the served name.
  else if (first.includes(':') && remainder.length > 0) wanted.names.push(remainder.join('/'));
  return wanted;
}

/** Whether `text` names this image the way the banner, `inspect` or a full reference would. */
export function namesImage(model: ImageModel, r: ImageRecord, text: string): boolean {
  const wanted = parseWanted(text);
  const reachable = reachableNames(model, r);
  if (!wanted.names.some((name) => reachable.includes(name))) return false;
  return (wanted.tag === undefined || r.tag === wanted.tag) && (wanted.digest === undefined || r.digest === wanted.digest);
}
