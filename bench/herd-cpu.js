// Where the CPU of a herd goes, read from /proc (proc(5)): the server's, the nodes' (containerd and
// the ctr clients), the machine's as a whole, and how long the server's main thread was runnable
// but not running. On a machine with few cores the nodes' own work (TLS, hashing, writing the
// content store) is most of a herd: with it, the bench says how fast any server could be.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { cpuSeconds } from './proc.js';

/** USER_HZ, the unit of /proc/stat and /proc/PID/stat (100 on every Linux build in use). */
const CLOCK_TICKS = 100;

/** Busy CPU seconds of the whole machine so far (all CPUs; idle and iowait left out), /proc/stat. */
export function machineBusySeconds() {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
  return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS;
}

/**
 * The main thread of `pid` (its task `pid`) from /proc/PID/task/PID/schedstat: seconds on a CPU,
 * seconds waiting on a run queue (runnable, not running), and timeslices. A single-threaded server
 * on a busy machine gets a fair share of one CPU; this shows when that is what it waits for.
 */
export function mainThreadSched(pid) {
  try {
    const [run, wait, slices] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').trim().split(' ').map(Number);
    return { run: run / 1e9, wait: wait / 1e9, slices };
  } catch {
    return { run: 0, wait: 0, slices: 0 };
  }
}

/** CPU seconds of the `times` line a shell prints for its children (`0m1.23s 0m0.45s`), user + system. */
export function childTimes(stdout) {
  const lines = stdout.trim().split('\n');
  const match = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/.exec(lines[lines.length - 1] ?? '');
  if (!match) throw new Error(`no times line in the output of a herd node:\n${stdout.slice(-500)}`);
  return Number(match[1]) * 60 + Number(match[2]) + Number(match[3]) * 60 + Number(match[4]);
}

/** Starts counting; `end()` gives the seconds each part used since. */
export function herdMeter(serverPid, containerdPids) {
  const nodes = () => containerdPids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const at = { server: cpuSeconds(serverPid), containerd: nodes(), machine: machineBusySeconds(), sched: mainThreadSched(serverPid) };
  return {
    end(ctrSeconds) {
      const sched = mainThreadSched(serverPid);
      return {
        server: cpuSeconds(serverPid) - at.server,
        nodes: nodes() - at.containerd + ctrSeconds,
        machine: machineBusySeconds() - at.machine,
        serverWait: sched.wait - at.sched.wait,
        serverSlices: sched.slices - at.sched.slices,
      };
    },
  };
}

/** CPUs the herd shares. */
export const CORES = availableParallelism();

