// deploy/systemd/seed-registry.service judged by systemd itself: `systemd-analyze verify` reads the
// unit as systemd would and names every key it does not know (it exits 0 for those, so the test reads
// what it prints); a broken copy shows that it does.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const UNIT = fileURLToPath(new URL('../../deploy/systemd/seed-registry.service', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sr-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Everything `systemd-analyze verify` says about a copy of the unit holding `text`. */
function verify(text: string): Promise<string> {
  const path = join(dir, 'seed-registry.service');
  writeFileSync(path, text);
  return new Promise((resolve, reject) =>
    execFile('systemd-analyze', ['verify', path], { timeout: 20_000 }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') reject(new Error('systemd-analyze not found: apt-get install -y systemd  (or: bash scripts/install-test-deps.sh)'));
      else resolve(`${stdout}${stderr}${error ? `\nexit ${String(error.code)}` : ''}`);
    }),
  );
}

describe('deploy/systemd/seed-registry.service', () => {
  const text = readFileSync(UNIT, 'utf8');

  it('systemd-analyze verify finds nothing to say', async () => {
    expect(await verify(text)).toBe('');
  });

  it('a copy with a misspelt key is named', async () => {
    expect(await verify(text.replace('PrivateTmp=', 'PrivateTmpp='))).toMatch(/Unknown key 'PrivateTmpp' in section \[Service\]/);
  });
});
