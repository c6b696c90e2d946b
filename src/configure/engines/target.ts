// What an engine's configuration is made from: the node target (upstreams the archives name, the seed's
// address, its CA, read credentials) plus the caches a tiered set-up puts between nodes and the seed.
import { seedURL, type NodeConfig, type NodeTarget } from '../target.js';

export interface EngineTarget extends NodeTarget {
  /** Pull-through caches (HOST:PORT) nodes try, in order, before the seed (distribution-cache). */
  caches: string[];
  /** PEM of the CA the caches' certificates are signed by; absent: the seed's CA signs them too. */
  cacheCa?: string;
}

export type EngineConfigurer = (target: EngineTarget) => NodeConfig;

/** The file the seed's CA is written to, beside whatever reads it. */
export const SEED_CA_FILE = 'seed-registry-ca.crt';

/** `# …` comment lines, for YAML and TOML alike. */
export function comment(...lines: string[]): string[] {
  return lines.map((l) => `# ${l}`);
}

/** A host line for messages: the seed's URL. */
export function seedOf(target: EngineTarget): string {
  return seedURL(target);
}
