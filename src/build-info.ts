// What the build bakes into the bundle (scripts/bundle.mjs defines these): the version and commit,
// so that a single executable needs no package.json or .git beside it; when it was built, a lower
// bound for this host's clock (src/clock.ts); whether the bundle has a default --tar; and which form
// it is. A clone and the npm package carry fixtures/seed-image.tar next to dist/; a single executable
// carries nothing next to it, so it has no default and asks for --tar.
import { fileURLToPath } from 'node:url';

declare const SEED_REGISTRY_VERSION: string;
declare const SEED_REGISTRY_COMMIT: string;
declare const SEED_REGISTRY_HAS_FIXTURE: boolean;
declare const SEED_REGISTRY_BUILT_AT: string;

export const VERSION: string = SEED_REGISTRY_VERSION;

/** When this bundle was made (SOURCE_DATE_EPOCH when the build sets it): the clock cannot be earlier. */
export const BUILT_AT: Date = new Date(SEED_REGISTRY_BUILT_AT);

/** The git commit the bundle was built from (with `-dirty` for uncommitted changes), or `unknown` outside a clone. */
export const COMMIT: string = SEED_REGISTRY_COMMIT;

/** How this code is shipped: the single executable, or the ES module bundle (a clone, the npm package). */
export const FORM: 'single executable' | 'npm package' = SEED_REGISTRY_HAS_FIXTURE ? 'npm package' : 'single executable';

/** The archive `npm start` serves when no --tar is given; undefined in the single executable. */
export const DEFAULT_TAR: string | undefined = SEED_REGISTRY_HAS_FIXTURE ? fileURLToPath(new URL('../fixtures/seed-image.tar', import.meta.url)) : undefined;
