// What every runtime's node configuration is made from: the upstream registries the archives name,
// the seed's address, how to trust it, and (optionally) read credentials. Pure values, no I/O.
import { parseHostPort } from '../address.js';
import type { ImageModel } from '../model.js';

export interface Credentials {
  username: string;
  password: string;
}

export interface NodeTarget {
  /** Registries the served images came from (`docker.io`, `registry.k8s.io`, ...), sorted. */
  upstreams: string[];
  /** `HOST:PORT` nodes reach the seed at (brackets around an IPv6 host). */
  registry: string;
  /** How nodes talk to the seed: `https` (the default) or `http` for a seed serving plain HTTP. */
  scheme: 'https' | 'http';
  /** PEM of the CA that signed the seed's certificate; absent when the nodes already trust it. */
  ca?: string;
  credentials?: Credentials;
}

/** One file of a node configuration, by path relative to the output directory. */
export interface ConfigFile {
  path: string;
  contents: string;
  /** 0o600 for files holding credentials. */
  mode?: number;
}

export interface NodeConfig {
  files: ConfigFile[];
  /** What the operator must still do on the node (settings we cannot write for them). */
  notes: string[];
}

export type Configurer = (target: NodeTarget) => NodeConfig;

/** Every registry the archives name, once each. */
export function upstreamsOf(model: ImageModel): string[] {
  return [...new Set(model.images.map((image) => image.registry))].sort();
}

/** `user:password` in base64, the form of a Basic `Authorization` header and of auth.json's `auth`. */
export function basicToken(credentials: Credentials): string {
  return Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64');
}

export function seedURL(target: NodeTarget): string {
  return `${target.scheme}://${target.registry}`;
}

/** `HOST:PORT` or `[IPv6]:PORT` by the one address grammar, the port required; throws an Error saying what is expected. */
export function parseRegistryAddress(value: string): string {
  let port: number | undefined;
  try {
    port = parseHostPort(value).port;
  } catch {
    port = undefined;
  }
  if (port === undefined) throw new Error(`expected HOST:PORT (e.g. 10.0.0.5:5000, seed.lan:5000, [fd00::5]:5000), got "${value}"`);
  return value;
}

/** A YAML/TOML double-quoted string; both accept JSON's escapes for what we write. */
export function quoted(value: string): string {
  return JSON.stringify(value);
}
