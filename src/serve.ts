// `seed-registry serve`: load the tarballs, print the banner, listen, and shut down cleanly on
// SIGINT/SIGTERM (stop accepting, let transfers finish for a few seconds, exit 0). While serving,
// changed inputs are loaded again (src/image/live.ts; SIGHUP reads them all). It wires the rooms
// together (content, registry and its stages, the page), so it stands above all of them.
import type { LiveContent } from './image/live.js';
import { clockWarning } from './clock.js';
import { newestCreated } from './image/created.js';
import { applyPolicy, loadPolicy, trustLines } from './trust/index.js';
import { pullCommand } from './inspect.js';
import { printable } from './printable.js';
import type { ImageModel, Platform } from './model.js';
import type { Advertised } from './tls/sans.js';
import { LoadError } from './load-error.js';
import { isLoopback } from './address.js';
import { boundUrl, listenDefault, reachableAt } from './registry/addresses.js';
import { advertiseWarnings } from './registry/advertise-check.js';
import { Throttle, throttleMetrics } from './registry/bandwidth.js';
import { healthStage } from './registry/health.js';
import { metricsStage } from './registry/metrics.js';
import type { Stage } from './registry/stages.js';
import { createLogger, type LogFormat, type Logger } from './registry/log.js';
import { type ContentOptions, serveContent, type StagesOf } from './registry/content.js';
import type { Registry } from './registry/server.js';
import { createUi, type Ui } from './ui/index.js';
import type { PushToOptions } from './push/serve.js';
import type { PushFollower } from './serve-push.js';
import { join } from 'node:path';

export interface ServeOptions {
  tars: string[];
  port: number;
  /** undefined: `::` (IPv4 too) where the host has IPv6, else `0.0.0.0`. */
  host?: string;
  /** Addresses nodes reach the seed at: pull lines, certificate names. */
  advertise: Advertised[];
  tlsCert?: string;
  tlsKey?: string;
  tlsSelfSigned?: string;
  /** Basic auth on every registry route, bcrypt users from this file. */
  htpasswd?: string;
  /** Allow --htpasswd over plain HTTP on a non-loopback address. */
  allowInsecureAuth?: boolean;
  /** Serve /metrics (default on). */
  metrics?: boolean;
  /** Serve the page at /ui/ and keep its per-client figures (default on). */
  ui?: boolean;
  /** This build's version, for the page. */
  version?: string;
  platform: Platform;
  repository?: string;
  verify: boolean;
  recursive?: boolean;
  logFormat: LogFormat;
  quiet: boolean;
  /** Where a compressed archive is decompressed, and its limit (src/tar/archive.ts). */
  tmpDir?: string;
  maxDecompressedSize?: number;
  /** Refuse a tag two archives claim for different images (src/image/tag-claims.ts). */
  strict?: boolean;
  /** When this build was made (src/build-info.ts): the host's clock cannot be earlier. */
  builtAt?: Date;
  /** Serve only images signed by one of these public keys (src/trust). */
  signedBy?: string[];
  /** Serve these manifest digests, signed or not (one a line). */
  allowDigests?: string;
  /** Bytes per second for blob bytes: the whole seed, and each client address (src/registry/bandwidth.ts). */
  maxBandwidth?: number;
  maxClientBandwidth?: number;
  /** Watching, settle time, rescans, the prepare step: src/registry/content.ts. */
  watch?: ContentOptions['watch'];
  settleMs?: ContentOptions['settleMs'];
  rescanMs?: ContentOptions['rescanMs'];
  prepare?: ContentOptions['prepare'];
  /** Push everything served into this registry once it answers, and what each reload adds. */
  pushTo?: PushToOptions;
}

const SHUTDOWN_GRACE_MS = 5_000;
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Resolves once listening, with the model served at start. */
export async function runServe(options: ServeOptions): Promise<ImageModel> {
  // Certificates first: a mistake there is found before a long load.
  const tls = await startTls(options);
  let registry: Registry | undefined;
  // The page reads the content served now, as each request does.
  const ui = options.ui === false ? undefined : createUi(() => registry!.served.model);
  const written = createLogger({ format: options.logFormat, quiet: options.quiet });
  const logger = ui ? ui.observe(written) : written;
  const auth = await startAuth(options, tls !== undefined, logger);
  // Keys are read once, before the load: every reload applies the same policy to new content.
  const policy = loadPolicy({ signedBy: options.signedBy, allowDigests: options.allowDigests });
  const { repository, verify, tmpDir, maxDecompressedSize, strict = false } = options;
  const pushing = options.pushTo && (await startPushTo(options.pushTo));
  const content: ContentOptions = {
    ...options,
    load: { repository, verify, tmpDir, maxDecompressedSize, strict },
    prepare: (m: ImageModel) => applyPolicy(m, policy),
    ...(pushing && { onReload: (m: ImageModel) => pushing.reloaded(m) }),
  };
  const throttle = startThrottle(options);
  let listened = () => {};
  const listening = new Promise<void>((resolve) => (listened = resolve));
  const stagesOf: StagesOf = (live, readiness) => buildStages({ auth, metrics: options.metrics ?? true, listening }, live, readiness, ui, throttle);
  const serving = await serveContent(content, { platform: options.platform, logger, tls: tls?.pair }, stagesOf);
  registry = serving.registry;
  const { live, model } = serving;
  const warnings = [...(tls?.warnings ?? []), ...(await clockWarnings(model, options.builtAt))];
  // Handlers before the listening line: a supervisor may signal as soon as it reads that line.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    live.stop();
    console.log(`${signal}: finishing transfers (up to ${SHUTDOWN_GRACE_MS / 1000} s), then exiting`);
    registry.close(SHUTDOWN_GRACE_MS).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown', error);
        process.exit(1);
      },
    );
  };
  for (const signal of SIGNALS) process.on(signal, () => stop(signal));
  process.on('SIGHUP', () => live.reloadAll());
  const address = await listenDefault(registry.listen, options.port, options.host);
  const reachable = reachableAt(address, options.advertise);
  const caPath = options.tlsSelfSigned === undefined ? undefined : join(options.tlsSelfSigned, 'ca.crt');
  ui?.started({ version: options.version ?? 'unknown', host: reachable[0]!, auth: auth !== undefined, ...(tls && { certChain: tls.pair.cert, caPath }) });
  const lines = [
    ...banner(model, reachable[0]!),
    ...advertiseWarnings(options.advertise, address).map((line) => `warning: ${line}`),
    ...(tls?.banner ?? []),
    ...warnings.map((line) => printable(`warning: ${line}`)),
    ...(reachable.length > 1 ? [`reachable at ${reachable.join(', ')}`] : []),
    `seed-registry listening on ${boundUrl(tls ? 'https' : 'http', address)}`,
  ];
  // The first push is queued before watching starts: a reload's push always comes after it.
  pushing?.start(model);
  // Watching before the listening line: an archive moved in as soon as that line is read is seen.
  live.start();
  // One write: each console.log is a write of its own (a k3s bundle's banner is hundreds of lines).
  console.log(lines.join('\n'));
  listened();
  return model;
}

/** The X.509 library is loaded only when TLS is asked for: plain HTTP starts without its cost. */
async function startTls(o: ServeOptions) {
  if (o.tlsCert === undefined && o.tlsKey === undefined && o.tlsSelfSigned === undefined) return undefined;
  const { serverTls } = await import('./tls/serve.js');
  return serverTls({ cert: o.tlsCert, key: o.tlsKey, selfSignedDir: o.tlsSelfSigned, advertised: o.advertise });
}

/** The push code is loaded only when --push-to is given; its lines start with `push-to: `. */
async function startPushTo(o: PushToOptions): Promise<PushFollower> {
  const [{ createPushTo }, { followReloads }] = await Promise.all([import('./push/serve.js'), import('./serve-push.js')]);
  return followReloads(createPushTo(o), o.to, (line) => process.stderr.write(`push-to: ${line}\n`));
}

/** A host clock earlier than this build or the newest image (src/clock.ts). */
async function clockWarnings(model: ImageModel, builtAt: Date | undefined): Promise<string[]> {
  const warning = clockWarning(new Date(), { builtAt, newestImage: await newestCreated(model) });
  return warning === undefined ? [] : [warning];
}

/** Basic auth sends the password in every request: only over TLS, or where it stays on this machine. */
async function startAuth(o: ServeOptions, tls: boolean, logger: Logger): Promise<Stage | undefined> {
  if (o.htpasswd === undefined) return undefined;
  if (!tls && !o.allowInsecureAuth && !(o.host !== undefined && isLoopback(o.host))) {
    throw new LoadError('--htpasswd', `refusing Basic auth over plain HTTP on ${o.host ?? 'every address'}: serve TLS (--tls-self-signed, --tls-cert), listen on loopback (--host 127.0.0.1), or pass --allow-insecure-auth`);
  }
  // bcrypt is loaded only when auth is asked for.
  const { authStage, loadHtpasswd } = await import('./registry/auth.js');
  return authStage(loadHtpasswd(o.htpasswd), { logger });
}

function startThrottle(o: ServeOptions): Throttle | undefined {
  if (o.maxBandwidth === undefined && o.maxClientBandwidth === undefined) return undefined;
  return new Throttle({ seed: o.maxBandwidth, client: o.maxClientBandwidth });
}

/**
 * Outermost first: metrics count everything, health is never behind auth, the page's client table
 * sees refused requests too, the page is behind auth like the API, and the caps pace only what auth
 * let through. Metrics and readiness follow the content served now.
 */
function buildStages(o: { auth?: Stage; metrics: boolean; listening: Promise<void> }, live: LiveContent, changedFiles: () => readonly string[], ui: Ui | undefined, throttle: Throttle | undefined): Stage[] {
  const { auth, metrics, listening } = o;
  const seed = () => ({ images: live.images, refusedImages: live.refusedImages, reloads: live.reloads });
  const extra = throttle ? throttleMetrics(throttle) : [];
  return [
    ...(metrics ? [metricsStage(seed, extra, listening)] : []),
    healthStage(changedFiles),
    ...(ui ? [ui.tracker] : []),
    ...(auth ? [auth] : []),
    ...(ui ? [ui.page] : []),
    ...(throttle ? [throttle.stage()] : []),
  ];
}

/** One ready-to-paste pull line per image, then the loader's warnings. */
export function banner(model: ImageModel, host: string): string[] {
  if (model.refused !== undefined) return [...trustLines(model, (r) => pullCommand(host, model, r)), ...model.warnings.map((w) => `warning: ${w}`)].map(printable);
  const lines = model.images.map((r) => `  ${pullCommand(host, model, r)}    # ${r.platforms.join(', ') || 'unknown platform'}`);
  const heading = `serving ${model.images.length} image${model.images.length === 1 ? '' : 's'}:`;
  // Platforms and warnings quote archive text: escaped, so each stays one harmless line.
  return [heading, ...lines, ...model.warnings.map((w) => `warning: ${w}`)].map(printable);
}
