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
import { validityOf } from '../../src/tls/validity.js';
import { issueServer } from '../../src/tls/x509.js';

const DAY = 24 * 3600 * 1000;
/** openssl's -attime: seconds since the epoch. */
const attime = (d: Date) => String(Math.floor(d.getTime() / 1000));

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
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
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

describe('ensureSelfSigned against the clock', () => {
  it('a seed a day ahead makes a CA and a server certificate valid now for nodes on the right clock', async () => {
    const dir = tempDir();
    const real = new Date();
    await ensureSelfSigned(dir, wantedSans([]), new Date(real.getTime() + DAY));
    const paths = selfSignedPaths(dir);
    // openssl checks the dates of the whole chain, the CA included, at the node's (real) time.
    expect(openssl('verify', '-attime', attime(real), '-CAfile', paths.caCert, paths.cert).trim()).toBe(`${paths.cert}: OK`);
    for (const file of [paths.caCert, paths.cert]) {
      const start = new Date(openssl('x509', '-in', file, '-noout', '-startdate').trim().replace('notBefore=', ''));
      expect(real.getTime() - start.getTime()).toBeGreaterThanOrEqual(DAY - 1000);
    }
  });

  it('re-issues a server certificate that is not valid yet by this clock, with the same CA', async () => {
    const dir = tempDir();
    const sans = wantedSans([]);
    const first = await ensureSelfSigned(dir, sans);
    const paths = selfSignedPaths(dir);
    // What a start three days ahead left behind (beyond the backdating), the CA being older.
    const future = await issueServer({ cert: first.ca.pem, key: readFileSync(paths.caKey, 'utf8') }, sans, new Date(Date.now() + 3 * DAY));
    writeFileSync(paths.cert, future.cert);
    writeFileSync(paths.key, future.key);
    expect(() => openssl('verify', '-CAfile', paths.caCert, paths.cert)).toThrow(/not yet valid/);
    const now = await ensureSelfSigned(dir, sans);
    expect(now.action).toBe('reissued');
    expect(now.reason).toMatch(/^server certificate not valid until \d{4}-\d\d-\d\d \d\d:\d\d UTC; this host's clock says /);
    expect(now.ca.pem).toBe(first.ca.pem);
    expect(openssl('verify', '-CAfile', paths.caCert, paths.cert).trim()).toBe(`${paths.cert}: OK`);
  });

  it('never issues a server certificate that outlives its CA, and does not re-issue it at every start', async () => {
    const dir = tempDir();
    const sans = wantedSans([]);
    // A CA made 3640 days ago has 10 days left.
    const made = await ensureSelfSigned(dir, sans, new Date(Date.now() - 3640 * DAY));
    const later = await ensureSelfSigned(dir, sans);
    expect(later.action).toBe('reissued');
    expect(validityOf(later.pair.cert).notAfter.getTime()).toBe(validityOf(made.ca.pem).notAfter.getTime());
    expect((await ensureSelfSigned(dir, sans)).action).toBe('reused');
  });
});

describe('PEM files', () => {
  it('end with a newline, so `cat ca.crt other.pem` is a bundle openssl reads both certificates from', async () => {
    const dir = tempDir();
    await ensureSelfSigned(dir, wantedSans([]));
    const paths = selfSignedPaths(dir);
    for (const file of [paths.caCert, paths.cert, paths.caKey, paths.key]) expect(readFileSync(file, 'utf8').endsWith('-----\n')).toBe(true);
    const bundle = join(dir, 'bundle.pem');
    writeFileSync(bundle, readFileSync(paths.caCert, 'utf8') + readFileSync(paths.cert, 'utf8'));
    expect(openssl('storeutl', '-noout', '-certs', bundle)).toContain('Total found: 2');
  });

  it('a ca.crt written without the newline gets one at start, the certificate unchanged', async () => {
    const dir = tempDir();
    const first = await ensureSelfSigned(dir, wantedSans([]));
    const paths = selfSignedPaths(dir);
    writeFileSync(paths.caCert, first.ca.pem.trimEnd());
    writeFileSync(paths.cert, first.pair.cert.trimEnd());
    const again = await ensureSelfSigned(dir, wantedSans([]));
    expect(again.action).toBe('reused');
    expect(readFileSync(paths.caCert, 'utf8')).toBe(`${first.ca.pem.trimEnd()}\n`);
    expect(readFileSync(paths.cert, 'utf8')).toBe(`${first.pair.cert.trimEnd()}\n`);
    expect(again.ca.fingerprint).toBe(first.ca.fingerprint);
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
