// serve's --push-* options: refused at start, in one line, when they cannot work.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pushToProblem } from '../../src/push/command.js';

const BIN = fileURLToPath(new URL('../../bin/seed-registry.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../../fixtures/seed-image.tar', import.meta.url));

describe('pushToProblem', () => {
  it.each([
    [{ pushCa: 'ca.crt' }, ['--push-ca', 'needs --push-to REGISTRY']],
    [{ pushInsecure: true }, ['--push-insecure', 'needs --push-to REGISTRY']],
    [{ pushTo: 'r:5000', pushUsername: 'u' }, ['--push-username', 'needs --push-password-file (a password on the command line would show in ps)']],
    [{ pushTo: 'r:5000', pushPasswordFile: 'pw' }, ['--push-password-file', 'needs --push-username']],
    [{ pushTo: 'r:5000', pushUsername: 'u', pushPasswordFile: 'pw', pushCa: 'ca.crt', pushInsecure: false }, undefined],
    [{ pushInsecure: false }, undefined],
  ])('%j', (flags, expected) => expect(pushToProblem(flags)).toEqual(expected));
});

it('the seed refuses them before it serves: one line, exit 1', () => {
  const r = spawnSync(process.execPath, [BIN, '--tar', FIXTURE, '--port', '0', '--push-ca', 'ca.crt'], { encoding: 'utf8', timeout: 30_000 });
  expect(r.status).toBe(1);
  expect(r.stderr).toBe('seed-registry: --push-ca: needs --push-to REGISTRY\n');
  expect(r.stdout).toBe('');
});
