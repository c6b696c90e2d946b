// The few fields of an image config the loader needs (OCI image-spec config.md; docker's is a superset).
import type { Platform } from '../model.js';

export interface ImageConfig {
  platform: Platform;
  diffIds: string[];
}

/** Returns the config's platform and diff_ids, or a problem description when they are unusable. */
export function parseImageConfig(json: unknown): ImageConfig | string {
  if (!isObject(json)) return 'image config is not a JSON object';
  const rootfs = json['rootfs'];
  const diffIds = isObject(rootfs) ? rootfs['diff_ids'] : undefined;
  if (!Array.isArray(diffIds) || !diffIds.every((d) => typeof d === 'string')) return 'image config has no rootfs.diff_ids list';
  const os = json['os'];
  const architecture = json['architecture'];
  if (typeof os !== 'string' || typeof architecture !== 'string') return 'image config has no os/architecture';
  const platform: Platform = { os, architecture };
  const variant = json['variant'];
  if (typeof variant === 'string' && variant !== '') platform.variant = variant;
  return { platform, diffIds: diffIds as string[] };
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
