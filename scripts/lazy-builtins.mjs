// An esbuild plugin for the single executable's script: built-in modules that serving a plain tar
// never touches are loaded on first use instead of at start. esbuild hoists every `import` of a
// built-in to a require() at the top of the bundle, and each of these costs start-up time to
// compile and run (Node 26: zlib brings its zip support, crypto 20 internal modules, tls, https,
// worker_threads, child_process); measured on the executable, `--version` took 27 ms less CPU with
// them deferred (median of 11, 94 → 66 ms; a trivial executable takes 31).
// Each becomes a Proxy whose properties load the module when first read. esbuild's __toESM copies a
// module's own keys at import time (as getters): ownKeys answers them from the list of the Node the
// executable is built on (`runtime`), so nothing loads until a getter runs. That list must be that
// Node's: a key missing from it would read as undefined (zlib.createZstdDecompress on a newer Node).
import { execFileSync } from 'node:child_process';

/** Built-ins deferred: none is needed to list archives or serve a plain tar over HTTP. */
export const DEFERRED_BUILTINS = ['zlib', 'crypto', 'tls', 'https', 'worker_threads', 'child_process', 'os'];

/**
 * Built-ins the bundle imports that Node's snapshot builder has not verified (the list of those it
 * has is `supportedModules` in lib/internal/main/mksnapshot.js of nodejs/node, Node 26): deferred
 * too, they load after the snapshot is restored, as in any start. node:http in a snapshot is refused
 * outright (`global handle not serialized`: its HTTPParser); for the others Node warns, and
 * scripts/release/sea.mjs fails the build on that warning: a new one belongs here.
 */
export const SNAPSHOT_UNVERIFIED_BUILTINS = ['http', 'readline', 'perf_hooks', 'async_hooks', 'dns/promises', 'module', 'tty', 'vm', 'cluster', 'sqlite'];

/**
 * The plugin; `runtime` is the node binary the bundle will run on (its built-ins' keys are read from
 * it). A built-in that Node lacks (node:sqlite before Node 22.5) is left as it is: a require() that
 * fails only if reached, as without the plugin.
 */
export function lazyBuiltins(runtime, names = DEFERRED_BUILTINS) {
  const list = `${JSON.stringify(names)}.flatMap((n) => { try { return [[n, Object.keys(require('node:' + n))]]; } catch { return []; } })`;
  const keys = JSON.parse(execFileSync(runtime, ['--no-warnings', '-p', `JSON.stringify(Object.fromEntries(${list}))`], { encoding: 'utf8', env: {} }));
  const filter = new RegExp(`^(node:)?(${Object.keys(keys).join('|')})$`);
  return {
    name: 'lazy-builtins',
    setup(build) {
      build.onResolve({ filter }, (args) => {
        const name = args.path.replace(/^node:/, '');
        // The Proxy module's own require() is the real built-in.
        if (args.namespace === 'lazy-builtin') return { path: `node:${name}`, external: true };
        return { path: name, namespace: 'lazy-builtin' };
      });
      build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
        loader: 'js',
        contents: [
          `let loaded;`,
          `const load = () => (loaded ??= require('node:${args.path}'));`,
          `module.exports = new Proxy({}, { ownKeys: () => ${JSON.stringify(keys[args.path])}, get: (_, key) => load()[key], has: (_, key) => key in load() });`,
        ].join('\n'),
      }));
    },
  };
}
