// OCI descriptors as index.json, image indexes and image manifests list them (image-spec descriptor.md).
import { LoadError } from '../../load-error.js';
import type { Descriptor, Platform } from '../../model.js';
import type { TarIndex } from '../../tar/index.js';
import { isObject } from '../config.js';
import { isSha256Digest } from '../digest.js';

export function parseDescriptor(index: TarIndex, entry: string, v: unknown, what: string): Descriptor {
  const fail = (problem: string) => new LoadError(index.file, `${what}: ${problem}`, entry);
  if (!isObject(v)) throw fail('not a descriptor object');
  const { mediaType, digest, size } = v;
  if (typeof mediaType !== 'string') throw fail('no "mediaType"');
  if (typeof digest !== 'string' || !isSha256Digest(digest)) throw fail(`unsupported or invalid digest ${JSON.stringify(digest)}`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw fail('invalid "size"');
  const d: Descriptor = { mediaType, digest, size };
  const platform = parsePlatform(v['platform']);
  if (platform) d.platform = platform;
  if (isStringRecord(v['annotations'])) d.annotations = v['annotations'];
  if (typeof v['artifactType'] === 'string') d.artifactType = v['artifactType'];
  return d;
}

/** The `manifests` list of index.json or of an image index. */
export function parseManifestsList(index: TarIndex, entry: string, json: unknown): Descriptor[] {
  const list = isObject(json) ? json['manifests'] : undefined;
  if (!Array.isArray(list)) throw new LoadError(index.file, 'has no "manifests" list', entry);
  return list.map((v, i) => parseDescriptor(index, entry, v, `manifests[${i}]`));
}

export function parsePlatform(v: unknown): Platform | undefined {
  if (!isObject(v) || typeof v['os'] !== 'string' || typeof v['architecture'] !== 'string') return undefined;
  const p: Platform = { os: v['os'], architecture: v['architecture'] };
  if (typeof v['variant'] === 'string' && v['variant'] !== '') p.variant = v['variant'];
  return p;
}

export function isStringRecord(v: unknown): v is Record<string, string> {
  return isObject(v) && Object.values(v).every((s) => typeof s === 'string');
}
