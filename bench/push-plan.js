// `npm run bench -- --push-plan N`: what planning a push costs as a bundle grows (src/push/plan.ts,
// bundled here with esbuild). N images, each an index of two platform manifests, with a signature
// on the index and an SBOM on each platform manifest (OCI 1.1 referrers): the shape of a signed
// airgap bundle. A push plans once; `serve --push-to` plans at every reload (src/serve-push.ts).
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');

async function loadPlan(dir) {
  const outfile = join(dir, 'plan.mjs');
  await build({ entryPoints: [join(ROOT, 'src/push/plan.ts')], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning' });
  return import(pathToFileURL(outfile).href);
}

function syntheticModel(images) {
  const manifests = new Map();
  const blobs = new Map();
  const records = [];
  let n = 0;
  const next = () => `sha256:${(++n).toString(16).padStart(64, '0')}`;
  const manifest = (fields) => ({ digest: next(), mediaType: 'application/vnd.oci.image.manifest.v1+json', bytes: Buffer.from('{}'), origin: 'stored', ...fields });
  for (let i = 0; i < images; i++) {
    const platforms = [0, 1].map(() => {
      const layer = next();
      blobs.set(layer, { digest: layer, size: 1 });
      return manifest({ layers: [layer], bytes: Buffer.from(JSON.stringify({ layers: [{ digest: layer }] })) });
    });
    const index = manifest({ mediaType: 'application/vnd.oci.image.index.v1+json', manifests: platforms.map((p) => ({ digest: p.digest })) });
    for (const m of [...platforms, index]) manifests.set(m.digest, m);
    for (const subject of [index, ...platforms]) {
      const referrer = manifest({ subject: subject.digest });
      manifests.set(referrer.digest, referrer);
    }
    records.push({ tarPath: 'bundle.tar', registry: 'docker.io', repository: `org/app${i}`, aliases: [], tag: '1', digest: index.digest, mediaType: index.mediaType, origin: 'stored', platforms: [], layers: 1, size: 1 });
  }
  return { manifests, blobs, repositories: new Map(), images: records, warnings: [] };
}

/** Milliseconds to plan a push of `images` images, median of `runs` (each on a fresh model). */
export async function measurePushPlan(images, runs = 3) {
  const dir = mkdtempSync(join(tmpdir(), 'seed-registry-push-plan-'));
  try {
    const { planPush } = await loadPlan(dir);
    const times = [];
    let manifests = 0;
    for (let i = 0; i < runs; i++) {
      const model = syntheticModel(images);
      manifests = model.manifests.size;
      const t0 = performance.now();
      const plans = planPush(model, { host: 'registry.example', prefix: '' });
      times.push(performance.now() - t0);
      if (plans.length !== images) throw new Error(`planned ${plans.length} images of ${images}`);
    }
    times.sort((a, b) => a - b);
    return `Push plan (src/push/plan.ts): ${images} images, ${manifests} manifests: ${times[Math.floor(runs / 2)].toFixed(0)} ms, median of ${runs} (${times.map((t) => t.toFixed(0)).join(', ')})`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
