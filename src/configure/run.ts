// The I/O around the pure configurers: read the archives, the CA and the password file; then write
// the files under --out, or print them. User mistakes are LoadErrors (one line, exit 1).
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadImages } from '../image/load.js';
import type { ImageModel } from '../model.js';
import { LoadError } from '../load-error.js';
import { PasswordFileError, readPasswordFile } from '../password-file.js';
import { loadCa, type LoadedCa } from '../tls/load.js';
import { ENGINES, missingInput, type Engine, type EngineTarget } from './engines/index.js';
import { RUNTIMES, upstreamsOf, type NodeConfig, type Runtime } from './index.js';
import { originalReferences, prepullList } from './prepull-list.js';
import type { Credentials } from './target.js';

export interface ConfigureOptions {
  /** Exactly one of runtime and engine. */
  runtime?: Runtime;
  engine?: Engine;
  registry: string;
  tars: string[];
  repository?: string;
  ca?: string;
  plainHttp: boolean;
  username?: string;
  passwordFile?: string;
  out?: string;
  /** Run `seed-registry check` right after, through what was just written. */
  check?: boolean;
  /** distribution-cache: the caches (HOST:PORT) nodes try first, and the CA of their certificates. */
  caches?: string[];
  cacheCa?: string;
  /** k3s/rke2: also write the agent/images/*.txt list they pre-pull. */
  prepull?: boolean;
}

export async function runConfigure(options: ConfigureOptions): Promise<void> {
  if ((options.runtime === undefined) === (options.engine === undefined)) {
    throw new LoadError('configure', 'give one of --runtime RUNTIME (a node) or --engine ENGINE (an engine that takes the seed as upstream)');
  }
  if (options.prepull && options.runtime !== 'k3s' && options.runtime !== 'rke2') {
    throw new LoadError('--prepull', 'writes the image list k3s and RKE2 pre-pull: use it with --runtime k3s or --runtime rke2 (other nodes: seed-registry prepull)');
  }
  const model = await loadImages(options.tars, { repository: options.repository });
  const target: EngineTarget = { upstreams: upstreamsOf(model), registry: options.registry, scheme: options.plainHttp ? 'http' : 'https', caches: options.caches ?? [] };
  const ca = options.ca !== undefined ? loadCa(options.ca) : undefined;
  if (ca) target.ca = pemLine(ca.pem);
  if (options.cacheCa !== undefined) target.cacheCa = pemLine(loadCa(options.cacheCa).pem);
  const credentials = readCredentials(options);
  if (credentials) target.credentials = credentials;
  const config = options.engine !== undefined ? engineConfig(options.engine, target) : runtimeConfig(options.runtime!, target);
  if (options.prepull) {
    const { file, note } = prepullList(options.runtime as 'k3s' | 'rke2', originalReferences(model));
    config.files.push(file);
    config.notes.push(note);
  }
  if (ca) config.notes.unshift(caNote(ca));
  process.stdout.write(options.out !== undefined ? writeConfig(config, options.out) : renderConfig(config));
  if (options.check) await checkConfig(options, model, config, ca, credentials);
}

/**
 * `configure --check`: the same checks as `seed-registry check`, for every served image, through
 * the files just made (under --out, or as printed). Talos has no route check reads: only the seed.
 */
async function checkConfig(options: ConfigureOptions, model: ImageModel, config: NodeConfig, ca: LoadedCa | undefined, credentials: Credentials | undefined): Promise<void> {
  const { checkSeed, nodeFilesOf, imagesOf } = await import('../check/configured.js');
  // Talos, and an engine, have no node files check reads: the seed alone is checked.
  const runtime = options.runtime === undefined || options.runtime === 'talos' ? undefined : { name: options.runtime, files: nodeFilesOf(config.files, options.out) };
  process.stdout.write(`\nchecking ${options.registry}${runtime ? ` through the ${options.runtime} configuration above` : ''}:\n`);
  const passed = await checkSeed(
    { registry: options.registry, images: imagesOf(model), ...(ca ? { ca: { pem: ca.pem, from: ca.path } } : {}), ...(credentials ? { credentials } : {}), ...(runtime ? { runtime } : {}) },
    (line) => process.stdout.write(`${line}\n`),
  );
  if (!passed) process.exitCode = 1;
}

function runtimeConfig(runtime: Runtime, target: EngineTarget): NodeConfig {
  if (target.caches.length > 0 || target.cacheCa !== undefined) throw new LoadError('--cache', 'is for --engine distribution-cache; a --runtime node pulls from --registry');
  return RUNTIMES[runtime](target);
}

function engineConfig(engine: Engine, target: EngineTarget): NodeConfig {
  const missing = missingInput(engine, target);
  if (missing !== undefined) throw new LoadError(`--engine ${engine}`, missing);
  return ENGINES[engine](target);
}

function pemLine(pem: string): string {
  return pem.endsWith('\n') ? pem : `${pem}\n`;
}

/** The fingerprint the seed's banner prints, so the operator can see both name the same CA. */
function caNote(ca: LoadedCa): string {
  return `Trusting the CA in ${ca.path}, SHA-256 ${ca.fingerprint} (the seed's banner prints the same).`;
}

function readCredentials(options: ConfigureOptions): Credentials | undefined {
  if (options.username === undefined && options.passwordFile === undefined) return undefined;
  if (options.username === undefined || options.passwordFile === undefined) {
    throw new LoadError('--username/--password-file', 'give both, or neither');
  }
  let password: string;
  try {
    password = readPasswordFile(options.passwordFile);
  } catch (error) {
    if (!(error instanceof PasswordFileError)) throw error;
    throw new LoadError(options.passwordFile, error.code !== undefined ? `cannot read the password file: ${error.problem}` : error.problem);
  }
  return { username: options.username, password };
}

function writeConfig(config: NodeConfig, out: string): string {
  for (const file of config.files) {
    const path = join(out, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.contents, { mode: file.mode ?? 0o644 });
    chmodSync(path, file.mode ?? 0o644);
  }
  return [...config.files.map((f) => `wrote ${join(out, f.path)}`), '', ...config.notes, ''].join('\n');
}

/** Without --out: every file under a header naming it, then the notes. */
export function renderConfig(config: NodeConfig): string {
  const files = config.files.map((f) => `# ==> ${f.path} <==\n${f.contents}`);
  return [...files, config.notes.map((n) => `# ${n}`).join('\n'), ''].join('\n');
}
