// The recipes in deploy/ read archives `docker save -o` wrote (mode 0600, owned by the user who ran
// it). Neither systemd nor a kubelet runs here, so the seed is started the way each recipe would run
// it, read from the recipe itself: util-linux's setpriv sets the user, the ambient capabilities (the
// unit's AmbientCapabilities=) or the bounding set (the DaemonSet's securityContext, as containerd
// applies it: drop, then add), and the seed must then serve the archive; the same user without the
// capability must not be able to, so a pass proves the capability is what reads the file.
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { run } from './helpers/run.js';
import { REPO_ROOT, startSeedCommand } from './helpers/seed.js';

const BIN = fileURLToPath(new URL('../../bin/seed-registry.js', import.meta.url));
const FIXTURE = join(REPO_ROOT, 'fixtures/seed-image.tar');
const UNIT = join(REPO_ROOT, 'deploy/systemd/seed-registry.service');
const DAEMONSET = join(REPO_ROOT, 'deploy/kubernetes/daemonset.yaml');
/** An unprivileged uid, as a DynamicUser= is; nobody's. */
const UNPRIVILEGED = 65534;
/** Capabilities containerd gives a container by default (containerd's oci/spec.go defaultUnixCaps). */
const RUNTIME_DEFAULT_CAPS = ['chown', 'dac_override', 'fsetid', 'fowner', 'mknod', 'net_raw', 'setgid', 'setuid', 'setfcap', 'setpcap', 'net_bind_service', 'sys_chroot', 'kill', 'audit_write'];

let dir: string;

beforeAll(() => {
  dir = mkdtempSync('/tmp/sr-');
  chmodSync(dir, 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The fixture as `docker save -o` leaves it: mode 0600, owned by `uid`. */
function savedArchive(name: string, uid: number): string {
  const folder = join(dir, name);
  mkdirSync(folder, { mode: 0o755 });
  const path = join(folder, 'images.tar');
  copyFileSync(FIXTURE, path);
  chownSync(path, uid, uid);
  chmodSync(path, 0o600);
  return path;
}

/** `CAP_DAC_READ_SEARCH CAP_X` → `dac_read_search,x`, as setpriv spells capabilities. */
function setprivCaps(caps: string[]): string {
  return caps.map((c) => c.toLowerCase().replace(/^cap_/, '')).join(',');
}

/** The values of every `Key=` line of the unit's [Service] section. */
function unitValues(key: string): string[] {
  return readFileSync(UNIT, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith(`${key}=`))
    .flatMap((l) => l.slice(key.length + 1).trim().split(/\s+/))
    .filter((v) => v !== '');
}

/** setpriv's arguments for the unit: its dynamic user, with the unit's ambient capabilities. */
function unitUser(withCaps: boolean): string[] {
  const caps = withCaps ? setprivCaps(unitValues('AmbientCapabilities')) : '';
  const bounding = withCaps ? setprivCaps(unitValues('CapabilityBoundingSet')) : '';
  const args = ['--reuid', String(UNPRIVILEGED), '--regid', String(UNPRIVILEGED), '--clear-groups'];
  if (caps !== '') args.push('--inh-caps', `+${caps.split(',').join(',+')}`, '--ambient-caps', `+${caps.split(',').join(',+')}`);
  if (bounding !== '') args.push('--bounding-set', `-all,+${bounding.split(',').join(',+')}`);
  return args;
}

interface ContainerSecurity {
  runAsUser?: number;
  capabilities?: { add?: string[]; drop?: string[] };
}

/** setpriv's arguments for the DaemonSet's container: its user, and the bounding set the runtime gives it. */
function daemonSetUser(withCaps: boolean): string[] {
  const ds = parse(readFileSync(DAEMONSET, 'utf8')) as { spec: { template: { spec: { containers: { securityContext?: ContainerSecurity }[] } } } };
  const security = ds.spec.template.spec.containers[0]!.securityContext ?? {};
  const uid = security.runAsUser ?? UNPRIVILEGED; // the release image's user, 65534 (scripts/release/image.mjs)
  const drop = (security.capabilities?.drop ?? []).map((c) => c.toLowerCase());
  const add = withCaps ? (security.capabilities?.add ?? []).map((c) => c.toLowerCase()) : [];
  const caps = [...(drop.includes('all') ? [] : RUNTIME_DEFAULT_CAPS.filter((c) => !drop.includes(c))), ...add];
  // Kubernetes sets no ambient capabilities: a non-root user gets none of these.
  const bounding = caps.length === 0 ? '-all' : `-all,+${caps.join(',+')}`;
  return ['--reuid', String(uid), '--regid', String(uid), '--clear-groups', '--bounding-set', bounding];
}

/** The seed as that user; resolves with whether it served `/v2/` and the output. */
async function serveAs(setpriv: string[], archive: string): Promise<{ served: boolean; output: string }> {
  try {
    const seed = await startSeedCommand('setpriv', [...setpriv, process.execPath, BIN, '--tar', archive, '--port', '0', '--host', '127.0.0.1']);
    const status = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', `${seed.url}/v2/library/busybox/manifests/seed`, '-H', 'Accept: application/vnd.oci.image.manifest.v1+json']);
    await seed.stop();
    return { served: status.stdout === '200', output: seed.output() };
  } catch (error) {
    return { served: false, output: (error as Error).message };
  }
}

describe('archives written 0600 by docker save', () => {
  it('the systemd unit\'s user reads one owned by root, and only with the unit\'s capability', async () => {
    const archive = savedArchive('unit', 0);
    expect(unitValues('DynamicUser')).toEqual(['yes']);
    const withCaps = await serveAs(unitUser(true), archive);
    expect(withCaps.output).not.toMatch(/EACCES|permission denied/i);
    expect(withCaps.served).toBe(true);
    const without = await serveAs(unitUser(false), archive);
    expect(without.served).toBe(false);
    expect(without.output).toMatch(/EACCES|permission denied/i);
  });

  it('the DaemonSet\'s container reads one owned by another user, and only with the capability it adds', async () => {
    const archive = savedArchive('daemonset', 1000);
    const withCaps = await serveAs(daemonSetUser(true), archive);
    expect(withCaps.output).not.toMatch(/EACCES|permission denied/i);
    expect(withCaps.served).toBe(true);
    const without = await serveAs(daemonSetUser(false), archive);
    expect(without.served).toBe(false);
    expect(without.output).toMatch(/EACCES|permission denied/i);
  });
});
