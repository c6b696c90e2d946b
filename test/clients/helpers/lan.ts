// A small LAN of network namespaces made by the test (netns.ts is the one-namespace case): one bridge in its own namespace, and one
// namespace per host, each joined to the bridge by a veth pair, with an address of its own. Nothing is
// added to the machine's own network namespace; everything is removed by name at the end, also when
// the test process dies (process 'exit').
import { spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import type { Wrap } from './daemon.js';
import { runOk } from './run.js';

export interface Lan {
  /** Namespace of each host, by the name the test gave it. */
  netns: Record<string, string>;
  /** IPv4 address of each host on the LAN. */
  address: Record<string, string>;
  /** The argv that runs a command inside a host's network namespace (see inNetns). */
  inside(host: string, cmd: string, args: string[]): [string, string[]];
  /** inside() for one host, in the shape the daemon helpers take. */
  wrap(host: string): Wrap;
  remove(): Promise<void>;
}

/**
 * The argv running `cmd` in network namespace `ns` and nothing else: nsenter, not `ip netns exec`, which
 * also remounts /sys and so hides the cgroup mounts dockerd needs ("Devices cgroup isn't mounted").
 */
export function inNetns(ns: string, cmd: string, args: string[]): [string, string[]] {
  return ['nsenter', [`--net=/run/netns/${ns}`, cmd, ...args]];
}

const created = new Set<string>();
process.on('exit', () => {
  for (const ns of created) spawnSync('ip', ['netns', 'del', ns]);
});

/** Why namespaces cannot be made here (not root, no CAP_SYS_ADMIN, no iproute2), or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  const probe = `srprobe${randomBytes(4).toString('hex')}`;
  const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (add.error) return `cannot run ip (iproute2): ${add.error.message}`;
  if (add.status !== 0) return `ip netns add failed: ${add.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return undefined;
}

export async function createLan(hosts: string[]): Promise<Lan> {
  const prefix = `sr${randomBytes(3).toString('hex')}`;
  // A subnet private to these namespaces; no route to it exists outside them.
  const subnet = `10.${randomInt(200, 250)}.${randomInt(0, 255)}`;
  const bridgeNs = `${prefix}-lan`;
  const netns: Record<string, string> = {};
  const address: Record<string, string> = {};
  const ip = (args: string[]) => runOk('ip', args, { timeoutMs: 10_000 });
  const addNs = async (ns: string) => {
    created.add(ns);
    await ip(['netns', 'add', ns]);
    await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
  };
  const lan: Lan = {
    netns,
    address,
    inside: (host, cmd, args) => inNetns(netns[host]!, cmd, args),
    wrap: (host) => (cmd, args) => inNetns(netns[host]!, cmd, args),
    async remove() {
      for (const ns of [...Object.values(netns), bridgeNs]) {
        if (created.has(ns)) await ip(['netns', 'del', ns]).catch((e: unknown) => console.error(e));
        created.delete(ns);
      }
    },
  };
  try {
    await addNs(bridgeNs);
    await ip(['-n', bridgeNs, 'link', 'add', 'br0', 'type', 'bridge']);
    await ip(['-n', bridgeNs, 'link', 'set', 'br0', 'up']);
    for (const [i, host] of hosts.entries()) {
      const ns = `${prefix}-${host}`;
      netns[host] = ns;
      address[host] = `${subnet}.${i + 1}`;
      await addNs(ns);
      // Both ends are made inside namespaces: the bridge's side stays there, eth0 moves to the host.
      await ip(['-n', bridgeNs, 'link', 'add', `v${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      await ip(['-n', bridgeNs, 'link', 'set', `v${i}`, 'master', 'br0', 'up']);
      await ip(['-n', ns, 'addr', 'add', `${address[host]}/24`, 'dev', 'eth0']);
      await ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
    }
  } catch (error) {
    await lan.remove();
    throw error;
  }
  return lan;
}
