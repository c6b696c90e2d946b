// Bundles the command line and its dependencies into one file, dist/seed-registry.js.
// Start-up is on a cluster's critical path: loading ~40 ES modules one by one cost about 70 ms of a
// ~250 ms start on this project's 2-core machines; one bundled file loads in a fraction of that
// (docs/benchmarks.md). tsc still type-checks everything (npm run build).
// The bundle inlines every runtime dependency, so the npm package has none to install.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { DEFERRED_BUILTINS, SNAPSHOT_UNVERIFIED_BUILTINS, lazyRequire } from './lazy-builtins.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

const common = { absWorkingDir: ROOT, bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' };

/**
 * When this build ran: the seed warns when its host's clock is earlier (src/clock.ts). A
 * reproducible build sets SOURCE_DATE_EPOCH (reproducible-builds.org), and that time is used instead.
 */
function builtAt() {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  return /^\d+$/.test(epoch ?? '') ? new Date(Number(epoch) * 1000).toISOString() : new Date().toISOString();
}

/** Build-time constants of src/build-info.ts. */
function defines(hasFixture) {
  return { SEED_REGISTRY_VERSION: JSON.stringify(version), SEED_REGISTRY_COMMIT: JSON.stringify(buildCommit()), SEED_REGISTRY_HAS_FIXTURE: String(hasFixture), SEED_REGISTRY_BUILT_AT: JSON.stringify(builtAt()) };
}

/** HEAD of the clone being built, `-dirty` when files differ from it; `unknown` without git or a clone. */
export function buildCommit() {
  const git = (args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    // An unpacked npm package inside some other clone is not that clone's commit.
    if (resolve(git(['rev-parse', '--show-toplevel'])) !== resolve(ROOT)) return 'unknown';
    const head = git(['rev-parse', 'HEAD']);
    return git(['status', '--porcelain', '--untracked-files=no']) === '' ? head : `${head}-dirty`;
  } catch {
    return 'unknown';
  }
}

/** dist/seed-registry.js (and its chunks), the ES module bin/seed-registry.js loads (a clone, the npm package). */
export async function bundleModule() {
  // Chunk names carry a content hash: clear the old ones.
  rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
  await build({
    ...common,
    entryPoints: { 'seed-registry': 'src/cli.ts' },
    outdir: 'dist',
    // Code loaded only for some options (X.509 for TLS, bcrypt for --htpasswd, prom-client after the
    // listening line) goes into chunks the start never parses.
    splitting: true,
    chunkNames: 'chunk-[hash]',
    format: 'esm',
    sourcemap: true,
    define: defines(true),
    // commander is CommonJS; inside an ES module bundle its require() calls need a real require.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
}

/**
 * One CommonJS script that runs the command line, for a single executable: Node runs the injected
 * main script as CommonJS, with a require() that loads only built-in modules. Without splitting,
 * esbuild inlines the lazily imported chunks. `deferBuiltins`: built-ins the start does not need load
 * on first use (./lazy-builtins.mjs), as the release builds it. `snapshot`: the
 * script for an executable with a V8 startup snapshot (src/snapshot-entry.ts), where the built-ins a
 * snapshot cannot hold load on first use too. Returns esbuild's metafile (every file that went in,
 * assets too) and the package assets written beside `outfile`, { key: file } (PACKAGE_ASSETS).
 */
export async function bundleScript(outfile, { deferBuiltins = false, snapshot = false } = {}) {
  const deferred = !deferBuiltins ? [] : snapshot ? [...DEFERRED_BUILTINS, ...SNAPSHOT_UNVERIFIED_BUILTINS] : DEFERRED_BUILTINS;
  const entry = snapshot
    ? { entryPoints: ['src/snapshot-entry.ts'] }
    : { stdin: { contents: "import { main } from './src/cli.ts'; void main();", resolveDir: ROOT, loader: 'ts' } };
  const result = await build({
    ...common,
    ...scriptOptions,
    ...entry,
    outfile,
    external: PACKAGE_ASSETS,
    banner: { js: packageLoader(deferred) },
    // No fixture, so build-info's import.meta.url (which CommonJS lacks) is never evaluated.
    define: { ...defines(false), 'import.meta.url': 'undefined' },
  });
  const text = result.outputFiles[0].text;
  const imported = PACKAGE_ASSETS.find((name) => text.includes(`import(${JSON.stringify(name)})`));
  if (imported !== undefined) throw new Error(`${imported} is import()ed: the single executable's script can only require() a package kept beside it (PACKAGE_ASSETS, scripts/bundle.mjs); import it statically`);
  writeAscii(outfile, text);
  const inputs = { ...result.metafile.inputs };
  const assets = {};
  for (const name of PACKAGE_ASSETS) {
    const file = join(dirname(outfile), assetKey(name));
    const asset = await build({ ...common, ...scriptOptions, stdin: { contents: `module.exports = require(${JSON.stringify(name)});`, resolveDir: ROOT }, outfile: file });
    writeAscii(file, asset.outputFiles[0].text);
    Object.assign(inputs, asset.metafile.inputs);
    assets[assetKey(name)] = file;
  }
  return { metafile: { ...result.metafile, inputs }, assets };
}

/**
 * Packages only some commands and options use (push, check and prepull: undici; check: yaml and
 * smol-toml; TLS certificates: @peculiar/x509 after reflect-metadata). In the single executable each
 * is a script of its own, an SEA asset (./release/sea.mjs) compiled the first time it is required:
 * serving never parses them, and they are not in the startup snapshot or code cache. 1.4 MB of the
 * 2.1 MB script; measured in docs/release.md (less memory, fewer instructions to listening). Each
 * must be required (a static import): esbuild leaves an import() of an external package as it is,
 * which the executable cannot answer; the build refuses one.
 */
export const PACKAGE_ASSETS = ['undici', 'yaml', 'smol-toml', 'reflect-metadata', '@peculiar/x509'];

/** A package's SEA asset key, and its script's name beside the executable's script. */
function assetKey(name) {
  return `${name.replace(/[@/]/g, '-').replace(/^-/, '')}.cjs`;
}

/**
 * The single executable's require() loads only built-in modules: a package of PACKAGE_ASSETS is
 * compiled from its SEA asset (or, for the script run by node, the file beside it) and given that
 * require; the built-ins `deferred` load on first use (./lazy-builtins.mjs). Declared with `var`,
 * which takes over the wrapper's `require` parameter.
 */
function packageLoader(deferred) {
  return `var require = ((builtin) => { const names = ${JSON.stringify(Object.fromEntries(PACKAGE_ASSETS.map((n) => [n, assetKey(n)])))}; const loaded = new Map(); return (id) => {
  const key = names[id]; if (key === undefined) return builtin(id); if (loaded.has(id)) return loaded.get(id).exports;
  const sea = builtin('node:sea'); const source = sea.isSea() ? sea.getAsset(key, 'utf8') : builtin('node:fs').readFileSync(builtin('node:path').join(__dirname, key), 'utf8');
  const module = { exports: {} }; loaded.set(id, module);
  builtin('node:vm').compileFunction(source, ['module', 'exports', 'require'], { filename: key })(module, module.exports, builtin);
  return module.exports; }; })(${deferred.length === 0 ? 'require' : `${lazyRequire(deferred)}(require)`});`;
}

/** What the executable's scripts are built with (CommonJS: Node's SEA runs its main script as such). */
const scriptOptions = {
  format: 'cjs',
  // The executable holds its script as a V8 string for as long as it runs. Without comments and
  // indentation it is 2.1 MB instead of 3.0; and only pure ASCII is kept as one byte a character:
  // one non-ASCII character (a comment of a dependency) makes V8 hold all of it as UTF-16.
  // Measured on Node 26.12.1: 3.7 MiB less anonymous memory once listening (docs/release.md).
  minifyWhitespace: true,
  charset: 'ascii',
  write: false,
  // Which files went in: the release's SBOM lists the packages they come from.
  metafile: true,
};

/**
 * charset 'ascii' escapes strings and identifiers; legal comments (licence notices, kept) may still
 * hold a name such as "W\u00e4rting": escaped the same way, which a comment does not mind.
 */
function writeAscii(file, text) {
  writeFileSync(file, text.replace(/[^\x00-\x7f]/gu, (c) => `\\u{${c.codePointAt(0).toString(16)}}`));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await bundleModule();
