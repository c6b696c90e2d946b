// The way a runtime would fetch one image: which endpoint it asks, under which repository, with
// which trust and credentials, read from the runtime's own configuration (routes/*.ts). A runtime
// that would not reach the seed at all gives a problem and its fix instead.
import type { Credentials } from '../client/auth.js';
import type { ImageName } from '../image/names.js';

export interface Endpoint {
  /** `https://10.0.0.5:5000` */
  origin: string;
  /** The path the API lives under: `/v2`, or a mirror's own prefix. */
  base: string;
  repository: string;
  /** `?ns=docker.io` where the runtime sends one (containerd and k3s to a mirror), else ''. */
  query: string;
  /** PEM of the CAs the runtime trusts for this endpoint; undefined: the system store. */
  ca?: string;
  caFrom?: string;
  insecure: boolean;
  credentials?: Credentials;
  /** Headers the runtime adds itself (containerd's `[host.X.header]`). */
  headers: Record<string, string>;
  /** Where the runtime's configuration says so: `DIR/docker.io/hosts.toml`. */
  via: string;
}

export type Route = { endpoints: Endpoint[] } | { problem: string; fix: string };

export interface RouteInput {
  image: ImageName;
  /** The seed as `--registry` gives it: `HOST:PORT`. */
  seed: string;
}

/** `https://seed:5000` names the seed at `seed:5000`; a URL with no port names 443 or 80. */
export function isSeed(url: URL, seed: string): boolean {
  const port = url.port || (url.protocol === 'http:' ? '80' : '443');
  return `${url.hostname}:${port}`.toLowerCase() === seed.toLowerCase().replace(/^\[(.*)\](:\d+)$/, '[$1]$2');
}

/** `registry.k8s.io/pause:3.10` as the runtime writes it back. */
export function imageRef(image: ImageName): string {
  return `${image.registry}/${image.repository}${image.tag !== undefined ? `:${image.tag}` : ''}${image.digest !== undefined ? `@${image.digest}` : ''}`;
}

/** The manifest reference of a HEAD: the digest when the name has one, else the tag (`latest` by default). */
export function manifestRef(image: ImageName): string {
  return image.digest ?? image.tag ?? 'latest';
}

/** Node's URL keeps IPv6 hosts in brackets, as a `host:port` wants them. */
export function hostOf(url: URL): string {
  return url.host;
}
