// The release's software bill of materials, CycloneDX 1.5 JSON (cyclonedx.org/docs/1.5/json):
// what the executables and the image actually carry, not every package of the lock file
// (`npm sbom` would list vitest and typescript too). Components:
// - the npm packages esbuild put into the bundle (its metafile's inputs under node_modules/), with the
//   lock file's sha512;
// - the Node.js runtime each executable is, as the pinned node-linux-<arch> package, with a CPE so
//   scanners match Node advisories, and the libraries Node vendors (OpenSSL, V8, libuv, ...) as its
//   sub-components, versions from that Node's process.versions;
// - the Debian packages of the image, as purl pkg:deb (purl-spec PURL-TYPES.rst, "deb").
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Node's vendored dependencies worth naming (process.versions keys), with their CPE vendor:product. */
const NODE_VENDORED = { openssl: 'openssl:openssl', v8: 'google:v8', uv: 'libuv_project:libuv', zlib: 'zlib:zlib', brotli: 'google:brotli', nghttp2: 'nghttp2:nghttp2', llhttp: 'nodejs:llhttp', ares: 'c-ares_project:c-ares', undici: 'nodejs:undici', zstd: 'facebook:zstandard', sqlite: 'sqlite:sqlite', simdjson: 'simdjson:simdjson' };

/**
 * The SBOM document. metafile: esbuild's for the executables' bundle; nodes: [{ arch, versions
 * (nodeVersions), pin: { name, version, integrity } }]; debs: { arch: [{ name, version, architecture, control }] }.
 */
export function buildSbom({ root, pkg, commit, created, metafile, nodes, debs }) {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages;
  const bundled = bundledPackages(root, metafile).map((dir) => npmComponent(root, dir, lock[dir]));
  const runtimes = nodes.map(nodeComponent);
  const debComponents = Object.values(debs ?? {}).flatMap((list) => list.map((deb) => debComponent(deb, debianRelease(list))));
  const self = { type: 'application', 'bom-ref': `pkg:npm/${pkg.name}@${pkg.version}`, name: pkg.name, version: pkg.version, purl: `pkg:npm/${pkg.name}@${pkg.version}`, licenses: [{ license: { id: pkg.license } }], properties: [{ name: 'git:commit', value: commit }] };
  const components = [...bundled, ...runtimes, ...debComponents];
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: `urn:uuid:${uuidFrom(`${pkg.version}:${commit}`)}`,
    version: 1,
    metadata: { timestamp: created, tools: { components: [{ type: 'application', name: 'seed-registry scripts/release/sbom.mjs', version: pkg.version }] }, component: self },
    components,
    dependencies: [{ ref: self['bom-ref'], dependsOn: components.map((c) => c['bom-ref']) }],
  };
}

/** node_modules/<name> (or @scope/name) of every bundled input, once each, sorted. */
function bundledPackages(root, metafile) {
  const dirs = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const m = /^(?:.*\/)?(node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) dirs.add(m[0].slice(0, -1));
  }
  return [...dirs].filter((d) => existsSync(join(root, d, 'package.json'))).sort();
}

function npmComponent(root, dir, locked) {
  const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
  const purl = `pkg:npm/${manifest.name.replace(/^@/, '%40')}@${manifest.version}`;
  const hashes = locked?.integrity?.startsWith('sha512-') ? [{ alg: 'SHA-512', content: Buffer.from(locked.integrity.slice(7), 'base64').toString('hex') }] : [];
  const license = typeof manifest.license === 'string' ? [{ expression: manifest.license }] : [];
  return { type: 'library', 'bom-ref': purl, name: manifest.name, version: manifest.version, purl, hashes, licenses: license, scope: 'required' };
}

/** process.versions of a node binary that runs here (every arch's build of one Node release vendors the same). */
export function nodeVersions(node) {
  return JSON.parse(execFileSync(node, ['-p', 'JSON.stringify(process.versions)'], { encoding: 'utf8', env: {} }));
}

function nodeComponent({ arch, versions, pin }) {
  const purl = `pkg:npm/${pin.name}@${pin.version}`;
  const vendored = Object.entries(NODE_VENDORED).filter(([key]) => versions[key] !== undefined).map(([key, cpe]) => {
    const version = versions[key].replace(/-node\..*$|\+.*$/, '');
    return { type: 'library', 'bom-ref': `${purl}#${key}`, name: key, version, cpe: `cpe:2.3:a:${cpe}:${version}:*:*:*:*:*:*:*` };
  });
  return {
    type: 'platform',
    'bom-ref': purl,
    name: 'node',
    version: pin.version,
    description: `Node.js runtime of seed-registry-linux-${arch} (npm package ${pin.name})`,
    purl,
    cpe: `cpe:2.3:a:nodejs:node.js:${pin.version}:*:*:*:*:*:*:*`,
    hashes: [{ alg: 'SHA-512', content: Buffer.from(pin.integrity.slice(7), 'base64').toString('hex') }],
    licenses: [{ license: { id: 'MIT' } }],
    components: vendored,
  };
}

function debComponent(deb, distro) {
  const purl = `pkg:deb/debian/${encodeURIComponent(deb.name)}@${encodeURIComponent(deb.version)}?arch=${deb.architecture}${distro ? `&distro=${distro}` : ''}`;
  const source = /^Source: (\S+)/m.exec(deb.control)?.[1];
  return { type: 'library', 'bom-ref': purl, name: deb.name, version: deb.version, purl, description: `Debian package in seed-registry's image (linux/${deb.architecture})`, ...(source ? { properties: [{ name: 'debian:source', value: source }] } : {}) };
}

/** `debian-12` from base-files' version (12.4+deb12u15), the release the packages come from. */
function debianRelease(list) {
  const major = /^(\d+)\./.exec(list.find((d) => d.name === 'base-files')?.version ?? '')?.[1];
  return major ? `debian-${major}` : undefined;
}

/** A stable UUID (v4 layout) from the build's identity, so one commit's SBOM is the same file each time. */
function uuidFrom(text) {
  const hex = createHash('sha256').update(text).digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
