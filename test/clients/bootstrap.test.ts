// The air-gap bootstrap loop: seed-registry serves a registry image; the registry it starts then takes pushes.
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerPull, dockerRun } from './helpers/clients.js';
import { waitUntil } from './helpers/daemon.js';
import { startClientEnv, type ClientEnv } from './helpers/env.js';
import { dockerSave, importBusybox, MESSAGE, MESSAGE_FILE } from './helpers/images.js';
import { expectedFor, readExpected, type ExpectedImage } from './helpers/oracle.js';
import { buildRegistryImage, freePort } from './helpers/registry-image.js';
import { startSeed, type Seed } from './helpers/seed.js';

const REGISTRY_REF = 'library/registry:2.8.2';
const SAVED_REF = 'registry:2.8.2'; // docker saves Docker Hub names in their short form
const PAYLOAD_REF = 'seed/payload:1';
const CONTAINER = 'seed-bootstrap-registry';
const REGISTRY_READY_MS = 30_000;

let env: ClientEnv;
let seed: Seed;
let expected: ExpectedImage[];

beforeAll(async () => {
  env = await startClientEnv();
  await buildRegistryImage(env.docker, env.dir, REGISTRY_REF);
  await importBusybox(env.docker, env.dir, PAYLOAD_REF);
  const tar = await dockerSave(env.docker, join(env.dir, 'registry.tar'), [REGISTRY_REF]);
  await env.docker.docker(['rmi', REGISTRY_REF]); // the pull below must fetch every layer from seed-registry
  expected = await readExpected(tar);
  seed = await startSeed([tar]);
});
afterAll(async () => {
  await env?.docker.docker(['rm', '-f', CONTAINER]).catch(() => undefined);
  await seed?.stop();
  await env?.stop();
});

async function answersV2(port: number): Promise<boolean> {
  const res = await request(`http://127.0.0.1:${port}/v2/`);
  await res.body.dump();
  return res.statusCode === 200;
}

describe('bootstrap: pull the registry from seed-registry, run it, push to it, pull back', () => {
  it('docker pull, run, push and pull through the pulled registry', async () => {
    const served = `${seed.host}/${REGISTRY_REF}`;
    const { configDigest, diffIds } = expectedFor(expected, SAVED_REF);
    expect(await dockerPull(env.docker, served)).toEqual({ configDigest, diffIds });

    const port = await freePort();
    await env.docker.docker(['run', '-d', '--name', CONTAINER, '--network', 'host', '-e', `REGISTRY_HTTP_ADDR=127.0.0.1:${port}`, served]);
    await waitUntil(`registry container on port ${port}`, () => answersV2(port), REGISTRY_READY_MS);

    const pushed = `127.0.0.1:${port}/${PAYLOAD_REF}`;
    await env.docker.docker(['tag', PAYLOAD_REF, pushed]);
    await env.docker.docker(['push', '-q', pushed]);
    await env.docker.docker(['rmi', pushed, PAYLOAD_REF]);
    await env.docker.docker(['pull', '-q', pushed]);
    expect((await dockerRun(env.docker, pushed, ['cat', MESSAGE_FILE])).trim()).toBe(MESSAGE);
  });
});
