// One single executable application (Node's SEA support): a copy of a node binary with the
// CommonJS bundle injected. Node 25.5 and later write it themselves with --build-sea (no postject):
// the builder is the pinned release Node of this machine's arch, and the `executable` it injects into
// is the pinned Node of the target arch (the same version: the blob format is tied to it).
// Config keys: doc/api/single-executable-applications.md of nodejs/node ("--build-sea").
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Writes `output` from the base node binary `node` and the bundled script `script`, built by
 * `builder` (a node of `node`'s version), using `workDir` for the config. `startup` says what makes
 * it start faster: 'snapshot', V8's startup snapshot of the script's heap once it has run
 * (src/snapshot-entry.ts); 'code-cache', V8's code cache of the script once it has served
 * (./warm-code-cache.cjs); 'none'. Both warm up on the archives `warmUp`, run by `builder`, whose
 * CPU must be `node`'s (`runner` runs it, e.g. under qemu-user for another arch). `assets`:
 * { key: file } the script reads with node:sea's getAsset (the packages scripts/bundle.mjs keeps out of it).
 */
export function buildExecutable({ builder, node, script, assets = {}, output, workDir, startup, warmUp = [], runner = [] }) {
  const base = join(workDir, `base-${startup}-${Math.random().toString(36).slice(2)}`);
  copyFileSync(node, base);
  chmodSync(base, 0o755);
  stripDebugInfo(base);
  const config = `${base}.json`;
  const written = `${base}.sea`;
  const cached = startup === 'code-cache' ? warmCodeCache({ builder, runner, script, base, warmUp }) : undefined;
  writeFileSync(config, JSON.stringify({
    main: cached?.main ?? script,
    mainFormat: 'commonjs',
    executable: base,
    output: written,
    disableExperimentalSEAWarning: true,
    useSnapshot: startup === 'snapshot',
    // Node's own code cache, made before the script runs: for the small main script that loads the
    // seed's script with the warm one (the snapshot holds the compiled code itself).
    useCodeCache: startup === 'code-cache',
    // NODE_OPTIONS still applies, as it does to node; nothing from the command line is taken as a
    // node option (a user's `--tar x` must reach the program).
    execArgvExtension: 'env',
    execArgv: startup === 'code-cache' ? V8_FLAGS : [],
    assets: { ...assets, ...cached?.assets },
  }));
  // Only the warm-up's archives: the snapshot keeps nothing of the build's environment (src/snapshot-guard.ts).
  const result = runBuilder([...runner, builder, '--build-sea', config], { SEED_REGISTRY_SNAPSHOT_WARM_UP: warmUp.join('\n') }, `node --build-sea failed for ${output}`);
  // Node warns while building a snapshot that loads a built-in it has not verified in snapshots
  // (lib/internal/main/mksnapshot.js): state of that module may not survive. Not shipped: such a
  // module is deferred (scripts/lazy-builtins.mjs, SNAPSHOT_UNVERIFIED_BUILTINS).
  const warning = /^.*Warning: .*$/m.exec(result.stderr);
  if (warning !== null) throw new Error(`node --build-sea for ${output} warned: ${warning[0].trim()}; a built-in the snapshot loads belongs in SNAPSHOT_UNVERIFIED_BUILTINS (scripts/lazy-builtins.mjs)`);
  // --build-sea writes its output in one write, which Linux (6.18, ext4) keeps in the page cache
  // as 2 MiB folios that a process running the file maps whole: 29 MiB more RSS, measured, until
  // those pages leave the cache. The copy a host receives has small ones; so has this copy.
  copyFileSync(written, output);
  rmSync(written);
  chmodSync(output, 0o755);
}

/**
 * V8 flags the executable starts with (its warm-up too: a code cache is taken only by a V8 with the
 * same flags). V8's young generation starts at 0.5 MiB and was collected once on the way to the
 * listening line, a scavenge of objects that all live on (modules, the model); from 2 MiB it is
 * not. Measured in docs/release.md (Start-up): the listening line about 5 ms earlier, peak RSS
 * under load within 1.5 MiB of before.
 */
const V8_FLAGS = ['--min-semi-space-size=2'];

/** CommonJS's module wrapper, around the script the code cache is made of and that ./sea-main.cjs runs. */
const WRAPPER = ['(function (exports, require, module, __filename, __dirname) {', '\n})'];

/**
 * The seed's script wrapped, and V8's code cache of it made by `builder` after serving the `warmUp`
 * archives a pull (./warm-code-cache.cjs): { main, assets } for the SEA config.
 */
function warmCodeCache({ builder, runner, script, base, warmUp }) {
  const wrapped = `${base}.script.cjs`;
  const cache = `${base}.cache`;
  writeFileSync(wrapped, WRAPPER[0] + readFileSync(script, 'utf8') + WRAPPER[1]);
  const warm = fileURLToPath(new URL('./warm-code-cache.cjs', import.meta.url));
  runBuilder([...runner, builder, ...V8_FLAGS, warm, wrapped, cache, ...warmUp], {}, "the code cache's warm-up failed");
  return { main: fileURLToPath(new URL('./sea-main.cjs', import.meta.url)), assets: { 'seed-registry.cjs': wrapped, 'seed-registry.cache': cache } };
}

/**
 * Runs the builder node (`argv`, its runner first) with PATH and `env` as its only environment;
 * `failure` starts the error when it fails, which then carries its output. Its result otherwise.
 */
function runBuilder(argv, env, failure) {
  const [command, ...args] = argv;
  const result = spawnSync(command, args, { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });
  if (result.status !== 0) throw new Error(`${failure} (${result.signal ?? `exit ${result.status}`}): ${(result.stderr || result.stdout).trim()}`);
  return result;
}

/** The strip for an ELF file's CPU (e_machine, at offset 18): this machine's own, or binutils' cross one. */
const CROSS_STRIP = { [0x3e]: 'x86_64-linux-gnu-strip', [0xb7]: 'aarch64-linux-gnu-strip' };
const HOST_MACHINE = { x64: 0x3e, arm64: 0xb7 }[process.arch];

/** Node's release binaries carry debug info and a symbol table (about 13 MiB of 120): not needed to run. */
function stripDebugInfo(file) {
  const machine = elfMachine(file);
  const strip = machine === HOST_MACHINE ? 'strip' : CROSS_STRIP[machine];
  try {
    execFileSync(strip ?? 'false', [file], { stdio: 'ignore' });
  } catch {
    console.error(`warning: ${file}: not stripped (no ${strip ?? 'strip'} for this binary's CPU here); it works all the same, only larger`);
  }
}

function elfMachine(file) {
  const fd = openSync(file, 'r');
  try {
    const header = Buffer.alloc(20);
    readSync(fd, header, 0, 20, 0);
    return header.readUInt16LE(18);
  } finally {
    closeSync(fd);
  }
}
