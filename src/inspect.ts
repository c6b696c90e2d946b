// `seed-registry inspect`: every image the model serves, and the pull line to use for it.
import { qualifiedNamesOf } from './image/names.js';
import { pullName, pullReference, reachableNames } from './image/pull-names.js';
import type { ImageModel, ImageRecord } from './model.js';
import { printable } from './printable.js';
import { formatSize } from './units.js';
import { describeTrust, trustLines } from './trust/report.js';

export interface InspectOptions {
  json: boolean;
  /** host:port clients pull from; `localhost:5000` when not given. */
  host?: string;
}

const DEFAULT_HOST = 'localhost:5000';

export function renderInspect(model: ImageModel, options: InspectOptions): string {
  const host = options.host ?? DEFAULT_HOST;
  if (options.json) {
    const images = model.images.map((r) => ({ ...r, reference: pullReference(model, r), pull: pullCommand(host, model, r) }));
    return JSON.stringify({ images, warnings: model.warnings }, null, 2) + '\n';
  }
  // Media types, platforms and warnings quote archive text: printed escaped, one line each.
  const blocks = model.images.map((r) => renderRecord(host, model, r));
  const warnings = model.warnings.map((w) => `warning: ${printable(w)}`);
  // Under a policy, the verdicts first: the same lines start-up prints.
  const verdicts = model.refused === undefined ? [] : [trustLines(model, (r) => pullCommand(host, model, r)).map(printable).join('\n')];
  return [...verdicts, ...blocks, ...(warnings.length ? [warnings.join('\n')] : [])].join('\n\n') + '\n';
}

/** A ready-to-paste pull line; its name reaches this image and no other registry's (src/image/pull-names.ts). */
export function pullCommand(host: string, model: ImageModel, r: ImageRecord): string {
  return `docker pull ${host}/${pullReference(model, r)}`;
}

function renderRecord(host: string, model: ImageModel, r: ImageRecord): string {
  // Other names without a registry in front that reach it (`busybox` for `library/busybox`).
  const qualified = qualifiedNamesOf(r.registry, r.repository);
  const others = reachableNames(model, r).filter((name) => name !== pullName(model, r) && !qualified.includes(name));
  const also = others.map((a) => (r.tag !== undefined ? `${a}:${r.tag}` : a));
  const lines: Array<[string, string]> = [
    ['digest', r.digest],
    ['type', `${r.mediaType} (${r.origin})`],
    ['platform', r.platforms.join(', ') || 'unknown'],
    ['layers', `${r.layers}, ${formatSize(r.size)} with config`],
    ['registry', r.registry],
    ['from', r.tarPath],
    ['pull', pullCommand(host, model, r)],
    ...(r.trust === undefined ? [] : [['trust', describeTrust(r)] as [string, string]]),
  ];
  const title = pullReference(model, r) + (also.length ? `  (also ${also.join(', ')})` : '') + (r.tag === undefined ? '  (untagged)' : '');
  return [title, ...lines.map(([k, v]) => `  ${k.padEnd(9)}${v}`)].map(printable).join('\n');
}
