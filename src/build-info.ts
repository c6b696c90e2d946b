// What the build bakes into the bundle (scripts/bundle.mjs defines both): the version, so that a
// single executable needs no package.json beside it; and whether the bundle has a default --tar.
// A clone and the npm package carry fixtures/seed-image.tar next to dist/; a single executable
// carries nothing next to it, so it has no default and asks for --tar.
import { fileURLToPath } from 'node:url';

declare const SEED_REGISTRY_VERSION: string;
declare const SEED_REGISTRY_HAS_FIXTURE: boolean;

export const VERSION: string = SEED_REGISTRY_VERSION;

/** The archive `npm start` serves when no --tar is given; undefined in the single executable. */
export const DEFAULT_TAR: string | undefined = SEED_REGISTRY_HAS_FIXTURE ? fileURLToPath(new URL('../fixtures/seed-image.tar', import.meta.url)) : undefined;
