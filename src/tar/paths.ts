// Entry names and link targets as paths inside the archive: normalized, never escaping it.

export class PathError extends Error {}

/** `./a//b/` → `a/b`; an absolute path or a `..` that climbs above the archive's root is an error. */
export function normalizeEntryName(name: string): string {
  // Already normal (most names): no `.` or `..` part, no empty part.
  if (name !== '' && !name.startsWith('/') && !name.endsWith('/') && !name.endsWith('.') && !name.includes('//') && !name.includes('./')) return name;
  if (name.startsWith('/')) throw new PathError(`absolute path "${name}"`);
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) throw new PathError(`path "${name}" escapes the archive`);
      parts.pop();
    } else {
      parts.push(part);
    }
  }
  return parts.join('/');
}

/** A symlink's target is relative to the directory holding the link. */
export function symlinkTarget(linkName: string, target: string): string {
  if (target.startsWith('/')) throw new PathError(`symlink "${linkName}" points to absolute path "${target}"`);
  const slash = linkName.lastIndexOf('/');
  const dir = slash === -1 ? '' : linkName.slice(0, slash + 1);
  try {
    return normalizeEntryName(dir + target);
  } catch {
    throw new PathError(`symlink "${linkName}" points outside the archive ("${target}")`);
  }
}
