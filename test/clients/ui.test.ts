// The page in a real browser, watching a real bootstrap: the seed (TLS, Basic auth) on one host of a
// LAN of network namespaces, a node on another. Debian's Chromium, driven by playwright-core, runs in
// the seed's namespace and opens the page; the node asks with a wrong password, inspects, then pulls
// with skopeo (checking the seed's certificate against the CA it made), and the node's row appears,
// shows the image in progress, then complete, beside the refused login. The screenshot is kept in
// artifacts/ui-bootstrap.png.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, waitUntil, type Daemon } from './helpers/daemon.js';
import { createLan, netnsUnavailable, type Lan } from './helpers/lan.js';
import { run, runOk } from './helpers/run.js';
import { REPO_ROOT } from './helpers/seed.js';

const BIN = join(REPO_ROOT, 'bin/seed-registry.js');
const FIXTURE = join(REPO_ROOT, 'fixtures/seed-image.tar');
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACT = join(REPO_ROOT, 'artifacts/ui-bootstrap.png');
const PORT = 5443;
const USER = 'node';
const PASSWORD = 'pull-only secret';
const IMAGE = 'library/busybox:seed';

const unavailable = netnsUnavailable() ?? (existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing: bash scripts/install-test-deps.sh installs it`);
if (unavailable) console.warn(`ui.test.ts SKIPPED: ${unavailable}`);

let dir: string;
let lan: Lan;
let seed: Daemon;
let browser: Browser;
let seedUrl: string;

/**
 * page.goto, again when Chromium reports ERR_NETWORK_CHANGED: it watches interfaces, and the test's
 * namespaces were just made under it (seen once in CI). Any other failure is the test's answer.
 */
async function gotoSettled(page: Page, url: string): ReturnType<Page['goto']> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await page.goto(url);
    } catch (error) {
      if (attempt >= 3 || !String(error).includes('ERR_NETWORK_CHANGED')) throw error;
    }
  }
}

describe.skipIf(unavailable !== undefined)('the page, in a browser, during a pull from another host', () => {
  beforeAll(async () => {
    dir = mkdtempSync('/tmp/sr-ui-');
    lan = await createLan(['seed', 'node']);
    const address = `${lan.address.seed}:${PORT}`;
    seedUrl = `https://${address}`;
    writeFileSync(join(dir, 'htpasswd'), `${USER}:${bcrypt.hashSync(PASSWORD, 10)}\n`);
    const args = [BIN, '--tar', FIXTURE, '--host', lan.address.seed!, '--port', String(PORT), '--tls-self-signed', join(dir, 'tls'), '--advertise', address, '--htpasswd', join(dir, 'htpasswd')];
    seed = startDaemon(...lan.inside('seed', process.execPath, args), join(dir, 'seed.log'));
    await waitUntil('seed-registry', async () => /listening on https:\/\//.test(seed.log()), 60_000, seed);
    // Chromium in the seed's namespace: playwright talks to it over a pipe, so only its network moves.
    const wrapper = join(dir, 'chromium');
    writeFileSync(wrapper, `#!/bin/sh\nexec nsenter --net=/run/netns/${lan.netns.seed} ${CHROMIUM} "$@"\n`);
    chmodSync(wrapper, 0o755);
    browser = await chromium.launch({ executablePath: wrapper, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'], timeout: 60_000 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await seed?.stop();
    await lan?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('without credentials the page asks for them, as the API does', async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    // Headless Chromium cannot show the login prompt a Basic challenge opens, and says so.
    await expect(gotoSettled(page, `${seedUrl}/ui/`)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
    await context.close();
  });

  it('lists the image, then shows the node in progress and complete, and its refused login', async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, httpCredentials: { username: USER, password: PASSWORD }, colorScheme: 'dark', viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    // / sends a browser to the page.
    await gotoSettled(page, `${seedUrl}/`);
    expect(new URL(page.url()).pathname).toBe('/ui/');
    await expect(page.locator('#images th[scope=row] .name').allTextContents()).resolves.toEqual([IMAGE]);
    await expect(page.locator('#clients tr[data-address]').count()).resolves.toBe(0);

    const node = lan.address.node!;
    const certDir = join(dir, 'certs');
    mkdirSync(certDir);
    await runOk('cp', [join(dir, 'tls', 'ca.crt'), join(certDir, 'ca.crt')]);
    const skopeo = (args: string[]) => run(...lan.inside('node', 'skopeo', args), { timeoutMs: 120_000 });
    const source = `docker://${lan.address.seed}:${PORT}/${IMAGE}`;
    const wrong = await skopeo(['inspect', '--cert-dir', certDir, '--creds', `${USER}:wrong`, source]);
    expect(wrong.code).not.toBe(0);
    // Manifest and config only: the row appears with the image in progress.
    await runOk(...lan.inside('node', 'skopeo', ['inspect', '--cert-dir', certDir, '--creds', `${USER}:${PASSWORD}`, source]), { timeoutMs: 120_000 });
    const row = page.locator(`#clients tr[data-address="${node}"]`);
    await row.getByText(`${IMAGE}: 1/2 blobs`).waitFor({ timeout: 15_000 });
    await expect(row.locator('td').first().textContent()).resolves.toBe(USER);

    await runOk(...lan.inside('node', 'skopeo', ['copy', '--quiet', '--src-cert-dir', certDir, '--src-creds', `${USER}:${PASSWORD}`, source, `oci:${join(dir, 'pulled')}`]), { timeoutMs: 120_000 });
    await row.getByText(`${IMAGE}: complete`).waitFor({ timeout: 15_000 });
    await expect(page.locator('#images tr .pulled').textContent()).resolves.toBe('1');
    await expect(page.locator('#summary').textContent()).resolves.toContain('1 node: 1 done');
    // One refused login (the wrong password), not the challenge each client starts with.
    const events = await page.locator('#events li').allTextContents();
    expect(events.filter((e) => e.includes('denied'))).toHaveLength(1);
    expect(events.join('\n')).toMatch(new RegExp(`denied ${node.replace(/\./g, '\\.')} 401 GET /v2/.*\\(user ${USER}\\)`));

    // Keyboard: the first pull command's Copy button is reachable by Tab and reports what it did.
    await page.locator('#images details summary').first().focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    // The button says what it did once the clipboard answers (an await in the page), for 1.5 s.
    // Locators, not page code: the page's CSP forbids eval, which polling page code would need.
    await expect.poll(() => page.locator('#images button[data-copy]').first().textContent(), { timeout: 5_000, interval: 50 }).toMatch(/^(Copied|Selected)$/);
    expect(await page.locator(':focus').getAttribute('data-copy')).toMatch(/^docker pull /);

    mkdirSync(join(REPO_ROOT, 'artifacts'), { recursive: true });
    await page.screenshot({ path: ARTIFACT, fullPage: true });
    await context.close();
  }, 240_000);
});
