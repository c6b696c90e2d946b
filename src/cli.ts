// The command line: parses options and hands them to serve or inspect. User mistakes print one
// line and exit 1; no stack trace.
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_TAR, VERSION } from './build-info.js';
import { RUNTIME_NAMES, parseRegistryAddress } from './configure/index.js';
import { runConfigure } from './configure/run.js';
import { loadImages } from './image/load.js';
import { renderInspect } from './inspect.js';
import { LoadError } from './load-error.js';
import { printable } from './printable.js';
import { runServe } from './registry/run.js';
import { parseBytes } from './units.js';
import { DEFAULT_MAX_DECOMPRESSED } from './tar/archive.js';
import { addPushCommand, isPushError } from './push/command.js';
import { DEFAULT_PLATFORM, parsePlatform } from './registry/served.js';
import { parseAdvertise, type Advertised } from './tls/sans.js';

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
  const option = new Option('--tar <file...>', 'image tarball(s) (crane, docker save, podman/skopeo docker-archive, OCI archive, Zarf package, hauler store, regctl export; gzip or zstd ok), OCI layout folder(s), or folder(s) of archives');
  return DEFAULT_TAR === undefined ? option : option.default([DEFAULT_TAR], 'fixtures/seed-image.tar');
}

/** Without a default --tar (the single executable), a command given no archive says how to give one. */
function requireArchive(_program: Command, command: Command): void {
  if (command.opts().tar === undefined && command.options.some((o) => o.long === '--tar') && command.args.length === 0) {
    command.error(`error: no image archive given: pass one with --tar FILE (seed-registry ${command.name()} --tar image.tar)`);
  }
}

function secondsOption(value: string): number {
  const seconds = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || seconds > 3600) throw new InvalidArgumentError('expected a number of seconds (0-3600), such as 1 or 0.5');
  return seconds;
}

function sizeOption(value: string): number {
  const bytes = parseBytes(value);
  if (bytes === undefined) throw new InvalidArgumentError('expected a size such as 64G, 512M or a number of bytes');
  return bytes;
}

/** Options of loading a compressed archive, shared by serve and inspect. */
function addDecompressOptions(command: Command): Command {
  return command
    .option('--tmp-dir <dir>', 'where a compressed archive is decompressed (default: $TMPDIR or /tmp); the space is freed when the process ends')
    .addOption(new Option('--max-decompressed-size <size>', 'refuse a compressed archive that decompresses to more than this').argParser(sizeOption).default(DEFAULT_MAX_DECOMPRESSED, '64G'));
}

/** `seed-registry a.tar b.tar.gz` is `--tar a.tar b.tar.gz`; both given, both are loaded. */
function archivesOf(positional: string[], command: Command): string[] {
  const tars = (command.opts()['tar'] as string[] | undefined) ?? [];
  if (positional.length === 0) return tars;
  return command.getOptionValueSource('tar') === 'default' ? positional : [...tars, ...positional];
}

const EXAMPLES = `
Examples:
  seed-registry images.tar                      serve on port 5000 (same as: serve --tar images.tar)
  seed-registry --port 5001 a.tar b.tar.zst     serve two archives
  seed-registry inspect k3s-airgap-images.tar.zst`;

export function buildProgram(): Command {
  const program = new Command('seed-registry')
    .description('A static, read-only OCI registry serving the images inside image tarballs')
    .version(VERSION)
    .hook('preAction', requireArchive);

  const serve = program
    .command('serve', { isDefault: true })
    .description('serve the images over the OCI distribution pull API')
    .argument('[archives...]', 'image tarballs (shorthand for --tar)')
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
    .option('--recursive', 'a --tar folder of archives: search its subfolders too', false)
    .addOption(new Option('--log-format <format>', 'access log format').choices(['text', 'json']).default('text'))
    .option('-q, --quiet', 'no access log', false)
    .option('--push-to <registry[/prefix]>', 'once this registry answers, push every image into it (credentials from docker config.json), and keep serving')
    .option('--no-watch', 'do not watch the inputs for archives added, replaced or removed (content then changes only on SIGHUP)')
    .addOption(new Option('--settle <seconds>', 'how long a new or changed archive must stay unchanged before it is loaded').argParser(secondsOption).default(1));
  addDecompressOptions(serve).action(async (archives: string[], o, command: Command) => {
    const model = await runServe({
      tars: archivesOf(archives, command), port: o.port, host: o.host, advertise: o.advertise ?? [],
      tlsCert: o.tlsCert, tlsKey: o.tlsKey, tlsSelfSigned: o.tlsSelfSigned, htpasswd: o.htpasswd, allowInsecureAuth: o.allowInsecureAuth, metrics: o.metrics,
      platform: o.platform, repository: o.repository, verify: o.verify, recursive: o.recursive, logFormat: o.logFormat, quiet: o.quiet,
      tmpDir: o.tmpDir, maxDecompressedSize: o.maxDecompressedSize, watch: o.watch, settleMs: o.settle * 1000,
    });
    if (o.pushTo !== undefined) void (await import('./push/serve.js')).pushWhenReady(model, o.pushTo);
  });

  const inspect = program
    .command('inspect')
    .description('list the images the tarballs hold and how to pull them')
    .argument('[archives...]', 'image tarballs (shorthand for --tar)')
    .addOption(tarOption())
    .option('--json', 'machine-readable output', false)
    .option('--repository <name>', 'repository for images the archive names only by tag, or not at all')
    .option('--pull-host <host:port>', 'registry host used in the pull lines', `localhost:${DEFAULT_PORT}`)
    .option('--recursive', 'a --tar folder of archives: search its subfolders too', false);
  addDecompressOptions(inspect).action(async (archives: string[], o, command: Command) => {
    const model = await loadImages(archivesOf(archives, command), { repository: o.repository, recursive: o.recursive, tmpDir: o.tmpDir, maxDecompressedSize: o.maxDecompressedSize });
    process.stdout.write(renderInspect(model, { json: o.json, host: o.pullHost }));
  });
  addPushCommand(program, tarOption);

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
  // `serve` is the default command: the top-level help shows its options too, and examples.
  program.addHelpText('after', () => `\nserve (the default command):\n${serve.helpInformation().replace(/^(?=.)/gm, '  ')}${EXAMPLES}`);
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
    else if (isPushError(error)) console.error(`seed-registry: push: ${error.message}`);
    else if (isListenError(error)) console.error(`seed-registry: cannot listen on ${error.address}:${error.port}: ${error.code}`);
    else console.error(`seed-registry: unexpected error: ${printable(describe(error))}`);
  }
}

/** An unexpected error on one line; its stack only when SEED_REGISTRY_DEBUG is set. */
function describe(error: unknown): string {
  if (process.env['SEED_REGISTRY_DEBUG']) return String((error as Error)?.stack ?? error);
  return error instanceof Error ? error.message : String(error);
}

function isListenError(error: unknown): error is NodeJS.ErrnoException & { address: string; port: number } {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL';
}
