// --tls-self-signed: what it writes, judged by openssl (not by the library that wrote it).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LoadError } from '../../src/load-error.js';
import { loadCa, loadKeyPair } from '../../src/tls/load.js';
import { parseAdvertise, wantedSans } from '../../src/tls/sans.js';
import { ensureSelfSigned, selfSignedPaths } from '../../src/tls/self-signed.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sr-tls-'));
  dirs.push(dir);
  return dir;
}

function openssl(...args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8' });
}

const ADVERTISED = ['seed.example:5000', '[fd00::5]:443', '10.1.2.3'].map(parseAdvertise);

describe('ensureSelfSigned', () => {
  it('makes a CA and a server certificate that openssl verifies, with every asked name', async () => {
    const dir = join(tempDir(), 'certs');
    const made = await ensureSelfSigned(dir, wantedSans(ADVERTISED));
    expect(made.action).toBe('created');
    const paths = selfSignedPaths(dir);
    expect(openssl('verify', '-CAfile', paths.caCert, paths.cert).trim()).toBe(`${paths.cert}: OK`);
    const text = openssl('x509', '-in', paths.cert, '-noout', '-text');
    for (const san of ['DNS:seed.example', 'IP Address:FD00:0:0:0:0:0:0:5', 'IP Address:10.1.2.3', 'DNS:localhost', 'IP Address:127.0.0.1', 'IP Address:0:0:0:0:0:0:0:1']) {
      expect(text).toContain(san);
    }
    expect(text).toContain('TLS Web Server Authentication');
    expect(openssl('x509', '-in', paths.caCert, '-noout', '-text')).toMatch(/CA:TRUE/);
    for (const key of [paths.caKey, paths.key]) expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const fingerprint = openssl('x509', '-in', paths.caCert, '-noout', '-fingerprint', '-sha256').trim().split('=')[1];
    expect(made.ca.fingerprint).toBe(fingerprint);
  });

  it('reuses both on a second start with the same names, re-issues with the same CA when they change', async () => {
    const dir = tempDir();
    const first = await ensureSelfSigned(dir, wantedSans(ADVERTISED));
    const again = await ensureSelfSigned(dir, wantedSans(ADVERTISED));
    expect(again.action).toBe('reused');
    expect(again.pair.cert).toBe(first.pair.cert);
    const changed = await ensureSelfSigned(dir, wantedSans([parseAdvertise('other.example')]));
    expect(changed).toMatchObject({ action: 'reissued', reason: 'the names asked for changed' });
    expect(changed.ca.pem).toBe(first.ca.pem);
    expect(changed.pair.cert).not.toBe(first.pair.cert);
    const paths = selfSignedPaths(dir);
    expect(openssl('verify', '-CAfile', paths.caCert, paths.cert).trim()).toBe(`${paths.cert}: OK`);
    expect(openssl('x509', '-in', paths.cert, '-noout', '-ext', 'subjectAltName')).toContain('DNS:other.example');
  });

  it('re-issues a server certificate near expiry', async () => {
    const dir = tempDir();
    const sans = wantedSans([]);
    await ensureSelfSigned(dir, sans, new Date(Date.now() - 380 * 24 * 3600 * 1000));
    const later = await ensureSelfSigned(dir, sans);
    expect(later.action).toBe('reissued');
    expect(later.reason).toMatch(/expires/);
  });

  it('stops with one line when half the CA is missing, and never replaces it', async () => {
    const dir = tempDir();
    await ensureSelfSigned(dir, wantedSans([]));
    const paths = selfSignedPaths(dir);
    const ca = readFileSync(paths.caCert, 'utf8');
    unlinkSync(paths.caKey);
    await expect(ensureSelfSigned(dir, wantedSans([]))).rejects.toThrow(LoadError);
    await expect(ensureSelfSigned(dir, wantedSans([]))).rejects.toThrow(`${paths.caKey}: missing while ${paths.caCert} exists`);
    expect(readFileSync(paths.caCert, 'utf8')).toBe(ca);
  });
});

describe('loadKeyPair and loadCa', () => {
  it('names the file and the problem: unreadable, not PEM, mismatched key, not a CA', async () => {
    const a = await ensureSelfSigned(tempDir(), wantedSans([]));
    const b = await ensureSelfSigned(tempDir(), wantedSans([]));
    const garbage = join(tempDir(), 'garbage.pem');
    writeFileSync(garbage, 'hello');
    expect(() => loadKeyPair('/nonexistent/tls.crt', a.keyPath)).toThrow('/nonexistent/tls.crt: no such file');
    expect(() => loadKeyPair(garbage, a.keyPath)).toThrow(`${garbage}: no PEM certificate`);
    expect(() => loadKeyPair(a.certPath, garbage)).toThrow(`${garbage}: not a PEM private key`);
    expect(() => loadKeyPair(a.certPath, b.keyPath)).toThrow(`${b.keyPath}: private key does not match the certificate in ${a.certPath}`);
    expect(() => loadCa(a.certPath)).toThrow('not a CA certificate');
    expect(loadCa(a.ca.path).fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });
});

describe('parseAdvertise', () => {
  it.each([
    ['seed.example', { host: 'seed.example' }],
    ['Seed.Example:5000', { host: 'seed.example', port: 5000 }],
    ['10.0.0.1:443', { host: '10.0.0.1', port: 443 }],
    ['[fd00::1]:5000', { host: 'fd00::1', port: 5000 }],
    ['fd00:0::1', { host: 'fd00::1' }],
  ])('%s', (value, expected) => expect(parseAdvertise(value)).toEqual(expected));

  it.each(['', 'http://seed', 'seed:', 'seed:99999', 'under_score', '[seed]:5', 'a:b:c', '-seed'])('rejects %j', (value) => {
    expect(() => parseAdvertise(value)).toThrow(/not a|port must/);
  });
});
