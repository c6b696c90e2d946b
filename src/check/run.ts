// `seed-registry check`, run from a node: name resolution, TCP, TLS (chain, names, dates against
// this node's clock), `/v2/` with the credentials, then each image by its original name through the
// route the runtime's configuration gives. One line per check; exit 1 when any failed.
import { readFileSync } from 'node:fs';
import { parseHostPort } from '../address.js';
import type { Credentials } from '../client/auth.js';
import { parseImageName, type ImageName } from '../image/names.js';
import { LoadError } from '../load-error.js';
import { PasswordFileError, readPasswordFile } from '../password-file.js';
import { parseCertificates } from '../tls/load.js';
import { folderFiles, type NodeFiles } from './files.js';
import { handshake, resolveHost, tcpProbe } from './network.js';
import { imageVerdict, v2Verdict } from './registry.js';
import { imageRef, type Endpoint, type Route } from './route.js';
import { runtimeCredentials } from './credentials.js';
import { CHECK_RUNTIMES, type CheckRuntime } from './routes/index.js';
import { chainVerdict, clockVerdict, nameVerdict, systemAnchors, trustPath, type Anchors } from './tls.js';
import { fail, ok, skip, verdictLine, type Verdict } from './verdict.js';

export interface CheckOptions {
  registry: string;
  ca?: string;
  username?: string;
  passwordFile?: string;
  images: string[];
  runtime?: CheckRuntime;
  config?: string;
}

/** What a check needs, read and parsed; `configure --check` builds it from what it just made. */
export interface CheckInput {
  registry: string;
  ca?: { pem: string; from: string };
  credentials?: Credentials;
  images: ImageName[];
  runtime?: { name: CheckRuntime; files: NodeFiles };
}

export async function runCheck(o: CheckOptions): Promise<void> {
  const input = readCheckInput(o);
  const passed = await checkSeed(input, (line) => process.stdout.write(`${line}\n`));
  if (!passed) process.exitCode = 1;
}

export function readCheckInput(o: CheckOptions): CheckInput {
  const input: CheckInput = { registry: o.registry, images: o.images.map(parseImage) };
  if (o.ca !== undefined) {
    const pem = readFile(o.ca);
    parseCertificates(o.ca, pem);
    input.ca = { pem, from: o.ca };
  }
  if ((o.username === undefined) !== (o.passwordFile === undefined)) throw new LoadError('--username/--password-file', 'give both, or neither');
  if (o.username !== undefined) input.credentials = { username: o.username, password: password(o.passwordFile!) };
  if (o.config !== undefined && o.runtime === undefined) throw new LoadError('--config', 'needs --runtime (which runtime reads the folder)');
  if (o.runtime !== undefined) input.runtime = { name: o.runtime, files: folderFiles(o.config ?? CHECK_RUNTIMES[o.runtime].dir) };
  return input;
}

/** Runs every check in order, printing each line; true when none failed. */
export async function checkSeed(input: CheckInput, say: (line: string) => void): Promise<boolean> {
  const verdicts: Verdict[] = [];
  const report = (v: Verdict) => {
    verdicts.push(v);
    say(verdictLine(v));
  };
  const scheme = await connection(input, report);
  if (scheme === undefined) {
    const failed = verdicts.find((v) => v.status === 'FAIL')!.check;
    report(skip('GET /v2/', `not checked (${failed} failed)`));
    // The runtime's files can still be judged: a route that never reaches the seed is worth a line now.
    for (const image of input.images) {
      const route = input.runtime ? routeOf(input.runtime, image, input.registry) : undefined;
      report(route && 'problem' in route ? fail(`image ${imageRef(image)}`, route.problem, route.fix) : skip(`image ${imageRef(image)}`, `not checked (${failed} failed)`));
    }
    return false;
  }
  const origin = `${scheme}://${input.registry}`;
  report(await v2Verdict({ origin, insecure: false, ...(input.ca ? { ca: input.ca.pem } : {}), ...(input.credentials ? { credentials: input.credentials } : {}) }));
  for (const image of input.images) report(await checkImage(input, image, origin));
  return verdicts.every((v) => v.status === 'ok');
}

/** DNS, TCP, TLS; the scheme the seed speaks, or undefined when it cannot be reached. */
async function connection(input: CheckInput, report: (v: Verdict) => void): Promise<'https' | 'http' | undefined> {
  const { host, port } = parseHostPort(input.registry);
  let addresses: string[];
  try {
    addresses = (await resolveHost(host)).addresses;
    report(ok('resolve', `${host} is ${addresses.join(', ')}`));
  } catch (error) {
    report(fail('resolve', `${host} does not resolve on this node (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, 'add the seed to DNS or /etc/hosts on this node, or give --registry its IP address'));
    return undefined;
  }
  let address: string;
  try {
    address = await tcpProbe(addresses, port!);
    report(ok('connect', `TCP ${address}:${port} open`));
  } catch (error) {
    report(tcpVerdict(addresses, port!, error as NodeJS.ErrnoException));
    return undefined;
  }
  const shake = await handshake(address, port!, host);
  if (shake.kind === 'plain-http') {
    if (input.ca) {
      report(fail('tls', `the seed at ${input.registry} answers plain HTTP, not TLS, yet --ca was given`, 'start the seed with --tls-self-signed DIR (or --tls-cert/--tls-key), or drop --ca and configure the runtime with --plain-http'));
      return undefined;
    }
    report(ok('tls', `none: the seed serves plain HTTP (the runtime must be configured with configure --plain-http; credentials would cross the network in clear)`));
    return 'http';
  }
  if (shake.kind === 'failed') {
    report(fail('tls', `handshake with ${address}:${port} failed: ${shake.error.code ?? ''} ${shake.error.message}`.replace(/ {2}/g, ' '), 'check that the seed serves TLS on this port and that node and seed share a TLS version (1.2 or 1.3)'));
    return undefined;
  }
  const anchors: Anchors = input.ca ? { certificates: parseCertificates(input.ca.from, input.ca.pem), from: input.ca.from } : systemAnchors();
  const chain = chainVerdict(shake.chain, anchors);
  report(chain);
  const name = nameVerdict(host, shake.peer);
  report(name);
  const clock = clockVerdict(trustPath(shake.chain, anchors) ?? shake.chain, new Date());
  report(clock);
  return chain.status === 'ok' && name.status === 'ok' && clock.status === 'ok' ? 'https' : undefined;
}

function tcpVerdict(addresses: string[], port: number, e: NodeJS.ErrnoException): Verdict {
  const at = `${addresses.join(', ')} port ${port}`;
  if (e.code === 'ECONNREFUSED') return fail('connect', `${at}: connection refused (nothing listens there)`, `start the seed with --port ${port}, or give --registry the port it listens on (its banner prints it)`);
  if (e.code === 'ETIMEDOUT') return fail('connect', `${at}: no answer (a firewall drops the packets, or the host is down)`, `open TCP port ${port} from this node to the seed (firewall, security group)`);
  return fail('connect', `${at}: ${e.code ?? ''} ${e.message}`.replace(/ {2}/g, ' '), 'give this node a route to the seed (ip route, the interface it should use)');
}

async function checkImage(input: CheckInput, image: ImageName, origin: string): Promise<Verdict> {
  const label = `image ${imageRef(image)}`;
  if (!input.runtime) {
    const endpoint: Endpoint = {
      origin, base: '/v2', repository: image.repository, query: `?ns=${encodeURIComponent(image.registry)}`, insecure: false, headers: {}, via: 'directly, as containerd asks a mirror',
      ...(input.ca ? { ca: input.ca.pem, caFrom: input.ca.from } : {}), ...(input.credentials ? { credentials: input.credentials } : {}),
    };
    return imageVerdict(image, endpoint, 'containerd');
  }
  const { name } = input.runtime;
  const route = routeOf(input.runtime, image, input.registry);
  if ('problem' in route) return fail(label, route.problem, route.fix);
  const endpoint = route.endpoints[0]!;
  if (endpoint.origin.startsWith('http:') === false && origin.startsWith('http:')) {
    return fail(label, `${endpoint.via} asks ${endpoint.origin} over HTTPS, but the seed serves plain HTTP`, `write the runtime's configuration with configure --plain-http, or serve the seed with TLS`);
  }
  if (!endpoint.credentials && !endpoint.headers['authorization']) await runtimeCredentials(name, endpoint);
  return imageVerdict(image, endpoint, name);
}

function routeOf(runtime: NonNullable<CheckInput['runtime']>, image: ImageName, seed: string): Route {
  try {
    return CHECK_RUNTIMES[runtime.name].route(runtime.files, { image, seed });
  } catch (error) {
    return { problem: (error as Error).message, fix: 'make the file readable by this user (check reads it as the runtime would)' };
  }
}

function parseImage(name: string): ImageName {
  try {
    return parseImageName(name);
  } catch (error) {
    throw new LoadError(`--image ${name}`, (error as Error).message);
  }
}

function readFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new LoadError(path, `cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

function password(path: string): string {
  try {
    return readPasswordFile(path);
  } catch (error) {
    if (error instanceof PasswordFileError) throw new LoadError(path, error.code !== undefined ? `cannot read the password file (${error.code})` : error.problem);
    throw error;
  }
}
