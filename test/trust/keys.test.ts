// Keys and payloads read as strictly as the signer's verifier reads them; every mistake one line.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LoadError } from '../../src/load-error.js';
import { parseKey, loadKey } from '../../src/trust/keys.js';
import { parseCosignStatement, parseSimpleSigning } from '../../src/trust/payload.js';
import { decodeBase64 } from '../../src/trust/crypto.js';
import { simpleSigningPayload } from './signer.js';

const pem = (pair: { publicKey: { export(o: object): string | Buffer } }) => pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe('parseKey', () => {
  it.each([
    ['P-256', () => generateKeyPairSync('ec', { namedCurve: 'P-256' }), 'ecdsa-p256'],
    ['P-384', () => generateKeyPairSync('ec', { namedCurve: 'P-384' }), 'ecdsa-p384'],
    ['RSA 2048', () => generateKeyPairSync('rsa', { modulusLength: 2048 }), 'rsa'],
    ['Ed25519', () => generateKeyPairSync('ed25519'), 'ed25519'],
  ])('accepts %s', (_, make, kind) => {
    expect(parseKey(pem(make()), 'k.pub').kind).toBe(kind);
  });

  it.each([
    ['P-521', () => pem(generateKeyPairSync('ec', { namedCurve: 'P-521' })), /curve secp521r1 is not accepted/],
    ['RSA 1024', () => pem(generateKeyPairSync('rsa', { modulusLength: 1024 })), /RSA key of 1024 bits is too short/],
    ['a private key', () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), /is a private key: give --signed-by the public key/],
    ['not PEM', () => 'hello', /is not a PEM public key/],
    ['a cosign private key', () => '-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED COSIGN PRIVATE KEY-----\n', /is a private key/],
  ])('refuses %s with one line naming the file', (_, text, message) => {
    let error: unknown;
    try {
      parseKey(text(), 'k.pub');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LoadError);
    expect((error as Error).message).toMatch(/^k\.pub: /);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('names a missing file', () => {
    expect(() => loadKey('/nonexistent/cosign.pub')).toThrow(/cosign\.pub: cannot read the --signed-by key: ENOENT/);
  });
});

describe('parseSimpleSigning (containers/image strictUnmarshalJSON)', () => {
  const digest = `sha256:${'a'.repeat(64)}`;
  it('reads the digest and reference', () => {
    expect(parseSimpleSigning(simpleSigningPayload(digest, 'registry.example/a:1'))).toEqual({ digest, reference: 'registry.example/a:1' });
  });
  it.each([
    ['an extra critical field', (p: any) => (p.critical.extra = 1), /unexpected field "extra"/],
    ['another type', (p: any) => (p.critical.type = 'atomic container signature'), /payload type is not/],
    ['no optional', (p: any) => delete p.optional, /lacks field optional/],
    ['no identity', (p: any) => delete p.critical.identity, /lacks field identity/],
    ['a number for the digest', (p: any) => (p.critical.image['docker-manifest-digest'] = 1), /not a string/],
  ])('refuses %s', (_, change, message) => {
    const p = JSON.parse(simpleSigningPayload(digest, 'r/a:1').toString());
    change(p);
    expect(() => parseSimpleSigning(Buffer.from(JSON.stringify(p)))).toThrow(message);
  });
  it('refuses a key named twice, as containers/image does, and reads escaped keys right', () => {
    const twice = `{"critical":{"identity":{"docker-reference":"r/a:1"},"image":{"docker-manifest-digest":"${digest}","docker-manifest-digest":"sha256:${'b'.repeat(64)}"},"type":"cosign container image signature"},"optional":null}`;
    expect(() => parseSimpleSigning(Buffer.from(twice))).toThrow(/names "docker-manifest-digest" twice/);
    const escaped = `{"critical":{"identity":{"docker-reference":"r/a:1"},"image":{"docker-manifest-digest":"${digest}"},"type":"cosign container image signature"},"optional":{"a\\"b":[{"x":1},{"x":2}],"c":"d\\"}"}}`;
    expect(parseSimpleSigning(Buffer.from(escaped))).toEqual({ digest, reference: 'r/a:1' });
  });

  it('refuses a statement of another predicate', () => {
    const statement = { predicateType: 'https://slsa.dev/provenance/v1', subject: [{ digest: { sha256: 'a'.repeat(64) } }] };
    expect(() => parseCosignStatement(Buffer.from(JSON.stringify(statement)))).toThrow(/predicateType/);
  });
  it('decodes strict base64 only', () => {
    expect(decodeBase64('aGk=')?.toString()).toBe('hi');
    expect(decodeBase64('aGk')).toBeUndefined();
    expect(decodeBase64('a Gk=')).toBeUndefined();
  });
});
