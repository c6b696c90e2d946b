// serve's TLS start against the clock: the banner's validity window, and one warning line per
// certificate out of its dates (the CA of --tls-self-signed, an operator's --tls-cert and its chain).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { wantedSans } from '../../src/tls/sans.js';
import { serverTls } from '../../src/tls/serve.js';
import { issueCa, issueServer } from '../../src/tls/x509.js';

const DAY = 24 * 3600 * 1000;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sr-tls-clock-'));
  dirs.push(dir);
  return dir;
}

const DATE = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC';

describe('--tls-self-signed', () => {
  it('shows both validity windows in the banner, and no warning when the dates are fine', async () => {
    const dir = tempDir();
    const tls = (await serverTls({ selfSignedDir: dir, advertised: [] }))!;
    expect(tls.banner[0]).toMatch(new RegExp(`^TLS certificate ${dir}/tls.crt created with a new CA, valid ${DATE} to ${DATE}$`));
    expect(tls.banner[1]).toMatch(new RegExp(`^TLS CA ${dir}/ca.crt sha256 [0-9A-F:]+, valid ${DATE} to ${DATE} `));
    expect(tls.warnings).toEqual([]);
  });

  it('warns once, naming ca.crt, its dates and rotate-ca, about a CA that starts in the future', async () => {
    const dir = tempDir();
    const later = new Date(Date.now() + 3 * DAY);
    await serverTls({ selfSignedDir: dir, advertised: [], now: later });
    const tls = (await serverTls({ selfSignedDir: dir, advertised: [] }))!;
    expect(tls.banner[0]).toContain('re-issued (server certificate not valid until');
    expect(tls.warnings).toHaveLength(1);
    expect(tls.warnings[0]).toMatch(new RegExp(`^TLS CA ${dir}/ca.crt is not valid until ${DATE} \\(valid ${DATE} to ${DATE}; this host's clock says ${DATE}\\): clients reject it; if this host's clock was ahead when the CA was made, make a new one with \`seed-registry tls rotate-ca --tls-self-signed ${dir}\``));
  });

  it('warns about a CA that expires within 30 days', async () => {
    const dir = tempDir();
    await serverTls({ selfSignedDir: dir, advertised: [], now: new Date(Date.now() - 3640 * DAY) });
    const tls = (await serverTls({ selfSignedDir: dir, advertised: [] }))!;
    expect(tls.warnings).toHaveLength(1);
    expect(tls.warnings[0]).toMatch(new RegExp(`^TLS CA ${dir}/ca.crt expires ${DATE} .*clients will reject it then; before then, make a new CA with \`seed-registry tls rotate-ca`));
  });
});

describe('--tls-cert', () => {
  /** An operator's file: a leaf made at `leafAt`, then its CA made at `caAt`. */
  async function operatorChain(leafAt: Date, caAt: Date): Promise<{ cert: string; key: string }> {
    const dir = tempDir();
    const ca = await issueCa('operator CA', caAt);
    const leaf = await issueServer(ca, wantedSans([]), leafAt);
    const cert = join(dir, 'chain.crt');
    const key = join(dir, 'tls.key');
    writeFileSync(cert, leaf.cert + ca.cert);
    writeFileSync(key, leaf.key);
    return { cert, key };
  }

  it('shows the window, and warns about a certificate expiring within 30 days with the fix', async () => {
    const { cert, key } = await operatorChain(new Date(Date.now() - 380 * DAY), new Date(Date.now() - 400 * DAY));
    const tls = (await serverTls({ cert, key, advertised: [] }))!;
    expect(tls.banner).toEqual([expect.stringMatching(new RegExp(`^TLS certificate ${cert}, key ${key}, valid ${DATE} to ${DATE}$`))]);
    expect(tls.warnings).toEqual([expect.stringMatching(new RegExp(`^TLS certificate ${cert} expires ${DATE} .*: clients will reject it then; issue a new certificate for the same names`))]);
  });

  it('warns about a certificate and a CA in the file that are not valid yet', async () => {
    const future = new Date(Date.now() + 3 * DAY);
    const { cert, key } = await operatorChain(future, future);
    const tls = (await serverTls({ cert, key, advertised: [] }))!;
    expect(tls.warnings).toHaveLength(2);
    expect(tls.warnings[0]).toMatch(new RegExp(`^TLS certificate ${cert} is not valid until ${DATE}`));
    expect(tls.warnings[1]).toMatch(new RegExp(`^TLS CA certificate "CN=operator CA" in ${cert} is not valid until ${DATE}.*renew that CA`));
  });

  it('says nothing about a certificate in its dates', async () => {
    const { cert, key } = await operatorChain(new Date(), new Date());
    expect((await serverTls({ cert, key, advertised: [] }))!.warnings).toEqual([]);
  });
});

