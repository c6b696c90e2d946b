// `seed-registry serve`: load the tarballs, print the banner, listen, and shut down cleanly on
// SIGINT/SIGTERM (stop accepting, let transfers finish for a few seconds, exit 0).
import { loadImages } from '../image/load.js';
import { pullCommand } from '../inspect.js';
import { printable } from '../printable.js';
import type { ImageModel, Platform } from '../model.js';
import { createLogger, type LogFormat } from './log.js';
import { createRegistry } from './server.js';

export interface ServeOptions {
  tars: string[];
  port: number;
  host: string;
  platform: Platform;
  repository?: string;
  verify: boolean;
  recursive?: boolean;
  logFormat: LogFormat;
  quiet: boolean;
  /** Where a compressed archive is decompressed, and its limit (src/tar/archive.ts). */
  tmpDir?: string;
  maxDecompressedSize?: number;
}

const SHUTDOWN_GRACE_MS = 5_000;
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Resolves once listening, with the model served (for `--push-to`). */
export async function runServe(options: ServeOptions): Promise<ImageModel> {
  const { repository, verify, tmpDir, maxDecompressedSize, recursive = false } = options;
  const model = await loadImages(options.tars, { repository, verify, tmpDir, maxDecompressedSize, recursive });
  const logger = createLogger({ format: options.logFormat, quiet: options.quiet });
  const registry = await createRegistry(model, { platform: options.platform, logger });
  // Handlers before the listening line: a supervisor may signal as soon as it reads that line.
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
  const address = await registry.listen(options.port, options.host);
  const printable = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  for (const line of banner(model, `${pullHost(options.host)}:${address.port}`)) console.log(line);
  console.log(`seed-registry listening on http://${printable}:${address.port}`);
  return model;
}

/** One ready-to-paste pull line per image, then the loader's warnings. */
export function banner(model: ImageModel, host: string): string[] {
  const lines = model.images.map((r) => `  ${pullCommand(host, r)}    # ${r.platforms.join(', ') || 'unknown platform'}`);
  const heading = `serving ${model.images.length} image${model.images.length === 1 ? '' : 's'}:`;
  // Platforms and warnings quote archive text: escaped, so each stays one harmless line.
  return [heading, ...lines, ...model.warnings.map((w) => `warning: ${w}`)].map(printable);
}

/** A wildcard bind address is not something to pull from; the local machine is. */
function pullHost(host: string): string {
  return host === '0.0.0.0' || host === '::' || host === '' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
}
