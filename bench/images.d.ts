// Types of the one bench/images.js function the client tests reuse (the tiered pull-through test).
export interface BenchBlob {
  digest: string;
  size: number;
}
export interface BenchImage {
  path: string;
  repository: string;
  tag: string;
  config: BenchBlob;
  layers: BenchBlob[];
  size: number;
}
export function writeLegacySave(path: string, spec: { name: string; layerCount: number; layerMiB: number; seed: string }): BenchImage;
export function ensureImage(path: string, spec: { format: string; name: string; layerCount: number; layerMiB: number; seed: string }): Promise<BenchImage>;
