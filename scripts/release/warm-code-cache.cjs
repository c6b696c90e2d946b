// Run by the release's own node of the target arch (./code-cache.mjs): V8's code cache of the
// executable's script, made after the script has served a pull. Node's SEA code cache
// (useCodeCache) is made when the script is compiled, before it runs, and V8 compiles a function's
// body only when it is first called: that cache holds the top-level code and little else, and a
// start compiled the rest of what it ran from source (27% of its instructions to listening,
// counted with `npm run bench -- --release --release-count`). A cache made after running also holds
// every function the run called (V8's "code caching after execution", v8.dev/blog/code-caching-for-devs).
// Usage: node warm-code-cache.cjs SCRIPT CACHE ARCHIVE...: SCRIPT is the wrapped script
// (./code-cache.mjs), served on loopback from the ARCHIVEs; CACHE is written.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { get } = require('node:http');
const { dirname } = require('node:path');
const { Script } = require('node:vm');

const [scriptFile, cacheFile, ...archives] = process.argv.slice(2);
const TIMEOUT_MS = 120_000;

/** One GET or HEAD, its body read: { status, headers, body }. */
function request(url, method = 'GET', headers = {}) {
  return new Promise((resolve, reject) => {
    get(url, { method, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    }).on('error', reject);
  });
}

const MANIFESTS = ['application/vnd.oci.image.index.v1+json', 'application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json', 'application/vnd.docker.distribution.manifest.v2+json'].join(', ');

/** What a client's pull asks, for each image: the probe, tags, manifest HEAD and GET, config and layers. */
async function pullAll(base) {
  const must = async (url, method, headers) => {
    const res = await request(url, method, headers);
    if (res.status < 200 || res.status > 299) throw new Error(`${method ?? 'GET'} ${url}: ${res.status} ${res.body}`);
    return res;
  };
  await must(`${base}/v2/`);
  const { repositories } = JSON.parse((await must(`${base}/v2/_catalog`)).body);
  for (const repo of repositories) {
    const { tags } = JSON.parse((await must(`${base}/v2/${repo}/tags/list`)).body);
    for (const tag of tags) {
      await must(`${base}/v2/${repo}/manifests/${tag}`, 'HEAD', { accept: MANIFESTS });
      const manifest = JSON.parse((await must(`${base}/v2/${repo}/manifests/${tag}`, 'GET', { accept: MANIFESTS })).body);
      for (const blob of [manifest.config, ...(manifest.layers ?? [])].filter(Boolean)) {
        await must(`${base}/v2/${repo}/blobs/${blob.digest}`, 'HEAD');
        await must(`${base}/v2/${repo}/blobs/${blob.digest}`, 'GET', { range: 'bytes=0-' });
      }
    }
  }
  // A missing blob: the error path every client meets once (a probe for a layer it lacks).
  await request(`${base}/v2/${repositories[0]}/blobs/sha256:${'0'.repeat(64)}`);
}

function fail(error) {
  process.stderr.write(`code cache warm-up failed: ${error?.stack ?? error}\n`);
  process.exit(1);
}

const script = new Script(readFileSync(scriptFile, 'utf8'), { filename: 'seed-registry.cjs' });
// The command line a start runs, as an operator types it (the access log on).
process.argv = [process.argv[0], 'seed-registry', 'serve', ...archives.flatMap((a) => ['--tar', a]), '--port', '0', '--host', '127.0.0.1'];
const log = console.log;
console.log = (line) => {
  const listening = /listening on (http:\/\/\S+)/.exec(String(line));
  if (listening === null) return;
  pullAll(listening[1]).then(() => {
    writeFileSync(cacheFile, script.createCachedData());
    log(`code cache: ${cacheFile}`);
    process.exit(0);
  }, fail);
};
setTimeout(() => fail(new Error(`not done within ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS).unref();
const module_ = { exports: {} };
script.runInThisContext()(module_.exports, require, module_, scriptFile, dirname(scriptFile));
