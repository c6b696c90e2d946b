// One single executable application (Node 20's SEA support): a copy of a node binary with the
// CommonJS bundle injected as NODE_SEA_BLOB by postject, and the sentinel fuse flipped so that node
// runs the injected script instead of its own command line.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const POSTJECT = createRequire(import.meta.url).resolve('postject/dist/cli.js');
/** The fuse string the node binary looks for (Node's SEA docs); postject flips its last byte. */
const SENTINEL_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/**
 * Writes `output` from the node binary `node` and the bundled script `script`, using `workDir` for
 * the blob. The blob is prepared by the node running this script, so `node` must be the same Node
 * version. V8's code cache (faster start-up) is CPU-specific: only for a binary of this machine's arch.
 */
export async function buildExecutable({ node, script, output, workDir, codeCache }) {
  const blob = join(workDir, `sea-${codeCache ? 'cached' : 'plain'}.blob`);
  const config = join(workDir, `sea-${codeCache ? 'cached' : 'plain'}.json`);
  writeFileSync(config, JSON.stringify({
    main: script,
    output: blob,
    disableExperimentalSEAWarning: true,
    useSnapshot: false,
    useCodeCache: codeCache,
  }));
  execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: 'pipe' });
  copyFileSync(node, output);
  chmodSync(output, 0o755);
  stripDebugInfo(output);
  inject(output, blob);
}

/** postject's ELF writer warns once per note section it cannot name; those lines are noise. */
function inject(output, blob) {
  const result = spawnSync(process.execPath, [POSTJECT, output, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SENTINEL_FUSE], { encoding: 'utf8' });
  const noise = /^warning: Can't find string offset for section name/;
  const stderr = result.stderr.split('\n').filter((line) => line !== '' && !noise.test(line));
  if (result.status !== 0) throw new Error(`postject failed on ${output} (exit ${result.status}):\n${stderr.join('\n')}`);
  if (stderr.length > 0) console.error(stderr.join('\n'));
}

/** Node's release binaries carry debug info and a symbol table (about 13 MiB of 99): not needed to run. */
function stripDebugInfo(file) {
  try {
    execFileSync('strip', [file], { stdio: 'ignore' });
  } catch {
    console.error(`release: ${file}: not stripped (no strip for this binary here); it works all the same, only larger`);
  }
}
