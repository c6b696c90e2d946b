// Why a path is not readable by this process, told from the modes: which file or folder refuses,
// its owner and mode, the user the seed runs as, and the fix. `docker save` writes 0600 files owned
// by whoever ran it, and the seed is meant to run unprivileged (a systemd unit, a DaemonSet): the
// plain `permission denied` leaves the operator guessing which of the two to change.
import { readFileSync, statSync, type Stats } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, resolve } from 'node:path';

/** What was being done: read a file, list a folder, or write into the folder holding the path. */
export type Access = 'read' | 'list' | 'write';

const R = 4;
const W = 2;
const X = 1;

/** Who the process runs as: its ids and its name (the user an operator would chmod for). */
export interface Me {
  uid: number;
  gid: number;
  groups: number[];
  name: string;
}

export function currentUser(): Me {
  const uid = process.getuid?.() ?? -1;
  const gid = process.getgid?.() ?? -1;
  let name = `uid ${uid}`;
  try {
    name = userInfo().username;
  } catch {
    // No passwd entry (a container's arbitrary uid): the number says it.
  }
  return { uid, gid, groups: process.getgroups?.() ?? [gid], name };
}

/** id → name from /etc/passwd or /etc/group; the number itself when there is no entry. */
function nameOf(file: '/etc/passwd' | '/etc/group', id: number): string {
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const fields = line.split(':');
      if (fields[2] === String(id) && fields[0]) return fields[0];
    }
  } catch {
    // Unreadable or absent: numbers only.
  }
  return String(id);
}

/** The permission bits that apply to this process for `stats` (owner, group, or other). */
function bitsFor(stats: Stats, who: Me): number {
  if (who.uid === stats.uid) return (stats.mode >> 6) & 7;
  if (who.gid === stats.gid || who.groups.includes(stats.gid)) return (stats.mode >> 3) & 7;
  return stats.mode & 7;
}

function allows(stats: Stats, who: Me, need: number): boolean {
  return who.uid === 0 || (bitsFor(stats, who) & need) === need;
}

function letters(need: number): string {
  return `${need & R ? 'r' : ''}${need & W ? 'w' : ''}${need & X ? 'x' : ''}`;
}

/** `0600 (rw-------)` */
export function modeText(mode: number): string {
  const bits = mode & 0o777;
  const rwx = [6, 3, 0].map((s) => ['r', 'w', 'x'].map((l, i) => ((bits >> s) & (4 >> i) ? l : '-')).join('')).join('');
  return `${bits.toString(8).padStart(4, '0')} (${rwx})`;
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** `/a/b/c` → `/`, `/a`, `/a/b`: the folders a lookup of the path passes through. */
function ancestors(path: string): string[] {
  const list: string[] = [];
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    list.unshift(dir);
    if (dirname(dir) === dir) return list;
  }
}

/** The phrase after `PATH: ` for an EACCES/EPERM on `path`. */
export function permissionProblem(path: string, access: Access = 'read', who: Me = currentUser()): string {
  const absolute = resolve(path);
  const target = access === 'write' ? dirname(absolute) : absolute;
  const need = access === 'read' ? R : access === 'list' ? R | X : W | X;
  for (const dir of ancestors(target)) {
    const stats = statOrUndefined(dir);
    if (stats === undefined) break;
    if (!allows(stats, who, X)) return explain(dir, stats, who, X, `the folder ${dir} (on the way to ${path})`);
  }
  const stats = statOrUndefined(target);
  if (stats !== undefined && !allows(stats, who, need)) {
    return explain(target, stats, who, need, target === absolute ? undefined : `the folder ${target}`);
  }
  const modes = stats === undefined ? '' : ` (mode ${modeText(stats.mode)})`;
  return `permission denied, though the modes allow it${modes}: an ACL, SELinux/AppArmor or the service's sandbox (systemd ProtectSystem=, ReadOnlyPaths=) refuses ${who.name}`;
}

/** `what`: the folder that refuses, when it is not the path itself. */
function explain(file: string, stats: Stats, who: Me, need: number, what: string | undefined): string {
  const owner = nameOf('/etc/passwd', stats.uid);
  const group = nameOf('/etc/group', stats.gid);
  const groups = who.groups.map((g) => nameOf('/etc/group', g)).join(', ');
  const runsAs = `the seed runs as ${who.name} (uid ${who.uid}${groups ? `, groups ${groups}` : ''})`;
  const l = letters(need);
  const groupFix =
    stats.gid === 0
      ? `or give it a group ${who.name} is in: chgrp ${nameOf('/etc/group', who.gid)} ${file} && chmod g+${l} ${file}`
      : `or add ${who.name} to group ${group} (SupplementaryGroups=${group} in a systemd unit, supplementalGroups in a pod)${((stats.mode >> 3) & need) === need ? '' : ` and chmod g+${l} ${file}`}`;
  // Writing (the certificate folder, temporary space): giving the folder to the user beats opening it to everyone.
  const first = need & W ? `chown ${who.name} ${file}` : `chmod a+${l} ${file}`;
  return `permission denied: ${what === undefined ? '' : `${what} is `}owned by ${owner}:${group} with mode ${modeText(stats.mode)} and ${runsAs}: ${first}, ${groupFix}`;
}
