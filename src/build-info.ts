// What the build bakes into the bundle (scripts/bundle.mjs defines them): the version, so that a
// single executable needs no package.json beside it; when it was built, a lower bound for this
// host's clock (src/clock.ts); and whether the bundle has a default --tar.
// A clone and the npm package carry fixtures/seed-image.tar next to dist/; a single executable
// carries nothing next to it, so it has no default and asks for --tar.
import { fileURLToPath } from 'node:url';

declare const SEED_REGISTRY_VERSION: string;
declare const SEED_REGISTRY_HAS_FIXTURE: boolean;
declare const SEED_REGISTRY_BUILT_AT: string;

export const VERSION: string = SEED_REGISTRY_VERSION;

/** When this bundle was made (SOURCE_DATE_EPOCH when the build sets it): the clock cannot be earlier. */
export const BUILT_AT: Date = new Date(SEED_REGISTRY_BUILT_AT);

/** The archive `npm start` serves when no --tar is given; undefined in the single executable. */
export const DEFAULT_TAR: string | undefined = SEED_REGISTRY_HAS_FIXTURE ? fileURLToPath(new URL('../fixtures/seed-image.tar', import.meta.url)) : undefined;
