// `seed-registry tls rotate-ca --tls-self-signed DIR`: a new CA, made on purpose. `serve` never
// replaces a CA by itself (every node that copied ca.crt would stop trusting the seed); this
// command does, keeps the old pair beside it, and says what every node must then do. The server
// certificate is left as it is: the next start finds it "not signed by this CA" and issues one for
// the names that start asks for (src/tls/self-signed.ts).
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { hostname } from 'node:os';
import { LoadError } from '../load-error.js';
import { selfSignedPaths, writePrivate, writePublic } from './self-signed.js';
import { describeWindow, validityOf } from './validity.js';
import { issueCa } from './x509.js';

export interface RotatedCa {
  caCert: string;
  fingerprint: string;
  window: string;
  /** Where the previous ca.crt and ca.key were moved; absent when there was none. */
  kept?: { cert: string; key: string };
}

export async function rotateCa(dir: string, now = new Date()): Promise<RotatedCa> {
  const paths = selfSignedPaths(dir);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new LoadError(dir, `cannot create the certificate directory: ${(error as NodeJS.ErrnoException).code}`);
  }
  let kept: RotatedCa['kept'];
  if (existsSync(paths.caCert) || existsSync(paths.caKey)) {
    // A stamp to the second: two rotations never overwrite each other's kept pair.
    const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    kept = { cert: `${paths.caCert}.replaced-${stamp}`, key: `${paths.caKey}.replaced-${stamp}` };
    moveAside(paths.caCert, kept.cert);
    moveAside(paths.caKey, kept.key);
  }
  const ca = await issueCa(`seed-registry CA ${hostname()}`, now);
  writePrivate(paths.caKey, ca.key);
  writePublic(paths.caCert, ca.cert);
  const cert = new X509Certificate(ca.cert);
  const result: RotatedCa = { caCert: paths.caCert, fingerprint: cert.fingerprint256, window: describeWindow(validityOf(cert)) };
  if (kept) result.kept = kept;
  return result;
}

function moveAside(from: string, to: string): void {
  if (!existsSync(from)) return;
  try {
    renameSync(from, to);
  } catch (error) {
    throw new LoadError(from, `cannot move it aside to ${to}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** What the command prints: the new CA, then what the seed and every node must do, in order. */
export function rotateReport(dir: string, r: RotatedCa): string {
  const lines = [
    `new CA ${r.caCert} sha256 ${r.fingerprint}, ${r.window}`,
    r.kept ? `the previous CA is kept as ${r.kept.cert} and ${r.kept.key} (move them back to undo, before any node trusts the new one)` : 'there was no CA before in this directory',
    '',
    'Until every step is done, nodes that trust the old CA cannot pull from the seed.',
    `1. Restart the seed (systemctl restart seed-registry, or delete the static pod's container): it then serves a server certificate the new CA signed, and its banner prints the fingerprint above.`,
    `2. On every node, trust the new ${r.caCert} where the old one was: re-run \`seed-registry configure --runtime RUNTIME --registry HOST:PORT --ca ${r.caCert} --out node-config\` and copy node-config as the first time`,
    '   (containerd: /etc/containerd/certs.d/*/; docker, podman, CRI-O: certs.d/HOST:PORT/ca.crt; k3s, RKE2: /etc/rancher/{k3s,rke2}/seed-registry-ca.crt; Talos: talosctl patch machineconfig with the new patch).',
    '3. Restart the runtime where it reads the CA only at start: k3s and RKE2 (systemctl restart k3s, k3s-agent, rke2-server or rke2-agent). containerd, CRI-O, podman and docker read certs.d at each pull; restarting them does no harm.',
    `4. A DaemonSet of seeds (deploy/kubernetes/daemonset.yaml) serves the Secret's certificate: re-create the seed-registry-tls Secret from ${dir}/tls.crt and tls.key after step 1, then restart its pods.`,
  ];
  return `${lines.join('\n')}\n`;
}

/** The command: make the CA, print the report. */
export async function runRotateCa(dir: string): Promise<void> {
  process.stdout.write(rotateReport(dir, await rotateCa(dir)));
}
