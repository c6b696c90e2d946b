#!/usr/bin/env bash
# Regenerates package-lock.json from package.json alone. npm resolving next to an existing
# node_modules writes only this machine's optional packages (rollup's and esbuild's native builds),
# and `npm ci` on another platform, or on a clean clone, then refuses the lock as out of sync.
# Resolving from nothing lists every platform's. Run after adding or changing a dependency.
# package.json pins rollup (vitest's bundler) with an override: rollup 4.68.x has only some of its
# per-platform packages published, npm silently leaves the unpublished ones out of the lock, and
# `npm ci` then refuses it. scripts/check-lock.mjs catches that; when it does, pin the dependency
# to the newest version whose platform packages all exist.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf node_modules package-lock.json
npm install --no-audit --no-fund
node scripts/check-lock.mjs
