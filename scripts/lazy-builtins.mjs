// Built-in modules that serving a plain tar never touches, loaded on first use instead of at start,
// in the single executable's script. esbuild hoists every `import` of a built-in to a require() at
// the top of its module, and each of these costs start-up time to compile and run (Node 26: zlib
// brings its zip support, crypto 20 internal modules, tls, https, worker_threads, child_process);
// measured on the executable, `--version` took 27 ms less CPU with them deferred (median of 11,
// 94 → 66 ms; a trivial executable takes 31).
// The script's require() hands out, for each of these, a stand-in that loads the module when a
// property is first read, and answers every later read from it. The built-ins stay external to the
// bundle (esbuild reads their properties where they are used, `(0, import_node_crypto.createHash)`),
// so nothing is copied at import: an earlier version bundled each as a Proxy module, and esbuild's
// __toESM copied its ~100 keys into getters for each importing module, 953 keys at every start.

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
 * JavaScript source of a function that takes Node's require() and returns one that defers the
 * built-ins `names`. A stand-in is a Proxy: reading, testing (`in`) or listing its properties loads
 * the module. A built-in the running Node lacks (node:sqlite before Node 22.5) fails at that first
 * read, as its require() would have failed at start.
 */
export function lazyRequire(names) {
  const ids = JSON.stringify(names.flatMap((n) => [n, `node:${n}`]));
  return `((builtin) => { const deferred = new Set(${ids}); const standIns = new Map(); return (id) => {
  if (!deferred.has(id)) return builtin(id); let standIn = standIns.get(id); if (standIn !== undefined) return standIn;
  let loaded; const load = () => (loaded ??= builtin(id));
  standIn = new Proxy({}, { get: (_, key) => load()[key], has: (_, key) => key in load(), ownKeys: () => Reflect.ownKeys(load()),
    getOwnPropertyDescriptor: (_, key) => { const d = Reflect.getOwnPropertyDescriptor(load(), key); return d && { ...d, configurable: true }; } });
  standIns.set(id, standIn); return standIn; }; })`;
}
