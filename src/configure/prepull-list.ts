// `configure --runtime k3s|rke2 --prepull`: the image list k3s and RKE2 pre-pull at start. Every file in
// the agent's images folder ending in `.txt` is read as image references, one per line, each checked
// with CRI ImageStatus and pulled with PullImage when absent (k3s pkg/agent/containerd/containerd.go,
// preloadFile → prePullImages). Each line is used as it is, so the file holds references only: no
// comments, no blank lines. The pulls go through registries.yaml's mirrors to the seed.
import type { ImageModel } from '../model.js';
import type { ConfigFile } from './target.js';

export const PREPULL_FILE = 'seed-registry-images.txt';

/** Every served, tagged image by the name it had upstream (`docker.io/library/busybox:1.36`), once each. */
export function originalReferences(model: ImageModel): string[] {
  const refs = model.images
    .filter((r) => r.tag !== undefined && !model.refused?.has(r.digest))
    .map((r) => `${r.registry}/${r.repository}:${r.tag}`);
  return [...new Set(refs)].sort();
}

export function prepullList(product: 'k3s' | 'rke2', references: string[]): { file: ConfigFile; note: string } {
  return {
    file: { path: `agent/images/${PREPULL_FILE}`, contents: references.map((r) => `${r}\n`).join('') },
    note: `Copy agent/images/${PREPULL_FILE} to /var/lib/rancher/${product}/agent/images/ on every node: ${product} pulls each image in it through the seed at start, before any pod needs it.`,
  };
}
