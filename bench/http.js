// The benchmark's HTTP client: raw node:http, bodies counted and dropped, never buffered,
// so the client costs the same for every server it measures.
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';

export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

const REQUEST_TIMEOUT_MS = 120_000;

/** The CA https:// URLs are verified against (the TLS section's self-signed one). */
let trustedCa;
export function trustCa(pem) {
  trustedCa = pem;
}

/** GETs `url`; resolves with status, headers, body byte count and (when `keep`) the body. */
export function get(url, { headers = {}, keep = false, timeoutMs = REQUEST_TIMEOUT_MS } = {}) {
  return new Promise((resolve, reject) => {
    const https = url.startsWith('https:');
    const req = (https ? httpsRequest : request)(url, { headers, agent: false, ...(https && { ca: trustedCa }) }, (res) => {
      let bytes = 0;
      const kept = [];
      res.on('data', (chunk) => {
        bytes += chunk.length;
        if (keep) kept.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, bytes, body: keep ? Buffer.concat(kept) : undefined }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${url}: no progress for ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `url` every `intervalMs` until it answers 200 or `deadline` (performance.now()) passes. */
export async function waitFor200(url, { headers = {}, deadline, intervalMs = 2, proc } = {}) {
  let last = 'no answer';
  for (let attempt = 0; performance.now() < deadline && attempt < 1_000_000; attempt++) {
    if (proc?.exited) throw new Error(`${proc.name} exited while waiting for ${url}\n${proc.output}`);
    try {
      const res = await get(url, { headers, timeoutMs: 5000 });
      if (res.status === 200) return performance.now();
      last = `status ${res.status}`;
    } catch (err) {
      last = err.code ?? err.message;
    }
    await sleep(intervalMs);
  }
  throw new Error(`${url}: not 200 before the deadline (last: ${last})`);
}

/** Fetches and parses a manifest (JSON) with every manifest media type accepted. */
export async function getManifest(url) {
  const res = await get(url, { headers: { accept: MANIFEST_ACCEPT }, keep: true });
  if (res.status !== 200) throw new Error(`GET ${url}: status ${res.status}`);
  return JSON.parse(res.body.toString('utf8'));
}
