// Credentials for a registry (the client layer shared by push, check and prepull): `--username` with a password from stdin or a file, or what
// `docker login` / `podman login` stored for that host (REGISTRY_AUTH_FILE, $DOCKER_CONFIG,
// ~/.docker/config.json, in that order). In each file as docker reads it (cli/config/configfile
// GetCredentialsStore, credentials/native_store.go Get): `credHelpers[host]`'s helper, else the
// `credsStore` helper, else (or when that helper has none) the inline `auths` entry.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileProblem } from '../os-errors.js';
import { PasswordFileError, readPasswordFile } from '../password-file.js';
import type { Credentials } from './auth.js';
import { HelperFailure, fromHelper } from './cred-helper.js';

export class CredentialsError extends Error {
  override readonly name = 'CredentialsError';
}

export interface CredentialOptions {
  username?: string;
  passwordStdin?: boolean;
  passwordFile?: string;
}

export async function resolveCredentials(host: string, o: CredentialOptions, env = process.env): Promise<Credentials | undefined> {
  if (o.username === undefined) {
    if (o.passwordStdin || o.passwordFile !== undefined) throw new CredentialsError('--password-stdin/--password-file need --username');
    try {
      return await fromConfigFiles(host, env);
    } catch (error) {
      throw error instanceof HelperFailure ? new CredentialsError(error.message) : error;
    }
  }
  if (o.passwordStdin && o.passwordFile !== undefined) throw new CredentialsError('give either --password-stdin or --password-file, not both');
  let password: string;
  if (o.passwordStdin) password = await readStdin();
  else if (o.passwordFile !== undefined) password = passwordFrom(o.passwordFile);
  else throw new CredentialsError('--username needs --password-stdin or --password-file (a password on the command line would show in ps)');
  return { username: o.username, password: password.replace(/\r?\n$/, '') };
}

function passwordFrom(path: string): string {
  try {
    return readPasswordFile(path);
  } catch (error) {
    throw error instanceof PasswordFileError ? new CredentialsError(`--password-file ${error.message}`) : error;
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function configFiles(env: NodeJS.ProcessEnv): string[] {
  const files: string[] = [];
  if (env.REGISTRY_AUTH_FILE) files.push(env.REGISTRY_AUTH_FILE);
  files.push(join(env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json'));
  return files;
}

interface AuthConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

async function fromConfigFiles(host: string, env: NodeJS.ProcessEnv): Promise<Credentials | undefined> {
  for (const file of configFiles(env)) {
    let config: AuthConfig;
    try {
      config = JSON.parse(readFileSync(file, 'utf8')) as AuthConfig;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      const problem = (error as NodeJS.ErrnoException).code === undefined ? (error as Error).message : fileProblem(file, error);
      throw new CredentialsError(`${file}: not a readable credentials file (${problem})`);
    }
    const helper = Object.entries(config.credHelpers ?? {}).find(([key]) => authKeyHost(key) === host)?.[1];
    if (typeof helper === 'string') return fromHelper(helper, host, file, env);
    if (typeof config.credsStore === 'string' && config.credsStore !== '') {
      const stored = await fromHelper(config.credsStore, host, file, env);
      if (stored) return stored;
    }
    const inline = fromAuths(file, config, host);
    if (inline) return inline;
  }
  return undefined;
}

function fromAuths(file: string, config: AuthConfig, host: string): Credentials | undefined {
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (authKeyHost(key) !== host) continue;
    if (entry.username !== undefined && entry.password !== undefined) return { username: entry.username, password: entry.password };
    if (entry.auth === undefined) continue;
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new CredentialsError(`${file}: the "auth" entry for ${key} is not base64 of user:password`);
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return undefined;
}

/** `https://host:5000/v1/` and `host:5000` both name `host:5000` (docker writes either). */
function authKeyHost(key: string): string {
  return key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
}
