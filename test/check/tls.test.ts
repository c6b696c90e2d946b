// The TLS verdicts on certificates made in process: the chain to the given CA (directly or through
// an intermediate the server sent), and every certificate's dates against the node's clock.
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chainVerdict, clockVerdict, trustPath } from '../../src/check/tls.js';
import { issueCa, issueServer } from '../../src/tls/x509.js';

const DAY = 24 * 3600 * 1000;
const x = (pem: string) => new X509Certificate(pem);
const sans = [{ type: 'ip' as const, value: '127.0.0.1' }];

describe('chainVerdict', () => {
  it('chains to the CA given, and names an unknown one', async () => {
    const ca = await issueCa('test CA');
    const other = await issueCa('other CA');
    const leaf = await issueServer(ca, sans);
    expect(chainVerdict([x(leaf.cert)], { certificates: [x(ca.cert)], from: 'ca.crt' })).toMatchObject({ status: 'ok', detail: expect.stringMatching(/chains to CN=test CA .* from ca\.crt$/) });
    expect(chainVerdict([x(leaf.cert)], { certificates: [x(other.cert)], from: 'other.crt' })).toMatchObject({ status: 'FAIL', detail: expect.stringMatching(/issued by CN=test CA, not by the CA in other\.crt: CN=other CA/) });
    expect(chainVerdict([x(leaf.cert)], { certificates: [] })).toMatchObject({ status: 'FAIL', detail: expect.stringMatching(/which this node does not trust/) });
  });
});

describe('clockVerdict', () => {
  it('a certificate that starts after the node\'s clock, one that expired, and a CA not yet valid', async () => {
    const now = new Date();
    const ca = await issueCa('test CA', new Date(now.getTime() - 1000 * DAY));
    const future = await issueServer(ca, sans, new Date(now.getTime() + 10 * DAY));
    const expired = await issueServer(ca, sans, new Date(now.getTime() - 900 * DAY));
    const good = await issueServer(ca, sans, now);
    const path = (leaf: string) => trustPath([x(leaf)], { certificates: [x(ca.cert)] })!;
    expect(clockVerdict(path(future.cert), now)).toMatchObject({ status: 'FAIL', detail: expect.stringMatching(/^the node's clock is \S+Z, the certificate is valid from \S+Z \(not yet valid: the node is \d+ days behind/) });
    expect(clockVerdict(path(expired.cert), now)).toMatchObject({ status: 'FAIL', detail: expect.stringMatching(/the certificate expired at /) });
    expect(clockVerdict(path(good.cert), now)).toMatchObject({ status: 'ok' });

    const lateCa = await issueCa('late CA', new Date(now.getTime() + 5 * DAY));
    const leaf = await issueServer(lateCa, sans, new Date(now.getTime() - 5 * DAY));
    expect(clockVerdict([x(leaf.cert), x(lateCa.cert)], now)).toMatchObject({ status: 'FAIL', detail: expect.stringMatching(/the CA CN=late CA is valid from/) });
  });
});
