// HTTPS serving: a whole pull over TLS trusting only the self-signed CA, and an operator's chain
// (root → intermediate → leaf, made by openssl) sent whole, as openssl s_client sees it.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadImages } from '../../src/image/load.js';
import type { ImageModel } from '../../src/model.js';
import { createRegistry } from '../../src/registry/server.js';
import { loadKeyPair } from '../../src/tls/load.js';
import { wantedSans } from '../../src/tls/sans.js';
import { ensureSelfSigned } from '../../src/tls/self-signed.js';
import { pull } from '../registry/oracle.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/seed-image.tar', import.meta.url));
let dir: string;
let model: ImageModel;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sr-https-'));
  model = await loadImages([FIXTURE]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function openssl(args: string[], input?: string): string {
  return execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** root CA → intermediate CA → leaf for localhost, each step by the openssl command line. */
function opensslChain(): { certFile: string; keyFile: string } {
  const ext = join(dir, 'ext.cnf');
  writeFileSync(ext, '[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n[leaf]\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'root.key', '-out', 'root.crt', '-subj', '/CN=test root', '-days', '2', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
  for (const [name, subject, issuer, section] of [['mid', '/CN=test intermediate', 'root', 'ca'], ['leaf', '/CN=localhost', 'mid', 'leaf']] as const) {
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.crt`, '-CAkey', `${issuer}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', ext, '-extensions', section]);
  }
  writeFileSync(join(dir, 'chain.crt'), readFileSync(join(dir, 'leaf.crt'), 'utf8') + readFileSync(join(dir, 'mid.crt'), 'utf8'));
  return { certFile: join(dir, 'chain.crt'), keyFile: join(dir, 'leaf.key') };
}

function sClient(port: number, caFile: string, extra: string[] = []): Promise<{ stdout: string }> {
  return new Promise((resolve, reject) => {
    const args = ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', caFile, '-verify_return_error', '-showcerts', ...extra];
    const child = execFile('openssl', args, { timeout: 10_000 }, (error, stdout) => (error ? reject(error) : resolve({ stdout })));
    child.stdin!.end();
  });
}

describe('HTTPS', () => {
  it('pulls the fixture over TLS trusting only the self-signed CA', async () => {
    const made = await ensureSelfSigned(join(dir, 'self'), wantedSans([]));
    const registry = await createRegistry(model, { tls: made.pair });
    const { port } = await registry.listen(0, '127.0.0.1');
    const pool = new Pool(`https://localhost:${port}`, { connect: { ca: made.ca.pem } });
    try {
      const record = model.images[0]!;
      const result = await pull(pool, record.repository, record.tag!);
      expect(result.blobs.length).toBeGreaterThan(0);
      const untrusted = new Pool(`https://localhost:${port}`);
      await expect(untrusted.request({ method: 'GET', path: '/v2/' })).rejects.toThrow(/self-signed|unable to verify|certificate/i);
      await untrusted.close();
    } finally {
      await pool.close();
      await registry.close(1_000);
    }
  });

  it('sends the intermediate of an operator chain, so a client trusting only the root verifies', async () => {
    const { certFile, keyFile } = opensslChain();
    const registry = await createRegistry(model, { tls: loadKeyPair(certFile, keyFile) });
    const { port } = await registry.listen(0, '127.0.0.1');
    try {
      // Asynchronously: the server answers from this same process.
      const run = await sClient(port, join(dir, 'root.crt'));
      expect(run.stdout.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(2);
      expect(run.stdout).toContain('Verify return code: 0 (ok)');
    } finally {
      await registry.close(1_000);
    }
  });

  // src/tls/ciphers.ts: AES-128-GCM costs less CPU per byte served; the server's order decides.
  it.each([
    ['AES-256-GCM first, AES-128-GCM last', 'TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256'],
    ['ChaCha20 first', 'TLS_AES_128_GCM_SHA256', 'TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256'],
    ['only AES-256-GCM', 'TLS_AES_256_GCM_SHA384', 'TLS_AES_256_GCM_SHA384'],
  ])('TLS 1.3, a client offering %s: openssl s_client negotiates %s', async (_what, chosen, offered) => {
    const { certFile, keyFile } = opensslChain();
    const registry = await createRegistry(model, { tls: loadKeyPair(certFile, keyFile) });
    const { port } = await registry.listen(0, '127.0.0.1');
    try {
      const run = await sClient(port, join(dir, 'root.crt'), ['-tls1_3', '-ciphersuites', offered]);
      expect(run.stdout).toContain(`New, TLSv1.3, Cipher is ${chosen}`);
    } finally {
      await registry.close(1_000);
    }
  });
});
