// The command line: parses options and hands them to serve or inspect. User mistakes print one
// line and exit 1; no stack trace.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import { RUNTIME_NAMES, parseRegistryAddress } from './configure/index.js';
import { runConfigure } from './configure/run.js';
import { loadImages } from './image/load.js';
import { renderInspect } from './inspect.js';
import { LoadError } from './load-error.js';
import { runServe } from './registry/run.js';
import { DEFAULT_PLATFORM, parsePlatform } from './registry/served.js';
import { parseAdvertise, type Advertised } from './tls/sans.js';

const PACKAGE = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
/** `npm start` with no --tar serves the bundled fixture. */
const DEFAULT_TAR = fileURLToPath(new URL('../fixtures/seed-image.tar', import.meta.url));
/** Defaults as registry:2 has them. */
const DEFAULT_PORT = 5000;

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('expected a port number (0-65535)');
  return port;
}

function platformOption(value: string) {
  try {
    return parsePlatform(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function advertiseOption(value: string, previous: Advertised[] | undefined): Advertised[] {
  try {
    return [...(previous ?? []), parseAdvertise(value)];
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function tarOption(): Option {
  return new Option('--tar <file...>', 'image tarball(s): crane, docker save, podman/skopeo docker-archive, OCI archive; gzip ok').default([DEFAULT_TAR], 'fixtures/seed-image.tar');
}

export function buildProgram(): Command {
  const program = new Command('seed-registry')
    .description('A static, read-only OCI registry serving the images inside image tarballs')
    .version(PACKAGE.version);

  program
    .command('serve', { isDefault: true })
    .description('serve the images over the OCI distribution pull API')
    .addOption(tarOption())
    .option('-p, --port <port>', 'port to listen on', parsePort, DEFAULT_PORT)
    .option('--host <address>', 'address to listen on (default: :: with IPv4 too where the host has IPv6, else 0.0.0.0)')
    .option('--advertise <host[:port]>', 'address nodes reach the seed at (repeatable): pull lines and certificate names', advertiseOption)
    .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (a chain after it is sent whole); needs --tls-key')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option('--tls-self-signed <dir>', 'serve HTTPS with a CA and server certificate kept in DIR (made on first start); nodes trust DIR/ca.crt')
    .option('--htpasswd <file>', 'require HTTP Basic auth on every /v2/ route; bcrypt entries only (htpasswd -B)')
    .option('--allow-insecure-auth', 'allow --htpasswd over plain HTTP on a non-loopback address', false)
    .option('--no-metrics', 'do not serve /metrics (Prometheus)')
    .addOption(new Option('--platform <os/arch[/variant]>', 'platform served to clients that accept no image index').argParser(platformOption).default(DEFAULT_PLATFORM, 'linux/amd64'))
    .option('--repository <name>', 'repository for images the archive names only by tag, or not at all')
    .option('--verify', 'hash every blob against its digest before serving', false)
    .addOption(new Option('--log-format <format>', 'access log format').choices(['text', 'json']).default('text'))
    .option('-q, --quiet', 'no access log', false)
    .action(async (o) => runServe({ tars: o.tar, port: o.port, host: o.host, advertise: o.advertise ?? [], tlsCert: o.tlsCert, tlsKey: o.tlsKey, tlsSelfSigned: o.tlsSelfSigned, htpasswd: o.htpasswd, allowInsecureAuth: o.allowInsecureAuth, metrics: o.metrics, platform: o.platform, repository: o.repository, verify: o.verify, logFormat: o.logFormat, quiet: o.quiet }));

  program
    .command('inspect')
    .description('list the images the tarballs hold and how to pull them')
    .addOption(tarOption())
    .option('--json', 'machine-readable output', false)
    .option('--repository <name>', 'repository for images the archive names only by tag, or not at all')
    .option('--pull-host <host:port>', 'registry host used in the pull lines', `localhost:${DEFAULT_PORT}`)
    .action(async (o) => {
      const model = await loadImages(o.tar, { repository: o.repository });
      process.stdout.write(renderInspect(model, { json: o.json, host: o.pullHost }));
    });

  program
    .command('configure')
    .description('write what a node needs to pull every served image through the seed, as a mirror of each upstream registry')
    .addOption(new Option('--runtime <runtime>', 'the node\'s container runtime').choices(RUNTIME_NAMES).makeOptionMandatory())
    .requiredOption('--registry <host:port>', 'address nodes reach the seed at (an --advertise address)', registryOption)
    .addOption(tarOption())
    .option('--repository <name>', 'repository for images the archive names only by tag, or not at all')
    .option('--ca <file>', 'CA certificate the seed\'s TLS certificate is signed by (ca.crt of --tls-self-signed DIR)')
    .option('--plain-http', 'the seed serves plain HTTP (not for Talos; crio/podman/docker mark it insecure)', false)
    .option('--username <user>', 'read credentials (with --password-file) for a seed started with --htpasswd')
    .option('--password-file <file>', 'file holding the password, on one line')
    .option('--out <dir>', 'write the files under DIR (default: print them)')
    .action(async (o) =>
      runConfigure({ runtime: o.runtime, registry: o.registry, tars: o.tar, repository: o.repository, ca: o.ca, plainHttp: o.plainHttp, username: o.username, passwordFile: o.passwordFile, out: o.out }),
    );
  return program;
}

function registryOption(value: string): string {
  try {
    return parseRegistryAddress(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    process.exitCode = 1;
    if (error instanceof LoadError) console.error(`seed-registry: ${error.message}`);
    else if (isListenError(error)) console.error(`seed-registry: cannot listen on ${error.address}:${error.port}: ${error.code}`);
    else console.error(error);
  }
}

function isListenError(error: unknown): error is NodeJS.ErrnoException & { address: string; port: number } {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL';
}
