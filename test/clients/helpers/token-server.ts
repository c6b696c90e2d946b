// A small token server for distribution's `auth.token` (docker token spec): checks Basic
// credentials, and answers with a JWT signed (RS256) by a key whose self-signed certificate is
// the registry's rootcertbundle; the certificate travels in the `x5c` header.
import { createPrivateKey, randomUUID, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { runOk } from './run.js';

export const TOKEN_SERVICE = 'seed-push-test';
export const TOKEN_ISSUER = 'seed-push-test-issuer';

export interface TokenServer {
  realm: string;
  /** The certificate distribution trusts (rootcertbundle). */
  bundle: string;
  /** Every `scope` list asked for, in order (one entry per token issued). */
  issued: string[][];
  close(): Promise<void>;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export async function startTokenServer(dir: string, user: string, password: string): Promise<TokenServer> {
  const key = join(dir, 'token.key');
  const bundle = join(dir, 'token.crt');
  await runOk('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=seed-push-token', '-keyout', key, '-out', bundle]);
  const privateKey = createPrivateKey(readFileSync(key));
  const der = readFileSync(bundle, 'utf8').replace(/-----[^-]+-----|\s/g, '');
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const issued: string[][] = [];

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"wrong user or password"}');
      return;
    }
    const scopes = url.searchParams.getAll('scope');
    issued.push(scopes);
    const now = Math.floor(Date.now() / 1000);
    const access = scopes.map((s) => {
      const [type, name, actions] = [s.slice(0, s.indexOf(':')), s.slice(s.indexOf(':') + 1, s.lastIndexOf(':')), s.slice(s.lastIndexOf(':') + 1)];
      return { type, name, actions: actions.split(',') };
    });
    const header = { alg: 'RS256', typ: 'JWT', x5c: [der] };
    const claims = { iss: TOKEN_ISSUER, sub: user, aud: url.searchParams.get('service'), exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access };
    const signed = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const token = `${signed}.${b64url(sign('sha256', Buffer.from(signed), privateKey))}`;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, expires_in: 300, issued_at: new Date().toISOString() }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    bundle,
    issued,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
