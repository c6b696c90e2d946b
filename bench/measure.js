// One measurement each: blob throughput over N parallel streams, a range GET, manifest load with wrk,
// and end-to-end pulls by real clients. Each returns one number (or throws: a wrong answer is not a figure).
import { performance } from 'node:perf_hooks';
import { execFileAsync } from './proc.js';
import { MANIFEST_ACCEPT } from './http.js';

const MIB = 1024 * 1024;
export const RANGE_BYTES = 64 * MIB;

const CURL_TIMEOUT_MS = 10 * 60_000;

/**
 * One GET by curl, body to /dev/null. Bulk bytes go through curl rather than node:http because on
 * this class of machine node's client tops out near 400 MiB/s, below what nginx serves (~700 MiB/s):
 * the client, not the server, would set the figure.
 */
async function curlGet(url, headers = {}) {
  const args = ['-sS', '-o', '/dev/null', '-w', '%{http_code} %{size_download}'];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  const { stdout } = await execFileAsync('curl', [...args, url], { timeout: CURL_TIMEOUT_MS });
  const [status, bytes] = stdout.trim().split(' ').map(Number);
  return { status, bytes };
}

/** MiB/s of `streams` concurrent full GETs, layer i on stream i (wrapping), all bytes checked. */
export async function blobThroughput(server, layers, streams) {
  const picks = Array.from({ length: streams }, (_, i) => layers[i % layers.length]);
  const t0 = performance.now();
  const results = await Promise.all(picks.map((layer) => curlGet(server.blobUrl(layer.digest))));
  const seconds = (performance.now() - t0) / 1000;
  results.forEach((res, i) => {
    if (res.status !== 200 || res.bytes !== picks[i].size) {
      throw new Error(`blob ${picks[i].digest}: status ${res.status}, ${res.bytes} of ${picks[i].size} bytes`);
    }
  });
  return results.reduce((sum, r) => sum + r.bytes, 0) / MIB / seconds;
}

/** MiB/s of one 64 MiB (or whole-layer, if smaller) range GET from the middle of the largest layer. */
export async function rangeThroughput(server, layers) {
  const layer = layers.reduce((a, b) => (b.size > a.size ? b : a));
  const length = Math.min(RANGE_BYTES, layer.size);
  const first = Math.floor((layer.size - length) / 2);
  const t0 = performance.now();
  const res = await curlGet(server.blobUrl(layer.digest), { range: `bytes=${first}-${first + length - 1}` });
  const seconds = (performance.now() - t0) / 1000;
  if (res.status !== 206 || res.bytes !== length) throw new Error(`range GET: status ${res.status}, ${res.bytes} of ${length} bytes`);
  return length / MIB / seconds;
}

const LATENCY_UNITS = { us: 0.001, ms: 1, s: 1000 };

function parseLatency(text) {
  const match = text.match(/^([\d.]+)(us|ms|s)$/);
  if (!match) throw new Error(`wrk latency: cannot read ${text}`);
  return Number(match[1]) * LATENCY_UNITS[match[2]];
}

/** Parses `wrk --latency` output into requests/s and p99 (ms); non-2xx answers or socket errors fail it. */
export function parseWrk(output) {
  const rps = output.match(/^Requests\/sec:\s+([\d.]+)/m);
  const p99 = output.match(/^\s+99%\s+(\S+)/m);
  if (!rps || !p99) throw new Error(`wrk: unexpected output\n${output}`);
  const non2xx = output.match(/Non-2xx or 3xx responses:\s+(\d+)/);
  if (non2xx) throw new Error(`wrk: ${non2xx[1]} non-2xx answers`);
  const errors = output.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  if (errors && errors.slice(1).some((n) => Number(n) > 0)) throw new Error(`wrk: ${errors[0]}`);
  return { rps: Number(rps[1]), p99Ms: parseLatency(p99[1]) };
}

/** Manifest GETs by tag for `seconds` at `connections` keep-alive connections (wrk, 2 threads). */
export async function manifestLoad(server, { seconds, connections }) {
  const { stdout } = await execFileAsync('wrk', ['-t2', `-c${connections}`, `-d${seconds}s`, '--latency',
    '-H', `Accept: ${MANIFEST_ACCEPT}`, server.manifestUrl], { timeout: (seconds + 30) * 1000 });
  return parseWrk(stdout);
}
