// Issue 11's inputs, served by the real binary and pulled by docker, containerd, skopeo and podman:
// a Zarf package (.tar.zst) with a registry image and a two-platform image, two hauler hauls (--containerd with hauler-index.json, and as v2.0.3 saves: no oci-layout) with a
// cosign signature, a regctl export, an OCI layout folder (skopeo oci:DIR) and a folder of archives
// (docker save, oci-archive, docker save | zstd). Each pull is checked against the saved image.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itPullsWithEachClient } from './helpers/each-client.js';
import { startClientEnv, type ClientEnv } from './helpers/env.js';
import { runOk } from './helpers/run.js';
import { startSeed, type Seed } from './helpers/seed.js';
import { sha256 } from './helpers/tarball.js';
import { buildToolArchives, type Expected, type ToolArchives } from './helpers/tool-archives.js';

let env: ClientEnv;
let built: ToolArchives;

beforeAll(async () => {
  env = await startClientEnv();
  built = await buildToolArchives(env.docker, env.dir);
});
afterAll(async () => env?.stop());

interface Case {
  input: string;
  args: (b: ToolArchives) => string[];
  refs: Array<[string, (b: ToolArchives) => Expected]>;
}

const busybox = (b: ToolArchives) => b.busybox;
const CASES: Case[] = [
  { input: 'Zarf package (.tar.zst)', args: (b) => ['--tar', b.zarf], refs: [['library/registry:2.8.1', (b) => b.registry], ['seed/multi:1.0', busybox]] },
  { input: 'hauler store save --containerd (hauler-index.json)', args: (b) => ['--tar', b.hauler.path], refs: [['seed/hauled:1', busybox]] },
  { input: 'hauler v2 haul (no oci-layout)', args: (b) => ['--tar', b.haulerV2.path], refs: [['seed/hauled-v2:1', busybox]] },
  { input: 'regctl image export', args: (b) => ['--tar', b.regctl], refs: [['seed/regctl:1', busybox]] },
  { input: 'OCI layout folder (skopeo oci:DIR)', args: (b) => ['--tar', b.ociDir], refs: [['seed/ocidir:1', (b) => b.ociDirImage]] },
  {
    input: 'folder of archives',
    args: (b) => ['--tar', b.folder],
    refs: [['seed/folder-legacy:1', busybox], ['seed/folder-oci:1', (b) => b.ociArchiveImage], ['seed/folder-zst:1', busybox]],
  },
];

describe.each(CASES)('$input', ({ input, args, refs }) => {
  let seed: Seed;
  beforeAll(async () => {
    seed = await startSeed([], args(built));
  });
  afterAll(async () => seed?.stop());

  itPullsWithEachClient(input, () => ({ env, seed }), refs.map(([ref, expected]) => [ref, () => expected(built)]));
});

describe('names and artifacts as their tools wrote them', () => {
  let seed: Seed;
  beforeAll(async () => {
    seed = await startSeed([], ['--tar', built.zarf, '--tar', built.hauler.path, '--tar', built.haulerV2.path]);
  });
  afterAll(async () => seed?.stop());

  it('the Zarf image docker.io/library/registry:2.8.1 answers ?ns=docker.io, not ?ns=ghcr.io', async () => {
    const head = (ns: string) => fetch(`${seed.url}/v2/library/registry/manifests/2.8.1?ns=${ns}`, { method: 'HEAD' });
    expect((await head('docker.io')).status).toBe(200);
    expect((await head('ghcr.io')).status).toBe(404);
  });

  it.each([
    ['seed/hauled', 'hauler'],
    ['seed/hauled-v2', 'haulerV2'],
  ] as const)('skopeo reads the cosign signature hauler stored under %s:1 by its sha256-<hex>.sig tag, digest intact', async (name, which) => {
    const raw = await runOk('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${seed.host}/${name}:${built[which].sigTag}`]);
    expect(sha256(Buffer.from(raw, 'utf8'))).toBe(built[which].sigDigest);
  });
});
