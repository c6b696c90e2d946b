// The command line: parses options and hands them to serve or inspect. User mistakes print one
// line and exit 1; no stack trace.
import { Command, InvalidArgumentError, Option } from 'commander';
import { BUILT_AT, DEFAULT_TAR, VERSION } from './build-info.js';
import { mistypedCommand, UsageError } from './command-typo.js';
import { RUNTIME_NAMES, parseRegistryAddress } from './configure/index.js';
import { runConfigure } from './configure/run.js';
import { ENGINE_NAMES } from './configure/engines/index.js';
import { loadImages } from './image/load.js';
import { renderInspect } from './inspect.js';
import { LoadError } from './load-error.js';
import { fileProblem, ListenError } from './os-errors.js';
import { printable } from './printable.js';
import { runServe } from './serve.js';
import { applyPolicy, loadPolicy } from './trust/index.js';
import { parseBytes } from './units.js';
import { DEFAULT_MAX_DECOMPRESSED } from './tar/archive.js';
import { addPushCommand, addPushToOptions, isPushError, pushToProblem } from './push/command.js';
import { addCheckCommand } from './check/command.js';
import { DEFAULT_PLATFORM, parsePlatform } from './registry/served.js';
import { parseAdvertise, type Advertised } from './tls/sans.js';
import { renderVersion, versionInfo } from './version.js';

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

/** A repeatable option: every value given, in order. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
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

/** A rate as sizes are written, per second: `100M`, `1G`, `500K/s`. */
function rateOption(value: string): number {
  const bytes = parseBytes(value.replace(/\/s$/i, ''));
  if (bytes === undefined) throw new InvalidArgumentError('expected bytes per second such as 100M, 1G or 500K');
  return bytes;
}

/** Options of loading a compressed archive, and the tag rule, shared by serve and inspect. */
function addDecompressOptions(command: Command): Command {
  return command
    .option('--strict', 'refuse to start when two archives name one tag for different images (default: the first keeps it, with a warning)', false)
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

/**
 * The program with the command `only` (every command when undefined, for help). Building commander's
 * eight commands and their options is a measurable part of start-up; a run needs one.
 */
export function buildProgram(only?: CommandName): Command {
  const program = new Command('seed-registry')
    .description('A static, read-only OCI registry serving the images inside image tarballs')
    .version(VERSION)
    .hook('preAction', requireArchive);
  for (const name of COMMAND_NAMES) if (only === undefined || only === name) COMMANDS[name](program);
  const serve = program.commands.find((c) => c.name() === 'serve');
  // `serve` is the default command: the top-level help shows its options too, and examples.
  if (only === undefined && serve !== undefined) program.addHelpText('after', () => `\nserve (the default command):\n${serve.helpInformation().replace(/^(?=.)/gm, '  ')}${EXAMPLES}`);
  return program;
}

/** Which command `args` (after the program's name) run: undefined for help, which lists them all. */
export function commandToBuild(args: readonly string[]): CommandName | undefined {
  if (args[0] === 'help' || args.includes('--help') || args.includes('-h')) return undefined;
  return (COMMAND_NAMES as readonly string[]).includes(args[0] ?? '') ? (args[0] as CommandName) : 'serve';
}

function addServe(program: Command): void {
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
    .option('--tls-self-signed <dir>', 'serve HTTPS with a CA and server certificate kept in DIR (made on first start); nodes trust DIR/ca.crt; a new CA on purpose: tls rotate-ca')
    .option('--htpasswd <file>', 'require HTTP Basic auth on every /v2/ route; bcrypt entries only (htpasswd -B)')
    .option('--allow-insecure-auth', 'allow --htpasswd over plain HTTP on a non-loopback address', false)
    .option('--no-metrics', 'do not serve /metrics (Prometheus)')
    .option('--no-ui', 'do not serve the page at /ui/ (images, and the nodes pulling them), nor keep its per-client figures')
    .addOption(new Option('--platform <os/arch[/variant]>', 'platform served to clients that accept no image index').argParser(platformOption).default(DEFAULT_PLATFORM, 'linux/amd64'))
    .option('--repository <name>', 'repository for images the archive names only by tag, or not at all')
    .option('--verify', 'hash every blob against its digest before serving', false)
    .option('--recursive', 'a --tar folder of archives: search its subfolders too', false)
    .addOption(new Option('--log-format <format>', 'access log format').choices(['text', 'json']).default('text'))
    .option('-q, --quiet', 'no access log', false);
  addPushToOptions(serve);
  serve
    .option('--no-watch', 'do not watch the inputs for archives added, replaced or removed (content then changes only on SIGHUP)')
    .addOption(new Option('--settle <seconds>', 'how long a new or changed archive must stay unchanged before it is loaded').argParser(secondsOption).default(1))
    .option('--max-bandwidth <rate>', 'blob bytes per second for the whole seed (100M, 1G: bytes per second, binary units); manifests are never held back', rateOption)
    .option('--max-client-bandwidth <rate>', 'blob bytes per second for each client address', rateOption)
    .option('--signed-by <keyfile>', 'serve only images with a sigstore signature by this PEM public key (repeatable; cosign.pub); others are answered 403', collect)
    .option('--allow-digests <file>', 'also serve these manifest digests, signed or not (one sha256:... a line); alone, serve only them');
  addDecompressOptions(serve).action(async (archives: string[], o, command: Command) => {
    const problem = pushToProblem(o);
    if (problem !== undefined) throw new LoadError(...problem);
    const pushTo = o.pushTo === undefined ? undefined : { to: o.pushTo, username: o.pushUsername, passwordFile: o.pushPasswordFile, ca: o.pushCa, insecure: o.pushInsecure };
    await runServe({
      tars: archivesOf(archives, command), port: o.port, host: o.host, advertise: o.advertise ?? [],
      tlsCert: o.tlsCert, tlsKey: o.tlsKey, tlsSelfSigned: o.tlsSelfSigned, htpasswd: o.htpasswd, allowInsecureAuth: o.allowInsecureAuth, metrics: o.metrics, ui: o.ui, version: VERSION,
      platform: o.platform, repository: o.repository, verify: o.verify, recursive: o.recursive, logFormat: o.logFormat, quiet: o.quiet,
      tmpDir: o.tmpDir, maxDecompressedSize: o.maxDecompressedSize, strict: o.strict, builtAt: BUILT_AT, signedBy: o.signedBy, allowDigests: o.allowDigests, maxBandwidth: o.maxBandwidth, maxClientBandwidth: o.maxClientBandwidth, watch: o.watch, settleMs: o.settle * 1000, pushTo,
    });
  });
}

function addInspect(program: Command): void {
  const inspect = program
    .command('inspect')
    .description('list the images the tarballs hold and how to pull them')
    .argument('[archives...]', 'image tarballs (shorthand for --tar)')
    .addOption(tarOption())
    .option('--json', 'machine-readable output', false)
    .option('--repository <name>', 'repository for images the archive names only by tag, or not at all')
    .option('--pull-host <host:port>', 'registry host used in the pull lines', `localhost:${DEFAULT_PORT}`)
    .option('--recursive', 'a --tar folder of archives: search its subfolders too', false)
    .option('--signed-by <keyfile>', 'check each image\'s sigstore signatures against this PEM public key (repeatable)', collect)
    .option('--allow-digests <file>', 'manifest digests accepted signed or not (one a line)');
  addDecompressOptions(inspect).action(async (archives: string[], o, command: Command) => {
    const policy = loadPolicy({ signedBy: o.signedBy, allowDigests: o.allowDigests });
    const loaded = await loadImages(archivesOf(archives, command), { repository: o.repository, recursive: o.recursive, tmpDir: o.tmpDir, maxDecompressedSize: o.maxDecompressedSize, strict: o.strict });
    process.stdout.write(renderInspect(await applyPolicy(loaded, policy), { json: o.json, host: o.pullHost }));
  });
}

function addConfigure(program: Command): void {
  program
    .command('configure')
    .description('write what a node needs to pull every served image through the seed, as a mirror of each upstream registry')
    .addOption(new Option('--runtime <runtime>', 'the node\'s container runtime').choices(RUNTIME_NAMES))
    .addOption(new Option('--engine <engine>', 'or: an engine that takes the seed as its upstream (docs/engines.md)').choices(ENGINE_NAMES))
    .requiredOption('--registry <host:port>', 'address nodes reach the seed at (an --advertise address)', registryOption)
    .addOption(tarOption())
    .option('--repository <name>', 'repository for images the archive names only by tag, or not at all')
    .option('--ca <file>', 'CA certificate the seed\'s TLS certificate is signed by (ca.crt of --tls-self-signed DIR)')
    .option('--plain-http', 'the seed serves plain HTTP (not for Talos; crio/podman/docker mark it insecure)', false)
    .option('--username <user>', 'read credentials (with --password-file) for a seed started with --htpasswd')
    .option('--password-file <file>', 'file holding the password, on one line')
    .option('--cache <host:port>', 'distribution-cache: a pull-through cache the nodes try before the seed (repeatable, in order)', cacheOption)
    .option('--cache-ca <file>', 'distribution-cache: CA the caches\' certificates are signed by (default: --ca)')
    .option('--prepull', 'k3s/rke2: also write agent/images/seed-registry-images.txt, the images they pull at start', false)
    .option('--out <dir>', 'write the files under DIR (default: print them)')
    .option('--check', 'then run seed-registry check through those files for every image (exit 1 when a check fails)', false)
    .action(async (o) =>
      runConfigure({
        prepull: o.prepull,
        runtime: o.runtime, engine: o.engine, registry: o.registry, tars: o.tar, repository: o.repository, ca: o.ca, plainHttp: o.plainHttp,
        username: o.username, passwordFile: o.passwordFile, out: o.out, caches: o.cache ?? [], cacheCa: o.cacheCa, check: o.check,
      }),
    );
}

function addTls(program: Command): void {
  program
    .command('tls')
    .description('the CA of --tls-self-signed')
    .command('rotate-ca')
    .description('make a new CA in DIR on purpose (the old one is kept beside it), and print what every node must then do')
    .requiredOption('--tls-self-signed <dir>', 'the directory serve --tls-self-signed uses')
    // The X.509 code is loaded only for this command, as for serve.
    .action(async (o) => (await import('./tls/rotate.js')).runRotateCa(o.tlsSelfSigned));
}

function addPrepull(program: Command): void {
  program
    .command('prepull')
    .description('pull every served image into this node\'s runtime through its CRI socket (where the kubelet looks), skipping what it holds')
    .option('--registry <host:port>', 'the seed to list the images of (its _catalog and tags, by original name)', registryOption)
    .option('--images <file>', 'or: pull the references in FILE, one per line (configure --prepull writes it)')
    .option('--upstream <registry>', 'a registry the images may come from, asked of the seed with ?ns= (repeatable; default: docker.io, registry.k8s.io, ghcr.io, quay.io and other common ones)', (v: string, p: string[] | undefined) => [...(p ?? []), v])
    .option('--ca <file>', 'CA certificate the seed\'s TLS certificate is signed by')
    .option('--plain-http', 'the seed serves plain HTTP', false)
    .option('--username <user>', 'read credentials (with --password-file) for a seed started with --htpasswd')
    .option('--password-file <file>', 'file holding the password, on one line')
    .option('--cri <endpoint>', 'the runtime\'s CRI socket', 'unix:///run/containerd/containerd.sock')
    .option('--concurrency <n>', 'images pulled at once', countOption, 3)
    .option('--hold', 'keep running when done (for a DaemonSet)', false)
    .action(async (o) => {
      const { prepullCommand } = await import('./prepull/command.js');
      await prepullCommand({ registry: o.registry, ca: o.ca, plainHttp: o.plainHttp, username: o.username, passwordFile: o.passwordFile, images: o.images, upstream: o.upstream, cri: o.cri, concurrency: o.concurrency, hold: o.hold });
    });
}

function addVersion(program: Command): void {
  program
    .command('version')
    .description('print the version, the commit it was built from, the Node.js runtime and the platform')
    .option('--json', 'machine-readable output', false)
    .action((o) => void process.stdout.write(renderVersion(versionInfo(), o.json)));
}

/** Every command, in the order help lists them. */
const COMMANDS = {
  serve: addServe,
  inspect: addInspect,
  push: (program: Command) => addPushCommand(program, tarOption),
  configure: addConfigure,
  tls: addTls,
  check: (program: Command) => addCheckCommand(program, registryOption),
  prepull: addPrepull,
  version: addVersion,
} satisfies Record<string, (program: Command) => void>;

export type CommandName = keyof typeof COMMANDS;
export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

function countOption(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 64) throw new InvalidArgumentError('expected a whole number from 1 to 64');
  return n;
}

function cacheOption(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), registryOption(value)];
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
    const typo = mistypedCommand(argv.slice(2), COMMAND_NAMES);
    if (typo !== undefined) throw new UsageError(typo);
    const program = buildProgram(commandToBuild(argv.slice(2)));
    await program.parseAsync(argv);
  } catch (error) {
    process.exitCode = 1;
    if (error instanceof LoadError) console.error(`seed-registry: ${error.message}`);
    else if (isPushError(error)) console.error(`seed-registry: push: ${error.message}`);
    else if (error instanceof ListenError || error instanceof UsageError) console.error(`seed-registry: ${error.message}`);
    // A file error no loader wrapped still reads as words, never `EACCES: permission denied, open ...`.
    else if (isFileError(error)) console.error(printable(`seed-registry: ${error.path}: ${fileProblem(error.path, error)}`));
    else console.error(`seed-registry: unexpected error: ${printable(describe(error))}`);
  }
}

/** An unexpected error on one line; its stack only when SEED_REGISTRY_DEBUG is set. */
function describe(error: unknown): string {
  if (process.env['SEED_REGISTRY_DEBUG']) return String((error as Error)?.stack ?? error);
  return error instanceof Error ? error.message : String(error);
}

function isFileError(error: unknown): error is NodeJS.ErrnoException & { path: string } {
  return typeof (error as NodeJS.ErrnoException | undefined)?.code === 'string' && typeof (error as NodeJS.ErrnoException).path === 'string';
}
