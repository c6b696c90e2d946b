// `--verify`: re-hash every blob and manifest and compare with the digest it is served under, before
// serving anything. Layers are hashed in worker threads, one per core, since sha256 is CPU-bound.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { fileProblem } from '../os-errors.js';
import { LoadError } from '../load-error.js';
import type { FileSource, ImageModel, Source, TarSource } from '../model.js';
import { isObject } from './config.js';
import { sha256Digest } from './digest.js';
import { hashSource } from './hash.js';

export interface VerifyOptions {
  onProgress?: (doneBytes: number, totalBytes: number) => void;
}

/** Large reads: with 64 KiB stream chunks, per-chunk overhead rather than sha256 bounds throughput. */
const READ_CHUNK = 1 << 20;

// Inline so the worker runs the same from compiled output and from sources under test.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { createReadStream } = require('node:fs');
parentPort.on('message', async ({ path, offset, size }) => {
  try {
    const hash = createHash('sha256');
    if (size > 0) for await (const chunk of createReadStream(path, { start: offset, end: offset + size - 1, highWaterMark: ${READ_CHUNK} })) hash.update(chunk);
    parentPort.postMessage({ digest: 'sha256:' + hash.digest('hex') });
  } catch (err) {
    parentPort.postMessage({ error: String((err && err.message) || err), code: err && err.code, errno: err && err.errno });
  }
});`;

interface Job {
  digest: string;
  source: Source;
}

export async function verifyModel(model: ImageModel, options: VerifyOptions = {}): Promise<void> {
  for (const m of model.manifests.values()) {
    const actual = sha256Digest(m.bytes);
    if (actual !== m.digest) throw mismatch(model, 'manifest', m.digest, actual);
  }
  const jobs: Job[] = [...model.blobs.values()].map((b) => ({ digest: b.digest, source: b.source }));
  const total = jobs.reduce((sum, j) => sum + sizeOf(j.source), 0);
  let done = 0;
  await runPool(jobs, async (job, hash) => {
    const actual = await hash(job.source);
    done += sizeOf(job.source);
    options.onProgress?.(done, total);
    if (actual !== job.digest) throw mismatch(model, 'blob', job.digest, actual);
  });
}

type Hasher = (source: Source) => Promise<string>;

async function runPool(jobs: Job[], run: (job: Job, hash: Hasher) => Promise<void>): Promise<void> {
  const queue = [...jobs].sort((a, b) => sizeOf(b.source) - sizeOf(a.source));
  const workers = Array.from({ length: Math.min(availableParallelism(), queue.length) }, () => new Worker(WORKER_SOURCE, { eval: true }));
  try {
    await Promise.all(
      workers.map(async (worker) => {
        const hash = (source: Source) => (source.kind === 'memory' ? hashSource(source) : hashInWorker(worker, source));
        for (let job = queue.shift(); job; job = queue.shift()) await run(job, hash);
      }),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function hashInWorker(worker: Worker, source: TarSource | FileSource): Promise<string> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: { digest?: string; error?: string; code?: string; errno?: number }) => {
      worker.off('error', onError);
      if (reply.digest) return resolve(reply.digest);
      // A system error crosses the thread as its code: worded here like every other file error.
      const problem = reply.code === undefined ? reply.error : fileProblem(source.path, Object.assign(new Error(reply.error), { code: reply.code, errno: reply.errno }));
      reject(new LoadError(source.path, `cannot read bytes ${source.offset}+${source.size} (${problem})`));
    };
    const onError = (err: Error) => {
      worker.off('message', onMessage);
      reject(err);
    };
    worker.once('message', onMessage);
    worker.once('error', onError);
    worker.postMessage({ path: source.path, offset: source.offset, size: source.size });
  });
}

function sizeOf(source: Source): number {
  return source.kind === 'memory' ? source.bytes.length : source.size;
}

function mismatch(model: ImageModel, kind: string, digest: string, actual: string): LoadError {
  const image = imageOf(model, digest);
  return new LoadError(image.file, `${image.name}: ${kind} ${digest} does not match its content (sha256 is ${actual})`);
}

/** The first listed image whose manifest (or index) refers to `digest`, for the error message. */
function imageOf(model: ImageModel, digest: string): { file: string; name: string } {
  const owners = new Set([digest]);
  for (const m of model.manifests.values()) {
    if (refersTo(m.bytes, digest)) owners.add(m.digest);
  }
  for (const m of model.manifests.values()) {
    if (m.manifests?.some((d) => owners.has(d.digest))) owners.add(m.digest);
  }
  const r = model.images.find((i) => owners.has(i.digest)) ?? model.images[0];
  if (!r) return { file: 'archive', name: 'image' };
  return { file: r.tarPath, name: `image ${r.repository}${r.tag ? `:${r.tag}` : `@${r.digest}`}` };
}

function refersTo(bytes: Buffer, digest: string): boolean {
  const json: unknown = JSON.parse(bytes.toString('utf8'));
  if (!isObject(json)) return false;
  const blobs = [json['config'], ...(Array.isArray(json['layers']) ? json['layers'] : [])];
  return blobs.some((b) => isObject(b) && b['digest'] === digest);
}
