// The processes a process started, read from /proc (proc(5)): tests that check whether a decoder
// (zstd, xz) is still running, or catch it while it runs.
import { readdir, readFile } from 'node:fs/promises';

/**
 * The processes `parent` started: from its threads' `children` lists, quick enough to catch a
 * decoder early; a kernel without them is walked through /proc instead.
 */
export async function childrenOf(parent: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${parent}/task`).catch(() => [] as string[]);
  const lists = await Promise.all(tasks.map((t) => readFile(`/proc/${parent}/task/${t}/children`, 'utf8').catch(() => undefined)));
  if (lists.some((l) => l !== undefined)) return lists.join(' ').split(' ').filter((p) => /^\d+$/.test(p)).map(Number);
  const pids: number[] = [];
  for (const pid of (await readdir('/proc')).filter((p) => /^\d+$/.test(p))) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    if (Number(/^\d+ \(.*\) \S+ (\d+)/s.exec(stat)?.[1]) === parent) pids.push(Number(pid));
  }
  return pids;
}

/** Those of `parent`'s processes whose command name is `name` (one that exits meanwhile is left out). */
export async function childrenNamed(parent: number, name: string): Promise<number[]> {
  const comms = await Promise.all((await childrenOf(parent)).map(async (pid) => [pid, await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')] as const));
  return comms.filter(([, comm]) => comm.trim() === name).map(([pid]) => pid);
}
