// Reaching the target: the scheme (HTTPS first; HTTP for loopback or --insecure, as docker does),
// the TLS settings, the credentials, and a first `GET /v2/` that learns the auth challenge and
// proves the credentials before anything else is asked.
import { fileProblem } from '../os-errors.js';
import type { Agent } from 'undici';
import { Authenticator, AuthError, type Credentials } from './auth.js';
import { createAgent, describeReply, type RegistryClient as Client, RegistryClient, type RetryPolicy, type Timeouts, type TlsOptions } from './http.js';
import { candidateOrigins, type Target } from './target.js';

export class ConnectError extends Error {
  override readonly name = 'ConnectError';
  constructor(
    message: string,
    /** What went wrong, for callers that react to it (serve --push-to keeps waiting on any). */
    readonly kind: 'ca' | 'auth' | 'not-registry' | 'status' | 'unreachable' = 'status',
  ) {
    super(message);
  }
}

/** How each command names its options in a hint (push: --ca; serve: --push-ca). */
export interface Hints {
  tls: string;
  credentials: string;
}

export const PUSH_HINTS: Hints = {
  tls: '(give --ca FILE for a private CA, or --insecure to skip verification)',
  credentials: 'give --username with --password-stdin, or docker login',
};

/** `serve --push-to`'s options carry a `--push-` prefix. */
export const PUSH_TO_HINTS: Hints = {
  tls: '(give --push-ca FILE for a private CA, or --push-insecure to skip verification)',
  credentials: 'give --push-username with --push-password-file, or docker login',
};

/** A client for one origin, its agent made from the TLS settings; nothing is sent yet. */
export function openClient(origin: string, agent: Agent, credentials: Credentials | undefined, policy: RetryPolicy): RegistryClient {
  let client!: RegistryClient;
  const auth = new Authenticator(credentials, (url, headers) => client.fetch(url, headers));
  client = new RegistryClient(origin, agent, auth, policy);
  return client;
}

export function agentFor(tls: TlsOptions, connections: number, caFlag = '--ca', timeouts?: Timeouts): Agent {
  try {
    return createAgent(tls, connections, timeouts);
  } catch (error) {
    throw new ConnectError(`${caFlag} ${tls.ca}: ${(error as NodeJS.ErrnoException).code === undefined ? (error as Error).message : fileProblem(tls.ca ?? '', error)}`, 'ca');
  }
}

export async function connect(target: Target, tls: TlsOptions, credentials: Credentials | undefined, policy: RetryPolicy, connections: number, hints: Hints = PUSH_HINTS, caFlag = '--ca', timeouts?: Timeouts): Promise<Client> {
  const agent = agentFor(tls, connections, caFlag, timeouts);
  const failures: string[] = [];
  const origins = candidateOrigins(target, tls.insecure);
  for (const origin of origins) {
    const client = openClient(origin, agent, credentials, policy);
    try {
      const reply = await client.send({ method: 'GET', url: '/v2/', scopes: [] });
      if (reply.status === 200) return client;
      if (reply.status === 401) {
        const who = credentials ? `as ${credentials.username}` : `without credentials (${hints.credentials})`;
        throw new ConnectError(`${origin}: authentication refused ${who}: ${describeReply(reply)}`, 'auth');
      }
      const answer = reply.status === 404 ? `${origin}/v2/ answered 404: not an OCI distribution registry` : `${origin}/v2/ answered ${describeReply(reply)}`;
      // The plain-HTTP fall-back reaching a TLS port answers 400: the HTTPS failure before it is the cause.
      if (failures.length > 0) {
        failures.push(answer);
        continue;
      }
      throw new ConnectError(answer, reply.status === 404 ? 'not-registry' : 'status');
    } catch (error) {
      if (error instanceof ConnectError || error instanceof AuthError) {
        await agent.close();
        throw error;
      }
      failures.push(`${origin}: ${describeNetworkError(error, hints)}`);
    }
  }
  await agent.close();
  throw new ConnectError(`cannot reach ${target.host}: ${failures.join('; ')}`, 'unreachable');
}

/** OpenSSL's verification codes in the words an operator knows them by (Go's clients say the same). */
const TLS_WORDS: Record<string, string> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unknown authority',
  UNABLE_TO_GET_ISSUER_CERT: 'unknown authority',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unknown authority',
  SELF_SIGNED_CERT_IN_CHAIN: 'unknown authority',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'unknown authority',
  CERT_NOT_YET_VALID: 'certificate not yet valid (check both clocks)',
  CERT_HAS_EXPIRED: 'certificate expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate does not name this host',
};

/** A connection or TLS error in one line: its code and message, with a hint for certificates. */
export function describeNetworkError(error: unknown, hints: Hints = PUSH_HINTS): string {
  const e = error as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const inner = e.cause ?? e;
  const code = inner.code ?? e.code ?? '';
  const text = `${code ? `${code} ` : ''}${inner.message ?? String(error)}`.trim();
  if (!isTlsFailure(code, inner.message ?? '')) return text;
  const words = TLS_WORDS[code];
  return `TLS: ${words ? `${words} (${text})` : text} ${hints.tls}`.trim();
}

/** Codes of a TLS failure: the peer is there, its certificate or protocol is wrong. */
export function isTlsFailure(code: string, message: string): boolean {
  return /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|EPROTO|HOSTNAME|ALTNAME/i.test(code + message);
}
