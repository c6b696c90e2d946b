// A network namespace of the test's own with one non-loopback address (on a veth pair whose both
// ends stay inside it), for clients that treat loopback specially (dockerd trusts 127.0.0.0/8 as an insecure registry, so it
// would never check a certificate there). Nothing in it is routed anywhere; deleted at the end.
import { randomBytes } from 'node:crypto';
import { run, runOk } from './run.js';

export interface Netns {
  name: string;
  /** The namespace's one non-loopback address. */
  address: string;
  /**
   * `[cmd, args]` that runs `cmd` inside the namespace. nsenter enters the network namespace only
   * (`ip netns exec` also remounts /sys, hiding the cgroup mounts dockerd needs) and execs: same pid.
   */
  wrap(cmd: string, args: string[]): [string, string[]];
  remove(): Promise<void>;
}

/** TEST-NET-1 (RFC 5737): documentation addresses, never routed. */
export async function createNetns(): Promise<Netns> {
  const name = `sr9a-${randomBytes(4).toString('hex')}`;
  const address = `192.0.2.${2 + (randomBytes(1)[0]! % 250)}`;
  await runOk('ip', ['netns', 'add', name]);
  const remove = async () => void (await run('ip', ['netns', 'del', name]));
  try {
    const ip = (...args: string[]) => runOk('ip', ['-n', name, ...args]);
    await ip('link', 'set', 'lo', 'up');
    await ip('link', 'add', 'seed0', 'type', 'veth', 'peer', 'name', 'seed1');
    await ip('link', 'set', 'seed1', 'up');
    await ip('addr', 'add', `${address}/32`, 'dev', 'seed0');
    await ip('link', 'set', 'seed0', 'up');
  } catch (error) {
    await remove();
    throw error;
  }
  return { name, address, wrap: (cmd, args) => ['nsenter', [`--net=/run/netns/${name}`, cmd, ...args]], remove };
}

/** Whether this machine lets the test make namespaces (root, iproute2, a kernel with netns). */
export async function canCreateNetns(): Promise<boolean> {
  const probe = `sr9a-probe-${randomBytes(3).toString('hex')}`;
  const made = await run('ip', ['netns', 'add', probe]).catch(() => ({ code: 1 }));
  if (made.code !== 0) return false;
  await run('ip', ['netns', 'del', probe]);
  return true;
}
