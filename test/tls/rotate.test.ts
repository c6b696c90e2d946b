// `tls rotate-ca`: a new CA on purpose, the old one kept, the server certificate re-issued at the next start.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { rotateCa, rotateReport } from '../../src/tls/rotate.js';
import { wantedSans } from '../../src/tls/sans.js';
import { ensureSelfSigned, selfSignedPaths } from '../../src/tls/self-signed.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('rotateCa', () => {
  it('makes a new CA, keeps the old pair beside it, and the next start re-issues the server certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sr-rotate-'));
    dirs.push(dir);
    const before = await ensureSelfSigned(dir, wantedSans([]));
    const paths = selfSignedPaths(dir);
    const rotated = await rotateCa(dir, new Date('2026-12-03T10:11:12.345Z'));
    expect(rotated.kept).toEqual({ cert: `${paths.caCert}.replaced-20261203T101112Z`, key: `${paths.caKey}.replaced-20261203T101112Z` });
    expect(readFileSync(rotated.kept!.cert, 'utf8')).toBe(before.ca.pem);
    expect(existsSync(rotated.kept!.key)).toBe(true);
    expect(rotated.fingerprint).not.toBe(before.ca.fingerprint);
    const after = await ensureSelfSigned(dir, wantedSans([]));
    expect(after).toMatchObject({ action: 'reissued', reason: 'server certificate not signed by this CA' });
    expect(after.ca.fingerprint).toBe(rotated.fingerprint);
    expect(execFileSync('openssl', ['verify', '-CAfile', paths.caCert, paths.cert], { encoding: 'utf8' }).trim()).toBe(`${paths.cert}: OK`);
  });

  it('says what the seed and every node must do', () => {
    const report = rotateReport('/var/lib/seed-registry/tls', { caCert: '/var/lib/seed-registry/tls/ca.crt', fingerprint: 'AB:CD', window: 'valid x to y' });
    expect(report).toContain('new CA /var/lib/seed-registry/tls/ca.crt sha256 AB:CD, valid x to y');
    expect(report).toContain('Restart the seed');
    expect(report).toContain('seed-registry configure --runtime RUNTIME --registry HOST:PORT --ca /var/lib/seed-registry/tls/ca.crt');
    expect(report).toContain('systemctl restart k3s');
  });
});
