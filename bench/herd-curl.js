// `--herd-mode curl`: the herd's servers and accounting with curl in place of containerd, each
// "node" one curl fetching every layer of the image at once (-Z, as containerd fetches layers in
// parallel) into /dev/null. The nodes then cost little and read as fast as the server sends, so
// the figure is the server's cost per byte with clients that are never the bottleneck.
import { performance } from 'node:perf_hooks';
import { execFileAsync } from './proc.js';
import { childTimes, herdMeter } from './herd-cpu.js';

const PULL_TIMEOUT_MS = 30 * 60_000;

/** One curl herd against `server`: seconds until the last is done, each one's, and the CPU used. */
export async function curlHerd(server, image, nodes, ca) {
  const layers = image.layers.flatMap((l) => ['-o', '/dev/null', `${server.base}/v2/${image.repository}/blobs/${l.digest}`]);
  const args = ['-sSf', '--no-progress-meter', '-Z', '--parallel-max', String(image.layers.length), ...(ca ? ['--cacert', ca] : []), ...layers];
  const t0 = performance.now();
  const meter = herdMeter(server.pid, []);
  const cpu = [];
  const each = await Promise.all(Array.from({ length: nodes }, async () => {
    // sh's `times` (POSIX) prints the CPU its child curl used.
    const { stdout } = await execFileAsync('sh', ['-c', 'curl "$@" && times', 'sh', ...args], { timeout: PULL_TIMEOUT_MS });
    cpu.push(childTimes(stdout));
    return (performance.now() - t0) / 1000;
  }));
  const wall = (performance.now() - t0) / 1000;
  const used = meter.end(cpu.reduce((a, b) => a + b, 0));
  return { wall, each, cpu: used.server, used };
}
