// `manifest.json` as docker save, crane and podman write it:
// [{ "Config": "<entry>", "RepoTags": ["name:tag", ...] | null, "Layers": ["<entry>", ...] }]
import { LoadError } from '../../load-error.js';
import type { TarIndex } from '../../tar/index.js';
import { PathError, normalizeEntryName } from '../../tar/paths.js';
import { isObject } from '../config.js';

const ENTRY = 'manifest.json';

export interface ManifestItem {
  config: string;
  repoTags: string[];
  layers: string[];
}

export function parseManifestList(index: TarIndex, json: unknown): ManifestItem[] {
  if (!Array.isArray(json)) throw new LoadError(index.file, 'expected a JSON array of images', ENTRY);
  return json.map((item, i) => parseItem(index, item, i));
}

function parseItem(index: TarIndex, item: unknown, i: number): ManifestItem {
  const fail = (problem: string) => new LoadError(index.file, `image ${i}: ${problem}`, ENTRY);
  if (!isObject(item)) throw fail('not a JSON object');
  const { Config: config, RepoTags: repoTags, Layers: layers } = item;
  if (typeof config !== 'string') throw fail('"Config" is not a string');
  if (!isStringList(layers)) throw fail('"Layers" is not a list of strings');
  if (repoTags !== null && repoTags !== undefined && !isStringList(repoTags)) throw fail('"RepoTags" is not a list of strings');
  return {
    config: entryName(index, config),
    repoTags: repoTags ?? [],
    layers: layers.map((l) => entryName(index, l)),
  };
}

function entryName(index: TarIndex, name: string): string {
  try {
    return normalizeEntryName(name);
  } catch (err) {
    if (err instanceof PathError) throw new LoadError(index.file, `refers to ${err.message}`, ENTRY);
    throw err;
  }
}

function isStringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}
