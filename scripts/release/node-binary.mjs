// A node binary for another CPU, for its single executable: only from the npm registry, where the
// package node-linux-<arch> ships Node's own release binary inside (no download at install time).
// It must be exactly this Node's version: the SEA blob format is tied to it.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The path of node-linux-<arch>'s bin/node for this Node version, or undefined (and why) when unobtainable. */
export function obtainNode(arch, workDir) {
  const spec = `node-linux-${arch}@${process.versions.node}`;
  try {
    const out = execFileSync('npm', ['pack', spec, '--pack-destination', workDir, '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const tarball = join(workDir, JSON.parse(out)[0].filename);
    const dir = join(workDir, `node-linux-${arch}`);
    execFileSync('mkdir', ['-p', dir]);
    execFileSync('tar', ['-xzf', tarball, '-C', dir, 'package/bin/node']);
    const node = join(dir, 'package/bin/node');
    if (existsSync(node)) return node;
    console.error(`release: ${spec} has no bin/node; seed-registry-linux-${arch} not built`);
  } catch (error) {
    console.error(`release: cannot obtain ${spec} from the npm registry (${firstLine(error)}); seed-registry-linux-${arch} not built`);
  }
  return undefined;
}

function firstLine(error) {
  const text = String(error.stderr || error.message || error);
  return text.split('\n').find((l) => l.trim() !== '' && !/Unknown user config/.test(l))?.trim() ?? 'failed';
}
