// `seed-registry configure --engine`: one configurer per engine that can take the seed as its upstream.
import { configureDistributionCache } from './distribution-cache.js';
import { configureDragonfly } from './dragonfly.js';
import { configureHarbor } from './harbor.js';
import { configureKraken } from './kraken.js';
import { configureK3sEmbedded, configureRke2Embedded } from './rancher-embedded.js';
import { configureSpegel } from './spegel.js';
import { configureZot } from './zot.js';
import type { EngineConfigurer, EngineTarget } from './target.js';

export const ENGINES = {
  spegel: configureSpegel,
  'k3s-embedded': configureK3sEmbedded,
  'rke2-embedded': configureRke2Embedded,
  dragonfly: configureDragonfly,
  kraken: configureKraken,
  zot: configureZot,
  harbor: configureHarbor,
  'distribution-cache': configureDistributionCache,
} satisfies Record<string, EngineConfigurer>;

export type Engine = keyof typeof ENGINES;
export const ENGINE_NAMES = Object.keys(ENGINES) as Engine[];

/** What an engine cannot do without, as one line naming the option that gives it; undefined when complete. */
export function missingInput(engine: Engine, target: EngineTarget): string | undefined {
  if (engine === 'distribution-cache' && target.caches.length === 0) return 'distribution-cache needs the caches the nodes try first: give each with --cache HOST:PORT';
  if (engine !== 'distribution-cache' && target.caches.length > 0) return `--cache is for --engine distribution-cache, not ${engine}`;
  if (target.cacheCa !== undefined && engine !== 'distribution-cache') return `--cache-ca is for --engine distribution-cache, not ${engine}`;
  return undefined;
}

export type { EngineTarget } from './target.js';
