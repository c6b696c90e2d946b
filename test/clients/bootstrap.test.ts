// The air-gap bootstrap loop: seed-registry serves a registry image; the registry it starts then takes pushes.
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctrPull, dockerPull, dockerRun } from './helpers/clients.js';
import { waitUntil } from './helpers/daemon.js';
import { startClientEnv, type ClientEnv } from './helpers/env.js';
import { dockerSave, importBusybox, MESSAGE, MESSAGE_FILE } from './helpers/images.js';
import { expectedFor, readExpected, type ExpectedImage } from './helpers/oracle.js';
import { push } from './helpers/push.js';
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
let tars: string[];
let expectedPayload: ExpectedImage[];
/** The port the registry container listens on, once the first test started it. */
let registryPort: number | undefined;

beforeAll(async () => {
  env = await startClientEnv();
  await buildRegistryImage(env.docker, env.dir, REGISTRY_REF);
  await importBusybox(env.docker, env.dir, PAYLOAD_REF);
  const tar = await dockerSave(env.docker, join(env.dir, 'registry.tar'), [REGISTRY_REF]);
  await env.docker.docker(['rmi', REGISTRY_REF]); // the pull below must fetch every layer from seed-registry
  const payloadTar = await dockerSave(env.docker, join(env.dir, 'payload.tar'), [PAYLOAD_REF]);
  expected = await readExpected(tar);
  expectedPayload = await readExpected(payloadTar);
  tars = [tar, payloadTar];
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
    registryPort = port;

    const pushed = `127.0.0.1:${port}/${PAYLOAD_REF}`;
    await env.docker.docker(['tag', PAYLOAD_REF, pushed]);
    await env.docker.docker(['push', '-q', pushed]);
    await env.docker.docker(['rmi', pushed, PAYLOAD_REF]);
    await env.docker.docker(['pull', '-q', pushed]);
    expect((await dockerRun(env.docker, pushed, ['cat', MESSAGE_FILE])).trim()).toBe(MESSAGE);
  });

  it('seed-registry push fills the registry it started; the seed stops; containerd pulls every image from the new registry', async () => {
    if (registryPort === undefined) throw new Error('the registry container did not start (see the test before)');
    const target = `127.0.0.1:${registryPort}/handover`;
    const pushed = await push(tars, target);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stdout).toMatch(/verified 3 references/);
    await seed.stop();
    const cases = [
      ['library/registry:2.8.2', expectedFor(expected, SAVED_REF)],
      ['registry:2.8.2', expectedFor(expected, SAVED_REF)],
      [PAYLOAD_REF, expectedFor(expectedPayload, PAYLOAD_REF)],
    ] as const;
    for (const [ref, want] of cases) {
      expect(await ctrPull(env.containerd, `${target}/${ref}`)).toEqual({ configDigest: want.configDigest, diffIds: want.diffIds });
    }
  });
});
