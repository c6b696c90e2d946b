// The single executable's main script when it starts from a code cache (./sea.mjs, startup
// 'code-cache'): the seed's script and V8's code cache of it, made after a warm-up run
// (./warm-code-cache.cjs), are SEA assets. The cache is read in place from the executable
// (getRawAsset: no copy); V8 takes from it the bytecode of every function the warm-up ran, and
// compiles only the others from source. A cache V8 refuses (another V8, or other V8 flags through
// NODE_OPTIONS) costs only time: the script compiles as without one, and `seed-registry version`
// says so. Node's documentation: doc/api/single-executable-applications.md ("Assets"), doc/api/vm.md
// (`cachedData`, `cachedDataRejected`).
const { getRawAsset } = require('node:sea');
const { Script } = require('node:vm');

// The script is pure ASCII (scripts/bundle.mjs writes it so): read as latin1, a plain copy into a
// one-byte string, where UTF-8 decoding checks every byte first.
const source = Buffer.from(getRawAsset('seed-registry.cjs')).toString('latin1');
const script = new Script(source, { filename: 'seed-registry.cjs', cachedData: Buffer.from(getRawAsset('seed-registry.cache')) });
globalThis[Symbol.for('seed-registry.startup')] = script.cachedDataRejected ? 'code cache, refused by this V8 (NODE_OPTIONS flags?)' : 'code cache';
script.runInThisContext()(exports, require, module, __filename, __dirname);
