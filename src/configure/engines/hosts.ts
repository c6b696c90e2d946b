// containerd hosts.toml with several hosts tried in order (containerd docs/hosts.md: "hosts are tried
// in the order listed"), for engines that put something between a node and the seed: a pull-through
// cache first and the seed second, or the node's Dragonfly peer.
import { upstreamServer } from '../containerd.js';
import { basicToken, quoted, type ConfigFile } from '../target.js';

export interface MirrorHost {
  /** `https://cache:5000`, `http://127.0.0.1:4001` */
  url: string;
  /** A CA file beside hosts.toml (a relative `ca` is read from the hosts.toml's own folder). */
  caFile?: string;
  /** Extra request headers (`Authorization`, `X-Dragonfly-Registry`). */
  headers?: Record<string, string>;
}

export function hostsToml(upstream: string, why: string, hosts: MirrorHost[]): string {
  const lines = [
    `# seed-registry configure: ${why}`,
    '# `server` is the fall-back when every host below fails (unreachable in an air-gapped cluster).',
    `server = ${quoted(upstreamServer(upstream))}`,
  ];
  for (const host of hosts) {
    lines.push('', `[host.${quoted(host.url)}]`, '  capabilities = ["pull", "resolve"]');
    if (host.caFile !== undefined) lines.push(`  ca = ${quoted(host.caFile)}`);
    const headers = Object.entries(host.headers ?? {});
    if (headers.length) lines.push(`  [host.${quoted(host.url)}.header]`, ...headers.map(([k, v]) => `    ${k} = ${quoted(v)}`));
  }
  return lines.join('\n') + '\n';
}

/** `Authorization: Basic …` for the seed when it has --htpasswd. */
export function basicHeader(credentials?: { username: string; password: string }): Record<string, string> | undefined {
  return credentials ? { Authorization: `Basic ${basicToken(credentials)}` } : undefined;
}

/** One `<dir>/<upstream>/hosts.toml` per upstream, with the CA files the hosts name copied beside each. */
export function hostsTree(dir: string, upstreams: string[], why: (u: string) => string, hosts: MirrorHost[], cas: Record<string, string>, secret: boolean): ConfigFile[] {
  return upstreams.flatMap((upstream) => [
    { path: `${dir}/${upstream}/hosts.toml`, contents: hostsToml(upstream, why(upstream), hosts), ...(secret ? { mode: 0o600 } : {}) },
    ...Object.entries(cas).map(([file, pem]) => ({ path: `${dir}/${upstream}/${file}`, contents: pem })),
  ]);
}
