// Entry names as paths inside the archive (src/tar/paths.ts): names already normal are taken as
// they are, every other is normalized or refused the same way.
import { describe, expect, it } from 'vitest';
import { normalizeEntryName, PathError } from '../../src/tar/paths.js';

describe('normalizeEntryName', () => {
  it.each([
    ['blobs/sha256/abc', 'blobs/sha256/abc'],
    ['manifest.json', 'manifest.json'],
    ['a.b/c..d/e.', 'a.b/c..d/e.'],
    ['./manifest.json', 'manifest.json'],
    ['a//b/', 'a/b'],
    ['a/./b', 'a/b'],
    ['a/b/../c', 'a/c'],
    ['a/..', ''],
    ['.', ''],
    ['a/.', 'a'],
    ['dir/', 'dir'],
    ['', ''],
  ])('%j is %j', (name, normal) => expect(normalizeEntryName(name)).toBe(normal));

  it.each([['/etc/passwd'], ['../evil'], ['a/../../evil'], ['..']])('%j is refused', (name) => {
    expect(() => normalizeEntryName(name)).toThrow(PathError);
  });
});
