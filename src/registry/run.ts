// `seed-registry serve`: load the tarballs, print the banner, listen, and shut down cleanly on
// SIGINT/SIGTERM (stop accepting, let transfers finish for a few seconds, exit 0).
import { loadImages } from '../image/load.js';
import { pullCommand } from '../inspect.js';
import type { ImageModel, Platform } from '../model.js';
import type { Advertised } from '../tls/sans.js';
import { LoadError } from '../load-error.js';
import { boundUrl, isLoopback, listenDefault, reachableAt } from './addresses.js';
import { authStage, loadHtpasswd } from './auth.js';
import { healthStage } from './health.js';
import { metricsStage } from './metrics.js';
import type { Stage } from './stages.js';
import { createLogger, type LogFormat } from './log.js';
import { createRegistry } from './server.js';

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
  platform: Platform;
  repository?: string;
  verify: boolean;
  logFormat: LogFormat;
  quiet: boolean;
}

const SHUTDOWN_GRACE_MS = 5_000;
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export async function runServe(options: ServeOptions): Promise<void> {
  // Certificates first: a mistake there is found before a long load.
  const tls = await startTls(options);
  const users = readUsers(options, tls !== undefined);
  const model = await loadImages(options.tars, { repository: options.repository, verify: options.verify });
  const logger = createLogger({ format: options.logFormat, quiet: options.quiet });
  const stages = buildStages(model, users, options.metrics ?? true);
  const registry = await createRegistry(model, { platform: options.platform, logger, tls: tls?.pair, stages });
  const address = await listenDefault(registry.listen, options.port, options.host);
  const reachable = reachableAt(address, options.advertise);
  for (const line of banner(model, reachable[0]!)) console.log(line);
  for (const line of tls?.banner ?? []) console.log(line);
  if (reachable.length > 1) console.log(`reachable at ${reachable.join(', ')}`);
  console.log(`seed-registry listening on ${boundUrl(tls ? 'https' : 'http', address)}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
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
}

/** The X.509 library is loaded only when TLS is asked for: plain HTTP starts without its cost. */
async function startTls(o: ServeOptions) {
  if (o.tlsCert === undefined && o.tlsKey === undefined && o.tlsSelfSigned === undefined) return undefined;
  const { serverTls } = await import('../tls/serve.js');
  return serverTls({ cert: o.tlsCert, key: o.tlsKey, selfSignedDir: o.tlsSelfSigned, advertised: o.advertise });
}

/** Basic auth sends the password in every request: only over TLS, or where it stays on this machine. */
function readUsers(o: ServeOptions, tls: boolean): Map<string, string> | undefined {
  if (o.htpasswd === undefined) return undefined;
  if (!tls && !o.allowInsecureAuth && !(o.host !== undefined && isLoopback(o.host))) {
    throw new LoadError('--htpasswd', `refusing Basic auth over plain HTTP on ${o.host ?? 'every address'}: serve TLS (--tls-self-signed, --tls-cert), listen on loopback (--host 127.0.0.1), or pass --allow-insecure-auth`);
  }
  return loadHtpasswd(o.htpasswd);
}

/** Outermost first: metrics count everything, health is never behind auth. */
function buildStages(model: ImageModel, users: Map<string, string> | undefined, metrics: boolean): Stage[] {
  const tars = model.images.map((r) => r.tarPath);
  return [...(metrics ? [metricsStage(model.images.length)] : []), healthStage(tars), ...(users ? [authStage(users)] : [])];
}

/** One ready-to-paste pull line per image, then the loader's warnings. */
export function banner(model: ImageModel, host: string): string[] {
  const lines = model.images.map((r) => `  ${pullCommand(host, r)}    # ${r.platforms.join(', ') || 'unknown platform'}`);
  const heading = `serving ${model.images.length} image${model.images.length === 1 ? '' : 's'}:`;
  return [heading, ...lines, ...model.warnings.map((w) => `warning: ${w}`)];
}
