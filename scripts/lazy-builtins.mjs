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

/** The plugin; `runtime` is the node binary the bundle will run on (its built-ins' keys are read from it). */
export function lazyBuiltins(runtime, names = DEFERRED_BUILTINS) {
  const keys = JSON.parse(execFileSync(runtime, ['-p', `JSON.stringify(Object.fromEntries(${JSON.stringify(names)}.map((n) => [n, Object.keys(require('node:' + n))])))`], { encoding: 'utf8', env: {} }));
  const filter = new RegExp(`^(node:)?(${names.join('|')})$`);
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
