// src/snapshot-guard.ts, in a real V8 startup snapshot build (`node --build-snapshot`, the builder
// `--build-sea` uses for the single executable): a module that reads the environment when it loads
// fails the build, naming what it read; one that reads it when called builds.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const GUARD = fileURLToPath(new URL('../src/snapshot-guard.ts', import.meta.url));
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'seed-registry-snapshot-guard-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Bundles an entry that imports the guard, then a module of `source`, then checks; builds a snapshot of it. */
async function buildSnapshot(name: string, source: string) {
  writeFileSync(join(dir, `${name}.ts`), source);
  const entry = join(dir, `${name}-entry.ts`);
  writeFileSync(entry, [
    `import { checkModuleEvaluation } from ${JSON.stringify(GUARD)};`,
    `import { value } from './${name}.ts';`,
    `import { startupSnapshot } from 'node:v8';`,
    'checkModuleEvaluation();',
    'startupSnapshot.setDeserializeMainFunction(() => console.log(String(value())));',
  ].join('\n'));
  const script = join(dir, `${name}.cjs`);
  await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', outfile: script, logLevel: 'error' });
  const blob = join(dir, `${name}.blob`);
  const built = spawnSync(process.execPath, ['--snapshot-blob', blob, '--build-snapshot', script], { encoding: 'utf8', timeout: 60_000, env: { PATH: process.env['PATH'] ?? '', SNAPSHOT_TEST: 'build' } });
  return { built, run: (env: Record<string, string>) => spawnSync(process.execPath, ['--snapshot-blob', blob], { encoding: 'utf8', timeout: 60_000, env }) };
}

describe('a startup snapshot of modules', () => {
  it('fails to build when a module reads the environment, the clock or the working directory as it loads, naming each', async () => {
    const { built } = await buildSnapshot('eager', [
      "const home = process.env['SNAPSHOT_TEST'] ?? '';",
      'const started = Date.now();',
      'const cwd = process.cwd();',
      'export const value = () => `${home} ${started} ${cwd}`;',
    ].join('\n'));
    expect(built.status).not.toBe(0);
    expect(built.stderr).toContain('evaluating the modules read process.env.SNAPSHOT_TEST, Date.now(), process.cwd(): a startup snapshot would keep the build machine\'s values');
  });

  it('builds when the module reads them when called, and the started snapshot sees its own environment', async () => {
    const { built, run } = await buildSnapshot('lazy', "export const value = () => process.env['SNAPSHOT_TEST'];");
    expect(built.stderr).not.toContain('evaluating the modules read');
    expect(built.status).toBe(0);
    expect(run({ SNAPSHOT_TEST: 'run' }).stdout.trim()).toBe('run');
  });
});
