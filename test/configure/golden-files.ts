// Golden files: a configuration, byte for byte, against a folder of expected files (and NOTES).
// `GOLDEN_UPDATE=1 npx vitest run test/configure` rewrites them; review the diff.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { expect } from 'vitest';
import type { NodeConfig } from '../../src/configure/index.js';

const UPDATE = process.env.GOLDEN_UPDATE === '1';

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path).map((p) => join(name, p)) : [name];
  });
}

export function checkGolden(config: NodeConfig, dir: string): void {
  const rendered = [...config.files.map((f) => [f.path, f.contents] as const), ['NOTES', config.notes.join('\n') + '\n'] as const];
  if (UPDATE) {
    for (const [path, contents] of rendered) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), contents);
    }
  }
  expect(rendered.map(([p]) => p).sort()).toEqual(listFiles(dir).map((p) => relative('.', p)).sort());
  for (const [path, contents] of rendered) expect(contents, path).toBe(readFileSync(join(dir, path), 'utf8'));
}
