// `seed-registry push`: load the tarballs, plan, reach the target, push each image (blobs a few at
// a time, then manifests children first, then tags), check every tag on the target, summarise.
import { loadImages } from '../image/load.js';
import type { ImageModel } from '../model.js';
import { SourceFiles } from '../source/files.js';
import { type Credentials } from '../client/auth.js';
import { connect, describeNetworkError, PUSH_HINTS, PUSH_TO_HINTS } from '../client/connect.js';
import { resolveCredentials } from '../client/credentials.js';
import type { RegistryClient } from '../client/http.js';
import { describePlan, type ImagePlan, planPush } from './plan.js';
import { imageLine, summaryLine, type ImageResult, type Summary, zeroOutcomes } from './report.js';
import { parseTarget } from './target.js';
import { headBlob, pushImage, verifyTags, type Verified } from './image.js';
import { isPushError } from './errors.js';
import { applyPolicy, loadPolicy, recordName, trustSummary } from '../trust/index.js';
import { printable } from '../printable.js';

export interface PushOptions {
  tars: string[];
  to: string;
  images: string[];
  repository?: string;
  username?: string;
  passwordStdin?: boolean;
  passwordFile?: string;
  ca?: string;
  insecure: boolean;
  concurrency: number;
  retries: number;
  chunkSize?: number;
  dryRun: boolean;
  json: boolean;
  /** How the command's options start: `--` (push) or `--push-` (serve --push-to), for warnings and hints. */
  optionPrefix?: '--' | '--push-';
  /** Push only images signed by one of these public keys, with their signatures (src/trust). */
  signedBy?: string[];
  allowDigests?: string;
}

/** The one error push ends with: the CLI prints its message as one line and exits 1. */
export class PushError extends Error {
  override readonly name = 'PushError';
}

export { isPushError };

const BASE_DELAY_MS = 500;

export async function runPush(o: PushOptions): Promise<void> {
  const started = performance.now();
  const policy = loadPolicy({ signedBy: o.signedBy, allowDigests: o.allowDigests });
  const model = await applyPolicy(await loadImages(o.tars, o.repository !== undefined ? { repository: o.repository } : {}), policy);
  if (policy !== undefined) for (const r of trustSummary(model).refused) process.stderr.write(`warning: not pushing ${printable(recordName(r))}: ${r.trust.refused.reason}: ${printable(r.trust.refused.message)}\n`);
  await pushModel(model, o, started);
}

/** Pushes a loaded model: `push` after loading the tarballs, `serve --push-to` with the model it serves. */
export async function pushModel(model: ImageModel, o: Omit<PushOptions, 'tars' | 'repository'>, started = performance.now()): Promise<void> {
  const target = parseTarget(o.to);
  const plans = planPush(model, target, o.images);
  const credentials: Credentials | undefined = await resolveCredentials(target.host, o);
  const say = (line: string) => (o.json ? process.stderr : process.stdout).write(`${line}\n`);
  const flag = o.optionPrefix ?? '--';
  if (o.insecure) process.stderr.write(`warning: ${flag}insecure: the TLS certificate of ${target.host} is not verified\n`);
  if (o.ca !== undefined) process.stderr.write(`warning: ${flag}ca ${o.ca}: trusting this CA for ${target.host} besides the system's\n`);
  for (const w of model.warnings) process.stderr.write(`warning: ${w}\n`);
  for (const p of plans) {
    if (p.missing.length === 0) continue;
    process.stderr.write(`warning: ${describePlan(p)} lists ${p.missing.length} blobs or manifests the archives do not hold (${p.missing.join(', ')}); the target may refuse its manifest\n`);
  }

  const policy = { attempts: o.retries + 1, baseDelayMs: BASE_DELAY_MS };
  const tls = o.ca !== undefined ? { ca: o.ca, insecure: o.insecure } : { insecure: o.insecure };
  const client = await connect(target, tls, credentials, policy, o.concurrency, flag === '--' ? PUSH_HINTS : PUSH_TO_HINTS, `${flag}ca`);
  const files = await SourceFiles.open(sourcesOf(model));
  try {
    if (o.dryRun) return await dryRun(client, plans, say, o.json);
    const results: ImageResult[] = [];
    const mountable = new Map<string, string>();
    for (const plan of plans) {
      const result = await pushImage(client, files, plan, mountable, o).catch((error: unknown) => {
        throw new PushError(`${describePlan(plan)}: ${messageOf(error)}`);
      });
      results.push(result);
      if (!o.json) say(imageLine(result));
    }
    const verified = await verifyTags(client, plans);
    const summary = summarise(client.origin, results, (performance.now() - started) / 1000);
    const wrong = verified.filter((v) => v.found !== v.expected);
    if (o.json) process.stdout.write(`${JSON.stringify({ ...summary, results, verified }, null, 2)}\n`);
    else {
      say(summaryLine(summary));
      if (wrong.length === 0) say(`verified ${verified.length} references on ${target.host}: each resolves to the digest the seed serves`);
    }
    if (wrong.length > 0) throw new PushError(`verification failed: ${wrong.map(describeMismatch).join('; ')}`);
  } finally {
    await files.close();
    await client.agent.close();
  }
}

async function dryRun(client: RegistryClient, plans: ImagePlan[], say: (line: string) => void, json: boolean): Promise<void> {
  const out = [];
  for (const plan of plans) {
    let missing = 0;
    let bytes = 0;
    for (const blob of plan.blobs) {
      if (await headBlob(client, plan.repository, blob.digest)) continue;
      missing++;
      bytes += blob.size;
    }
    const entry = { image: describePlan(plan), digest: plan.digest, blobs: plan.blobs.length, missingBlobs: missing, missingBytes: bytes, manifests: plan.manifests.length };
    out.push(entry);
    if (!json) say(`would push ${entry.image} ${plan.digest}: ${missing} of ${plan.blobs.length} blobs missing on the target (${bytes} bytes), ${plan.manifests.length} manifests, tags: ${plan.tags.join(', ') || '(none)'}`);
  }
  if (json) process.stdout.write(`${JSON.stringify({ target: client.origin, dryRun: true, images: out }, null, 2)}\n`);
  else say(`dry run: nothing was written to ${client.origin}`);
}

function summarise(target: string, results: ImageResult[], seconds: number): Summary {
  const blobs = zeroOutcomes();
  let bytes = 0;
  for (const r of results) {
    for (const k of Object.keys(blobs) as (keyof typeof blobs)[]) blobs[k] += r.blobs[k];
    bytes += r.bytes;
  }
  return { target, images: results.length, blobs, bytes, seconds };
}

function describeMismatch(v: Verified): string {
  return `${v.reference} resolves to ${v.found ?? 'nothing'} on the target, the seed serves ${v.expected}`;
}

function messageOf(error: unknown): string {
  return isPushError(error) ? error.message : describeNetworkError(error);
}

function sourcesOf(model: ImageModel) {
  return [...model.blobs.values()].map((b) => b.source);
}
