// containerd configured (hosts.toml) to send docker.io pulls to seed-registry, as a cluster node would be.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctrPull } from './helpers/clients.js';
import { startClientEnv, type ClientEnv } from './helpers/env.js';
import { dockerSave, importBusybox } from './helpers/images.js';
import { expectedFor, readExpected, type ExpectedImage } from './helpers/oracle.js';
import { startRecordingProxy, type RecordingProxy } from './helpers/proxy.js';
import { freePort } from './helpers/registry-image.js';
import { startSeed, type Seed } from './helpers/seed.js';

// `library/busybox:mirror` is saved by docker as `busybox:mirror`, the Docker Hub short form.
const HUB_REF = 'docker.io/library/busybox:mirror';
const SAVED_REF = 'busybox:mirror';

let env: ClientEnv;
let seed: Seed;
let proxy: RecordingProxy;
let expected: ExpectedImage[];
let hostsDir: string;

beforeAll(async () => {
  env = await startClientEnv();
  await importBusybox(env.docker, env.dir, 'library/busybox:mirror');
  const tar = await dockerSave(env.docker, join(env.dir, 'mirror.tar'), ['library/busybox:mirror']);
  expected = await readExpected(tar);
  seed = await startSeed([tar]);
  proxy = await startRecordingProxy(seed.port);
  hostsDir = writeHostsToml(join(env.dir, 'certs.d'), proxy.host, await freePort());
});
afterAll(async () => {
  await proxy?.close();
  await seed?.stop();
  await env?.stop();
});

/**
 * containerd's registry host config: try the mirror first. The fallback `server`, docker.io's own
 * host on a node, is a closed loopback port here, so a failing mirror never sends a request off
 * the machine.
 */
function writeHostsToml(dir: string, mirror: string, closedPort: number): string {
  mkdirSync(join(dir, 'docker.io'), { recursive: true });
  const toml = [
    `server = "https://127.0.0.1:${closedPort}"`,
    '',
    `[host."http://${mirror}"]`,
    '  capabilities = ["pull", "resolve"]',
    '',
  ].join('\n');
  writeFileSync(join(dir, 'docker.io', 'hosts.toml'), toml);
  return dir;
}

describe('containerd with seed-registry as the docker.io mirror', () => {
  it(`ctr images pull --hosts-dir DIR ${HUB_REF}`, async () => {
    const pulled = await ctrPull(env.containerd, HUB_REF, { extraArgs: ['--hosts-dir', hostsDir] });
    const { configDigest, diffIds } = expectedFor(expected, SAVED_REF);
    expect(pulled).toEqual({ configDigest, diffIds });
  });

  it('every request to the mirror carried ?ns=docker.io', () => {
    const registryRequests = proxy.requests.filter((r) => r.includes('/v2/library/busybox/'));
    expect(registryRequests.length).toBeGreaterThan(0);
    for (const r of registryRequests) expect(r).toContain('ns=docker.io');
  });
});
