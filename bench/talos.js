// `npm run bench -- --talos`: Talos' image cache on its own. Time-to-ready (spawn → listening) of
// `seed-registry serve` on the flat cache folder (`cache-create --layout flat`) and on the OCI cache
// image (the default: one image whose gzipped layer is the flat cache, decoded once at start), against
// `gzip -dc LAYER` to /dev/null and to a file, on the same bytes, runs alternated. The cached layers
// are incompressible (they are gzipped image layers in a real cache), as is the bench's keystream.
// Options: --talos-images N (default 8), --talos-mib N (total layer bytes, default 512), --runs N.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { keystream } from './data.js';
import { measureNodeFloor } from './floor.js';
import { serveTimeToReady, shell } from './proc.js';
import { summarize } from './stats.js';
import { TarWriter } from './tar-writer.js';

const MIB = 2 ** 20;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
const hex = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** The flat cache's files, path → bytes: N single-platform images of two layers each. */
function cacheFiles(images, mib) {
  const files = new Map();
  const layerBytes = Math.max(1, Math.floor((mib * MIB) / (images * 2)));
  const blob = (bytes) => (files.set(`blob/sha256-${hex(bytes)}`, bytes), { digest: `sha256:${hex(bytes)}`, size: bytes.length });
  for (let i = 0; i < images; i++) {
    const layers = [0, 1].map((l) => Buffer.concat([...keystream(`talos/${i}/${l}`, layerBytes)]));
    const config = blob(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map((l) => `sha256:${hex(l)}`) } })));
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_CONFIG, ...config }, layers: layers.map((l) => ({ mediaType: LAYER_GZIP, ...blob(l) })) }));
    // Short names: the bench's tar writer takes names up to 100 bytes.
    files.set(`manifests/b.io/t${i}/reference/1`, manifest);
    files.set(`manifests/b.io/t${i}/digest/sha256-${hex(manifest)}`, manifest);
  }
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1)));
}

function writeFlat(dir, files) {
  for (const [name, bytes] of files) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), bytes);
  }
}

/** `Generate` with --layout oci: the cache as one gzipped layer of one image in an OCI layout. */
async function writeOci(dir, files, scratch) {
  const tar = join(scratch, 'cache-layer.tar');
  const fd = openSync(tar, 'w');
  const writer = new TarWriter(fd);
  for (const [name, bytes] of files) writer.file(name, bytes);
  writer.end();
  closeSync(fd);
  mkdirSync(join(dir, 'blobs/sha256'), { recursive: true });
  const gz = join(scratch, 'cache-layer.tar.gz');
  await pipeline(createReadStream(tar), createGzip({ level: 1 }), createWriteStream(gz));
  const layer = { mediaType: LAYER_GZIP, digest: `sha256:${await hashFile(gz)}`, size: statSync(gz).size };
  execFileSync('mv', [gz, join(dir, 'blobs/sha256', layer.digest.slice(7))]);
  const put = (bytes) => (writeFileSync(join(dir, 'blobs/sha256', hex(bytes)), bytes), { digest: `sha256:${hex(bytes)}`, size: bytes.length });
  const config = put(Buffer.from(JSON.stringify({ architecture: '', os: '', rootfs: { type: 'layers', diff_ids: [`sha256:${await hashFile(tar)}`] }, config: {} })));
  const manifest = put(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_CONFIG, ...config }, layers: [layer] })));
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: OCI_MANIFEST, ...manifest, platform: { architecture: 'amd64', os: 'linux' } }] }));
  rmSync(tar);
  return join(dir, 'blobs/sha256', layer.digest.slice(7));
}

async function hashFile(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
}

export async function runTalosBench({ images = 8, mib = 512, runs = 3 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'seed-registry-bench-talos-'));
  try {
    const files = cacheFiles(images, mib);
    writeFlat(join(dir, 'flat'), files);
    const layer = await writeOci(join(dir, 'image-cache.oci'), files, dir);
    files.clear();
    execFileSync('sync');
    const cases = {
      'gzip -dc LAYER > /dev/null': () => shell(`gzip -dc ${layer} > /dev/null`),
      'gzip -dc LAYER > a file in --tmp-dir': () => shell(`gzip -dc ${layer} > ${join(dir, 'copy.tar')} && rm ${join(dir, 'copy.tar')}`),
      'serve image-cache.oci: time to ready': () => serveTimeToReady(join(dir, 'image-cache.oci'), dir),
      'serve the flat folder: time to ready': () => serveTimeToReady(join(dir, 'flat'), dir),
    };
    const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
    for (let i = 0; i < runs; i++) {
      for (const [name, fn] of Object.entries(cases)) {
        const t0 = performance.now();
        const ms = await fn();
        samples[name].push(typeof ms === 'number' ? ms : performance.now() - t0);
      }
    }
    const results = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summarize(v)]));
    return { images, mib, layer: statSync(layer).size, runs, results, floor: await measureNodeFloor(runs) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function renderTalos(r) {
  const base = r.results['gzip -dc LAYER > a file in --tmp-dir'].median;
  const sec = (v) => (v / 1000).toFixed(2);
  return [
    `Talos image cache: ${r.images} images, ${r.mib} MiB of layers; the OCI form's layer ${(r.layer / MIB).toFixed(0)} MiB (gzip -1), ${r.runs} runs alternated`,
    '',
    '| measure | median s (min–max) | × gzip -dc > file |',
    '| --- | --- | --- |',
    ...Object.entries(r.results).map(([name, s]) => `| ${name} | ${sec(s.median)} (${sec(s.min)}–${sec(s.max)}) | ${(s.median / base).toFixed(2)} |`),
    `| node floor (empty server, spawn → first 200) | ${sec(r.floor.median)} | |`,
  ].join('\n');
}
