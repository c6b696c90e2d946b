// Fails when package-lock.json misses an optional dependency of a locked package (each platform's
// native build of rollup, esbuild and the like): such a lock passes `npm install` here but
// `npm ci` refuses it on a clean clone. scripts/relock.sh regenerates a complete one.
import { readFileSync } from 'node:fs';

const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8'));
const packages = lock.packages ?? {};
const missing = [];

/** Where npm looks a dependency of the package at `path` up: its own node_modules, then each parent's. */
function lookupPaths(path, name) {
  const paths = [];
  for (let dir = path; ; ) {
    paths.push(dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`);
    if (dir === '') return paths;
    const parent = dir.lastIndexOf('/node_modules/');
    dir = parent < 0 ? '' : dir.slice(0, parent);
  }
}

for (const [path, entry] of Object.entries(packages)) {
  for (const name of Object.keys(entry.optionalDependencies ?? {})) {
    const candidates = lookupPaths(path, name);
    if (!candidates.some((c) => c in packages)) missing.push(`${path || '(root)'} -> ${name}`);
  }
}
if (missing.length > 0) {
  console.error(`package-lock.json lacks ${missing.length} optional package(s); run scripts/relock.sh:\n  ${missing.join('\n  ')}`);
  process.exit(1);
}
console.log(`package-lock.json: ${Object.keys(packages).length - 1} packages, every optional dependency listed`);
