// Reaching the target: the scheme (HTTPS first; HTTP for loopback or --insecure, as docker does),
// the TLS settings, the credentials, and a first `GET /v2/` that learns the auth challenge and
// proves the credentials before anything else is asked.
import { Authenticator, AuthError, type Credentials } from './auth.js';
import { createAgent, describeReply, type RegistryClient as Client, RegistryClient, type RetryPolicy, type TlsOptions } from './http.js';
import { candidateOrigins, type Target } from './target.js';

export class ConnectError extends Error {
  override readonly name = 'ConnectError';
}

/** Codes of a TLS failure: the peer is there, its certificate or protocol is wrong. */
const TLS_HINT = '(give --ca FILE for a private CA, or --insecure to skip verification)';

export async function connect(target: Target, tls: TlsOptions, credentials: Credentials | undefined, policy: RetryPolicy, connections: number): Promise<Client> {
  let agent;
  try {
    agent = createAgent(tls, connections);
  } catch (error) {
    throw new ConnectError(`--ca ${tls.ca}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const failures: string[] = [];
  const origins = candidateOrigins(target, tls.insecure);
  for (const origin of origins) {
    let client!: RegistryClient;
    const auth = new Authenticator(credentials, (url, headers) => client.fetch(url, headers));
    client = new RegistryClient(origin, agent, auth, policy);
    try {
      const reply = await client.send({ method: 'GET', url: '/v2/', scopes: [] });
      if (reply.status === 200) return client;
      if (reply.status === 401) {
        const who = credentials ? `as ${credentials.username}` : 'without credentials (give --username with --password-stdin, or docker login)';
        throw new ConnectError(`${origin}: authentication refused ${who}: ${describeReply(reply)}`);
      }
      if (reply.status === 404) throw new ConnectError(`${origin}/v2/ answered 404: not an OCI distribution registry`);
      throw new ConnectError(`${origin}/v2/ answered ${describeReply(reply)}`);
    } catch (error) {
      if (error instanceof ConnectError || error instanceof AuthError) {
        await agent.close();
        throw error;
      }
      failures.push(`${origin}: ${describeNetworkError(error)}`);
    }
  }
  await agent.close();
  throw new ConnectError(`cannot reach ${target.host}: ${failures.join('; ')}`);
}

/** A connection or TLS error in one line: its code and message, with a hint for certificates. */
export function describeNetworkError(error: unknown): string {
  const e = error as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const inner = e.cause ?? e;
  const code = inner.code ?? e.code ?? '';
  const text = `${code ? `${code} ` : ''}${inner.message ?? String(error)}`.trim();
  const tls = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|EPROTO|HOSTNAME|ALTNAME/i.test(code + inner.message);
  return tls ? `TLS: ${text} ${TLS_HINT}` : text;
}
