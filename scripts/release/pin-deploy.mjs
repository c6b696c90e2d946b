// After `npm run release`: points deploy/kubernetes/*.yaml at the image just built, by tag and
// digest (`image: localhost/seed-registry:<version>@sha256:<index digest>`), so a node runs exactly
// the image that was imported and a re-tagged image is refused. Only the `image:` lines change.
// Usage: node scripts/release/pin-deploy.mjs [release/seed-registry-image-<version>.tar]
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IMAGE_REPOSITORY } from './image.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEPLOY = join(ROOT, 'deploy/kubernetes');
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const archive = process.argv[2] ?? join(ROOT, 'release', `seed-registry-image-${version}.tar`);

try {
  const top = JSON.parse(execFileSync('tar', ['-xOf', archive, 'index.json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
  const descriptor = top.manifests[0];
  const name = descriptor.annotations?.['io.containerd.image.name'];
  if (name !== `${IMAGE_REPOSITORY}:${version}`) throw new Error(`${archive} names ${name}, not ${IMAGE_REPOSITORY}:${version}; run npm run release first`);
  const pinned = `${name}@${descriptor.digest}`;
  const line = new RegExp(`^(\\s*image:\\s*)${IMAGE_REPOSITORY.replace('/', '\\/')}:\\S+\\s*$`, 'gm');
  for (const file of readdirSync(DEPLOY).filter((f) => f.endsWith('.yaml'))) {
    const path = join(DEPLOY, file);
    const text = readFileSync(path, 'utf8');
    const updated = text.replace(line, (_m, prefix) => `${prefix}${pinned}`);
    if (updated !== text) writeFileSync(path, updated);
    console.log(`${updated !== text ? 'pinned' : 'unchanged'} deploy/kubernetes/${file}`);
  }
  console.log(pinned);
} catch (error) {
  console.error(`pin-deploy: ${String(error.stderr || error.message).trim().split('\n')[0]}`);
  process.exitCode = 1;
}
