// The API checks, through the shared client layer: `GET /v2/` with the credentials, then a HEAD of
// each image's manifest at the endpoint the runtime would ask.
import { pullScope, type Credentials } from '../client/auth.js';
import { agentFor, describeNetworkError, openClient } from '../client/connect.js';
import { describeReply, headerValue, type Reply } from '../client/http.js';
import { MediaType } from '../model.js';
import { Header } from '../spec.js';
import { NETWORK_TIMEOUT_MS } from './network.js';
import type { ImageName } from '../image/names.js';
import { imageRef, manifestRef, type Endpoint } from './route.js';
import { fail, ok, type Verdict } from './verdict.js';

const TIMEOUTS = { connectMs: NETWORK_TIMEOUT_MS, headersMs: 2 * NETWORK_TIMEOUT_MS };
const ONCE = { attempts: 1, baseDelayMs: 0 };
const ACCEPT = [MediaType.ociIndex, MediaType.dockerManifestList, MediaType.ociManifest, MediaType.dockerManifest].join(', ');
const HINTS = { tls: '', credentials: 'give --username and --password-file' };

export interface Access {
  origin: string;
  ca?: string;
  insecure: boolean;
  credentials?: Credentials;
  headers?: Record<string, string>;
}

/** One request through a fresh client; a network error is returned as a one-line string. */
async function ask(access: Access, method: 'GET' | 'HEAD', url: string, scopes: string[], headers: Record<string, string> = {}): Promise<Reply | string> {
  const agent = agentFor({ insecure: access.insecure, ...(access.ca !== undefined ? { caPem: access.ca } : {}) }, 1, '--ca', TIMEOUTS);
  try {
    const client = openClient(access.origin, agent, access.credentials, ONCE);
    return await client.send({ method, url, scopes, headers: { ...access.headers, ...headers } });
  } catch (error) {
    return describeNetworkError(error, HINTS).trim();
  } finally {
    await agent.close();
  }
}

export async function v2Verdict(access: Access): Promise<Verdict> {
  const name = 'GET /v2/';
  const reply = await ask(access, 'GET', '/v2/', []);
  const who = access.credentials ? `as ${access.credentials.username}` : 'without credentials';
  if (typeof reply === 'string') return fail(name, `${access.origin}/v2/: ${reply}`, "the seed took the connection but gave no answer: look at the seed's log (and at any proxy between, which must pass /v2/ through)");
  if (reply.status === 200) return ok(name, `${access.origin}/v2/ answered 200 ${who}`);
  if (reply.status === 401 && access.credentials) {
    return fail(name, `${access.origin}/v2/ refused ${who} (401 ${oneLineOf(reply)})`, "give the user and password of the seed's --htpasswd file (htpasswd -vB FILE USER tests a password); the seed logs the user it refused");
  }
  if (reply.status === 401) return fail(name, `${access.origin}/v2/ requires credentials (401): the seed runs with --htpasswd`, 'give --username and --password-file, and configure the runtime with them (configure --username --password-file)');
  if (reply.status === 404) return fail(name, `${access.origin}/v2/ answered 404: this is not an OCI registry`, `give the seed's address and port in --registry`);
  return fail(name, `${access.origin}/v2/ answered ${describeReply(reply)}`, "look at the seed's log for this request");
}

export async function imageVerdict(image: ImageName, e: Endpoint, runtime: string): Promise<Verdict> {
  const label = imageRef(image);
  const path = `${e.base}/${e.repository}/manifests/${manifestRef(image)}${e.query}`;
  const at = `${e.origin}${path}`;
  const reply = await ask({ origin: e.origin, insecure: e.insecure, ...(e.ca !== undefined ? { ca: e.ca } : {}), ...(e.credentials ? { credentials: e.credentials } : {}), headers: e.headers }, 'HEAD', path, [pullScope(e.repository)], { [Header.accept]: ACCEPT });
  const name = `image ${label}`;
  if (typeof reply === 'string') {
    return fail(name, `HEAD ${at} (${e.via}) failed: ${reply}`, networkFix(reply, e, runtime));
  }
  if (reply.status === 200) return ok(name, `${headerValue(reply, Header.digest) ?? 'found'} at ${at} (${e.via})`);
  if (reply.status === 404) return fail(name, `the seed has no such image: HEAD ${at} answered 404 (${e.via})`, 'serve an archive that holds it (seed-registry inspect lists what archives hold), or correct the name');
  if (reply.status === 401) {
    const sent = e.credentials ? `the credentials of ${e.credentials.username}` : e.headers['authorization'] ? 'its Authorization header' : 'no credentials';
    return fail(name, `HEAD ${at} answered 401 to ${sent} (${e.via})`, credentialFix(runtime));
  }
  return fail(name, `HEAD ${at} answered ${describeReply(reply)} (${e.via})`, "look at the seed's log for this request");
}

/** What to do about a request that got no HTTP answer: plain HTTP met, the certificate refused, or no answer. */
function networkFix(reply: string, e: Endpoint, runtime: string): string {
  if (/wrong version number|packet length/i.test(reply)) return "the seed serves plain HTTP: write the runtime's configuration with configure --plain-http";
  if (reply.includes('does not name this host')) return `the runtime reaches the seed as ${new URL(e.origin).host}, a name its certificate lacks: start the seed with --advertise ${new URL(e.origin).host}`;
  if (reply.startsWith('TLS:')) return e.ca === undefined ? `give the runtime the seed's CA (configure --ca writes it where ${runtime} reads it)` : `the runtime's CA (${e.caFrom}) must be the seed's CA: write it again with configure --ca`;
  return "the seed took the connection but gave no answer: look at the seed's log";
}

function credentialFix(runtime: string): string {
  if (runtime === 'docker') return "dockerd sends a mirror the credentials docker holds for Docker Hub (https://index.docker.io/v1/ in config.json), not the seed's own entry: store the seed's user and password under that key";
  return `write the runtime's configuration with the seed's credentials: seed-registry configure --runtime ${runtime} --username USER --password-file FILE`;
}

function oneLineOf(reply: Reply): string {
  return reply.body.length > 0 ? describeReply(reply).replace(/^\d+ /, '') : 'no body';
}
