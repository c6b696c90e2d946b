// The `push` command's options, kept beside push so src/cli.ts only registers it. Push itself is
// imported when the command runs: its HTTP client (undici) is three quarters of the bundle, which
// every `serve` would otherwise parse at start.
import { type Command, InvalidArgumentError, type Option } from 'commander';
import { isPushError } from './errors.js';

export { isPushError };

const DEFAULT_CONCURRENCY = 4;
const DEFAULT_RETRIES = 4;

function positive(name: string, min: number) {
  return (value: string) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min) throw new InvalidArgumentError(`${name}: expected a whole number ≥ ${min}`);
    return n;
  };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `serve`'s options for --push-to; checked at start so a mistake stops the seed before it serves. */
export function addPushToOptions(serve: Command): Command {
  return serve
    .option('--push-to <registry[/prefix]>', 'once this registry answers, push every image into it (credentials as push finds them: docker config.json, credential helpers), and keep serving')
    .option('--push-username <user>', 'user for the --push-to registry (password from --push-password-file)')
    .option('--push-password-file <file>', 'file holding the --push-to password, on one line')
    .option('--push-ca <file>', 'PEM CA certificate to trust for the --push-to registry')
    .option('--push-insecure', '--push-to: plain HTTP allowed, TLS certificate not verified', false);
}

export interface PushToFlags {
  pushTo?: string;
  pushUsername?: string;
  pushPasswordFile?: string;
  pushCa?: string;
  pushInsecure?: boolean;
}

/** The option and its one-line refusal when the --push-* options cannot work; undefined when they can. */
export function pushToProblem(o: PushToFlags): [option: string, problem: string] | undefined {
  const given = [o.pushUsername !== undefined && '--push-username', o.pushPasswordFile !== undefined && '--push-password-file', o.pushCa !== undefined && '--push-ca', o.pushInsecure === true && '--push-insecure'].filter((g): g is string => typeof g === 'string');
  if (o.pushTo === undefined && given.length > 0) return [given[0]!, 'needs --push-to REGISTRY'];
  if (o.pushUsername !== undefined && o.pushPasswordFile === undefined) return ['--push-username', 'needs --push-password-file (a password on the command line would show in ps)'];
  if (o.pushUsername === undefined && o.pushPasswordFile !== undefined) return ['--push-password-file', 'needs --push-username'];
  return undefined;
}

export function addPushCommand(program: Command, tarOption: () => Option): void {
  program
    .command('push')
    .description('push the images into another registry (distribution, zot, Harbor), digests unchanged')
    .addOption(tarOption())
    .requiredOption('--to <registry[/prefix]>', 'target registry, e.g. registry.local:5000 or https://registry.local/mirror')
    .option('--image <name[:tag]>', 'push only this image (repeatable)', collect, [])
    .option('--repository <name>', 'repository for images the archive names only by tag, or not at all')
    .option('--username <user>', 'user for the target (password from --password-stdin or --password-file)')
    .option('--password-stdin', 'read the password from standard input', false)
    .option('--password-file <file>', 'read the password from this file')
    .option('--ca <file>', "PEM CA certificate to trust for the target (the seed's own ca.crt, a private CA)")
    .option('--insecure', 'plain HTTP allowed, TLS certificate not verified', false)
    .option('--concurrency <n>', 'blobs pushed at once', positive('--concurrency', 1), DEFAULT_CONCURRENCY)
    .option('--retries <n>', 'retries of a request after a connection error, 429 or 5xx', positive('--retries', 0), DEFAULT_RETRIES)
    .option('--chunk-size <bytes>', 'upload blobs in PATCH chunks of this size instead of one PUT', positive('--chunk-size', 1))
    .option('--dry-run', 'print what would be pushed; write nothing', false)
    .option('--json', 'machine-readable output', false)
    .option('--signed-by <keyfile>', 'push only images with a sigstore signature by this PEM public key, with their signatures (repeatable)', collect, [])
    .option('--allow-digests <file>', 'also push these manifest digests, signed or not (one a line)')
    .action(async (o) => (await import('./run.js')).runPush({ tars: o.tar, to: o.to, images: o.image, repository: o.repository, username: o.username, passwordStdin: o.passwordStdin, passwordFile: o.passwordFile, ca: o.ca, insecure: o.insecure, concurrency: o.concurrency, retries: o.retries, chunkSize: o.chunkSize, dryRun: o.dryRun, json: o.json, signedBy: o.signedBy, allowDigests: o.allowDigests }));
}
