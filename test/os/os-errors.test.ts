// OS errors in words with the fix: file problems (no raw ENOENT/EACCES), permission explanations
// naming owner, mode and user, and listen failures.
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modeText, permissionProblem, type Me } from '../../src/file-access.js';
import { fileProblem, listenProblem } from '../../src/os-errors.js';
import { tempDir } from '../helpers/pack.js';

const errno = (code: string, errno?: number) => Object.assign(new Error(`${code}: raw`), { code, errno });
/** An unprivileged user for the explanations (root passes every mode check). */
const NOBODY: Me = { uid: 65534, gid: 65534, groups: [65534], name: 'nobody' };

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
  chmodSync(dir, 0o755);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('fileProblem', () => {
  it.each([
    ['ENOENT', 'no such file'],
    ['ENOTDIR', 'no such file (a part of the path is not a folder)'],
    ['ENOSPC', 'no space left on the device'],
    ['EMFILE', 'too many open files: raise the limit (ulimit -n, or LimitNOFILE= in the systemd unit)'],
  ])('%s reads as words', (code, words) => {
    expect(fileProblem('/x', errno(code))).toBe(words);
  });

  it('an unlisted code reads as the system phrase, not the code', () => {
    expect(fileProblem('/x', errno('ETXTBSY', -26))).toBe('text file is busy');
  });

  it('EACCES names the owner, mode and the user, and says chmod a+r (docker save writes 0600 files)', () => {
    const file = join(dir, 'saved.tar');
    writeFileSync(file, 'x', { mode: 0o600 });
    chmodSync(file, 0o600);
    chownSync(file, 0, 0);
    const text = permissionProblem(file, 'read', NOBODY);
    expect(text).toBe(
      `permission denied: owned by root:root with mode 0600 (rw-------) and the seed runs as nobody (uid 65534, groups nogroup): chmod a+r ${file}, or give it a group nobody is in: chgrp nogroup ${file} && chmod g+r ${file}`,
    );
  });

  it('a group other than root: says which group to add the user to', () => {
    const file = join(dir, 'group.tar');
    writeFileSync(file, 'x');
    chmodSync(file, 0o640);
    chownSync(file, 0, 4); // adm on Debian: any non-root group the user is not in
    expect(permissionProblem(file, 'read', NOBODY)).toMatch(/^permission denied: owned by root:\S+ with mode 0640 \(rw-r-----\) .*: chmod a\+r \S+, or add nobody to group \S+ \(SupplementaryGroups=/);
  });

  it('a folder on the way that refuses is named instead of the file', () => {
    const closed = join(dir, 'closed');
    mkdirSync(closed, { mode: 0o700 });
    chmodSync(closed, 0o700);
    writeFileSync(join(closed, 'a.tar'), 'x', { mode: 0o644 });
    expect(permissionProblem(join(closed, 'a.tar'), 'read', NOBODY)).toMatch(new RegExp(`^permission denied: the folder ${closed} \\(on the way to ${closed}/a\\.tar\\) is owned by root:root with mode 0700 .*: chmod a\\+x ${closed},`));
  });

  it('writing into a folder (the certificate folder): names the folder and says chown, not a world-writable chmod', () => {
    const tls = join(dir, 'tls');
    mkdirSync(tls, { mode: 0o755 });
    chmodSync(tls, 0o755);
    expect(permissionProblem(join(tls, 'ca.key'), 'write', NOBODY)).toBe(
      `permission denied: the folder ${tls} is owned by root:root with mode 0755 (rwxr-xr-x) and the seed runs as nobody (uid 65534, groups nogroup): chown nobody ${tls}, or give it a group nobody is in: chgrp nogroup ${tls} && chmod g+wx ${tls}`,
    );
  });

  it('modes that allow it: says something else refuses', () => {
    const file = join(dir, 'open.tar');
    writeFileSync(file, 'x', { mode: 0o644 });
    chmodSync(file, 0o644);
    expect(permissionProblem(file, 'read', NOBODY)).toMatch(/^permission denied, though the modes allow it \(mode 0644 \(rw-r--r--\)\): an ACL, SELinux\/AppArmor/);
  });

  it('modeText', () => {
    expect(modeText(0o100755)).toBe('0755 (rwxr-xr-x)');
  });
});

describe('listenProblem', () => {
  it('a port in use: the port and the fix, IPv6 bracketed', () => {
    expect(listenProblem(errno('EADDRINUSE'), '::', 5000)).toMatch(/^port 5000 is already in use: choose another --port/);
    expect(listenProblem(errno('EADDRINUSE'), '::1', 5000)).toMatch(/^port 5000 is already in use on \[::1\]: choose another --port/);
  });

  it('a privileged port: says which ports need privileges and how to grant them', () => {
    expect(listenProblem(errno('EACCES'), '0.0.0.0', 443, () => '1024\n')).toBe(
      'cannot listen on port 443: ports below 1024 need privileges: choose --port 5000, or grant the capability (AmbientCapabilities=CAP_NET_BIND_SERVICE in the systemd unit, setcap cap_net_bind_service=+ep on the executable)',
    );
  });

  it('an address this host does not have', () => {
    expect(listenProblem(errno('EADDRNOTAVAIL'), '10.9.9.9', 5000)).toMatch(/^cannot listen on 10\.9\.9\.9:5000: 10\.9\.9\.9 is not an address of this host/);
  });
});
