// `npm run bench -- --herd`: the first-boot herd on its own (bench/herd.js), with its own image.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureHerd, renderHerd } from './herd.js';
import { ensureImage } from './images.js';
import { killAllSync, stopAll } from './proc.js';
import { execFileSync } from 'node:child_process';
import { seedCommand } from './peers.js';

/** What the seed ran on: the single executable, or the Node running bin/seed-registry.js. */
function seedRuntime() {
  const [command, ...rest] = seedCommand();
  return rest.length === 0 ? `the single executable ${command}` : `Node ${execFileSync(command, ['--version'], { encoding: 'utf8' }).trim()}`;
}

export async function runHerd(opts, root) {
  const { sizes } = opts;
  const tmpDir = mkdtempSync(join(tmpdir(), 'seed-registry-herd-'));
  process.once('SIGINT', () => { killAllSync(); rmSync(tmpDir, { recursive: true, force: true }); process.exit(130); });
  try {
    const imagesDir = opts.imagesDir ?? join(tmpDir, 'images');
    mkdirSync(imagesDir, { recursive: true });
    const layerMiB = Math.max(1, Math.round(sizes['herd-mib'] / sizes['herd-layers']));
    const image = await ensureImage(join(imagesDir, `herd-${sizes['herd-layers']}x${layerMiB}MiB.tar`),
      { format: 'docker-save-legacy', name: 'bench/herd:latest', layerCount: sizes['herd-layers'], layerMiB, seed: 'herd' });
    console.error(`herd image: ${image.path} (${(image.size / 2 ** 20).toFixed(0)} MiB)`);
    const mode = opts.herdMode;
    const results = await measureHerd(image, { nodes: sizes['herd-nodes'], runs: Math.max(1, sizes['herd-runs']), tmpDir, mode, tls: opts.tls });
    const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`;
    const runtime = seedRuntime();
    console.log(`Run: \`${command}\` (seed-registry on ${runtime})\n\n${renderHerd(results, image, sizes['herd-nodes'], mode, opts.tls)}`);
    const out = join(root, '.bench/herd.json');
    mkdirSync(join(root, '.bench'), { recursive: true });
    writeFileSync(out, `${JSON.stringify({ command, runtime, mode, tls: opts.tls, nodes: sizes['herd-nodes'], imageBytes: image.size, results }, null, 2)}\n`);
    console.error(`results: ${out}`);
  } finally {
    await stopAll();
    rmSync(tmpDir, { recursive: true, force: true });
  }
}
