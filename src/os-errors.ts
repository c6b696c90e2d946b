// System errors in words, with the fix: the one place that turns an errno code (ENOENT, EACCES,
// EADDRINUSE...) into what an operator reads. Every file read, folder listing and listen goes
// through here, so no raw code reaches a message.
import { readFileSync } from 'node:fs';
import { getSystemErrorMap } from 'node:util';
import { permissionProblem, type Access } from './file-access.js';

type Errno = NodeJS.ErrnoException;

function codeOf(error: unknown): string {
  return (error as Errno | undefined)?.code ?? '';
}

/** libuv's own phrase for an errno (`operation not permitted`), else the error's message. */
function systemPhrase(error: unknown): string {
  const errno = (error as Errno | undefined)?.errno;
  const known = errno === undefined ? undefined : getSystemErrorMap().get(errno)?.[1];
  if (known !== undefined) return known;
  return error instanceof Error ? error.message : String(error);
}

/**
 * What went wrong using `path`, as a phrase to follow `path: `: `no such file`, `permission denied:
 * … owned by root:root, mode 0600 …: chmod a+r …`, `no space left on the device`.
 * `access` is what was being done, for the permission explanation (default: reading a file).
 */
export function fileProblem(path: string, error: unknown, access: Access = 'read'): string {
  switch (codeOf(error)) {
    case 'ENOENT':
      return 'no such file';
    case 'ENOTDIR':
      return 'no such file (a part of the path is not a folder)';
    case 'EACCES':
    case 'EPERM':
      return permissionProblem(path, access);
    case 'EISDIR':
      return 'is a folder, not a file';
    case 'ELOOP':
      return 'too many levels of symbolic links (a link loop?)';
    case 'ENAMETOOLONG':
      return 'the path is too long';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'EROFS':
      return 'read-only file system';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files: raise the limit (ulimit -n, or LimitNOFILE= in the systemd unit)';
    case 'EIO':
      return 'input/output error (a failing disk or medium?)';
    default:
      return systemPhrase(error);
  }
}

/** `host:port` as a person writes it, IPv6 bracketed; `port 5000` alone for the wildcard addresses. */
function where(host: string | undefined, port: number): string {
  if (host === undefined || host === '::' || host === '0.0.0.0' || host === '') return `port ${port}`;
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The lowest port an unprivileged process may bind (Linux `ip_unprivileged_port_start`, default 1024). */
function unprivilegedStart(read: () => string): number {
  try {
    const n = Number(read().trim());
    return Number.isInteger(n) ? n : 1024;
  } catch {
    return 1024;
  }
}

/** Why `listen(port, host)` failed, in words with the fix; one line. */
export function listenProblem(error: unknown, host: string | undefined, port: number, readSysctl?: () => string): string {
  const at = where(host, port);
  switch (codeOf(error)) {
    case 'EADDRINUSE':
      return `port ${port} is already in use${at === `port ${port}` ? '' : ` on ${at.slice(0, at.lastIndexOf(':'))}`}: choose another --port, or stop what listens there (ss -ltnp 'sport = :${port}')`;
    case 'EACCES':
    case 'EPERM': {
      const start = unprivilegedStart(readSysctl ?? (() => readSysctlFile('/proc/sys/net/ipv4/ip_unprivileged_port_start')));
      if (port < start) return `cannot listen on ${at}: ports below ${start} need privileges: choose --port ${Math.max(start, 5000)}, or grant the capability (AmbientCapabilities=CAP_NET_BIND_SERVICE in the systemd unit, setcap cap_net_bind_service=+ep on the executable)`;
      return `cannot listen on ${at}: permission denied (a security policy refuses it: SELinux, AppArmor, or the service's sandbox)`;
    }
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${at}: ${host ?? 'that address'} is not an address of this host: choose one this host has (ip -brief address), or leave out --host`;
    default:
      return `cannot listen on ${at}: ${systemPhrase(error)}`;
  }
}

/** A thrown listen failure, printed as its message alone. */
export class ListenError extends Error {
  override readonly name = 'ListenError';
}

function readSysctlFile(path: string): string {
  return readFileSync(path, 'utf8');
}
