// A CA and a server certificate made with openssl, for the seed's --tls-cert/--tls-key in tests.
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { runOk } from './run.js';

export interface TestCerts {
  ca: string;
  cert: string;
  key: string;
}

/** `sans`: subjectAltName entries, e.g. `['IP:10.0.0.1', 'DNS:localhost']`. */
export async function makeCerts(dir: string, sans: string[]): Promise<TestCerts> {
  const p = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await runOk('openssl', ['req', '-x509', ...ec, '-keyout', p('ca.key'), '-out', p('ca.crt'), '-days', '2', '-subj', '/CN=seed-registry test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await runOk('openssl', ['req', ...ec, '-keyout', p('tls.key'), '-out', p('tls.csr'), '-subj', '/CN=seed-registry']);
  writeFileSync(p('ext.cnf'), `subjectAltName=${sans.join(',')}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
  await runOk('openssl', ['x509', '-req', '-in', p('tls.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', p('ext.cnf'), '-out', p('tls.crt')]);
  return { ca: p('ca.crt'), cert: p('tls.crt'), key: p('tls.key') };
}
