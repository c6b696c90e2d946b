#!/usr/bin/env node
// Rebuilds fixtures/seed-image.tar: a small runnable busybox image in crane tarball format
// (go-containerregistry pkg/v1/tarball: `sha256:<config hex>`, `<layer hex>.tar.gz`, manifest.json).
// Deterministic: fixed mtimes and owners, sorted entries, fixed JSON key order; the same busybox
// binary gives the same bytes.
//
//   node scripts/make-fixture.mjs [--busybox /bin/busybox] [--out fixtures/seed-image.tar]
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';

const { values: args } = parseArgs({
  options: {
    busybox: { type: 'string', default: '/bin/busybox' },
    out: { type: 'string', default: new URL('../fixtures/seed-image.tar', import.meta.url).pathname },
    tag: { type: 'string', default: 'library/busybox:seed' },
  },
});

const MTIME = new Date('2024-01-01T00:00:00Z');
const APPLETS = ['cat', 'echo', 'ls', 'sh'];
const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n';
const GROUP = 'root:x:0:\nnogroup:x:65534:\n';

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** Packs entries (already in order) into one tar buffer. */
async function packTar(entries) {
  const pack = tar.pack();
  const chunks = [];
  pack.on('data', (c) => chunks.push(c));
  const ended = new Promise((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const { data, ...header } of entries) {
    const full = { uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: MTIME, ...header };
    await new Promise((resolve, reject) => pack.entry(full, data, (err) => (err ? reject(err) : resolve())));
  }
  pack.finalize();
  await ended;
  return Buffer.concat(chunks);
}

function layerEntries(busybox) {
  const entries = [
    { name: 'bin/', type: 'directory', mode: 0o755 },
    { name: 'bin/busybox', type: 'file', mode: 0o755, data: busybox },
    ...APPLETS.map((a) => ({ name: `bin/${a}`, type: 'symlink', linkname: 'busybox', mode: 0o777 })),
    { name: 'etc/', type: 'directory', mode: 0o755 },
    { name: 'etc/group', type: 'file', mode: 0o644, data: Buffer.from(GROUP) },
    { name: 'etc/passwd', type: 'file', mode: 0o644, data: Buffer.from(PASSWD) },
    { name: 'root/', type: 'directory', mode: 0o700 },
    { name: 'tmp/', type: 'directory', mode: 0o1777 },
  ];
  return entries.sort((a, b) => (a.name < b.name ? -1 : 1));
}

const layerTar = await packTar(layerEntries(readFileSync(args.busybox)));
const layerGzip = gzipSync(layerTar, { level: 9 });
const config = Buffer.from(
  JSON.stringify({
    architecture: 'amd64',
    created: MTIME.toISOString(),
    os: 'linux',
    config: { Env: ['PATH=/bin'], Cmd: ['sh'], WorkingDir: '/' },
    rootfs: { type: 'layers', diff_ids: [`sha256:${sha256(layerTar)}`] },
    history: [{ created: MTIME.toISOString(), created_by: 'scripts/make-fixture.mjs: busybox-static, applets cat echo ls sh' }],
  }),
);
const configName = `sha256:${sha256(config)}`;
const layerName = `${sha256(layerGzip)}.tar.gz`;
const manifest = Buffer.from(JSON.stringify([{ Config: configName, RepoTags: [args.tag], Layers: [layerName] }]));

const archive = await packTar([
  { name: configName, type: 'file', mode: 0o644, data: config },
  { name: layerName, type: 'file', mode: 0o644, data: layerGzip },
  { name: 'manifest.json', type: 'file', mode: 0o644, data: manifest },
]);
writeFileSync(args.out, archive);
console.log(`${args.out}: ${archive.length} bytes, config ${configName}, layer sha256:${sha256(layerGzip)}`);
