// What to push, in what order: per target repository and top manifest, the blobs its manifests
// list, then the manifests with children before the index that lists them and referrers (OCI 1.1
// `subject`) after their subject, then the tags. Pure: no I/O; what the target already holds is
// found out by upload.ts.
import { namesImage, pullName } from '../image/pull-names.js';
import { type Blob, type ImageModel, type ImageRecord, type Manifest } from '../model.js';
import { targetRepository, type Target } from './target.js';

export interface ImagePlan {
  /** Repository on the target (prefix included). */
  repository: string;
  /** Top manifest: what the tags name. */
  digest: string;
  tags: string[];
  /** In push order: children, then the top manifest, then referrers. */
  manifests: Manifest[];
  /** Every blob those manifests list that the archives hold, once each. */
  blobs: Blob[];
  /** Blobs listed but not in the archives (platforms left out of a save, foreign layers). */
  missing: string[];
}

export class PlanError extends Error {
  override readonly name = 'PlanError';
}

/** `repo:tag[,tag]`, or `repo@digest` when untagged: how an image is named in output. */
export function describePlan(p: ImagePlan): string {
  return p.tags.length > 0 ? `${p.repository}:${p.tags.join(',')}` : `${p.repository}@${p.digest}`;
}

export function planPush(model: ImageModel, target: Target, filters: string[] = []): ImagePlan[] {
  const records = servedOnly(model, selectRecords(model, filters), filters);
  const plans = new Map<string, ImagePlan>();
  const tagOwners = new Map<string, string>();
  for (const record of records) {
    // The seed serves `library/x` also as `x`; the target gets both names, so the same pulls work.
    for (const name of [record.repository, ...record.aliases]) {
      const repository = targetRepository(target, name);
      const key = `${repository}@${record.digest}`;
      let plan = plans.get(key);
      if (plan === undefined) {
        plan = { repository, digest: record.digest, tags: [], ...contentsOf(model, record.digest) };
        plans.set(key, plan);
      }
      if (record.tag === undefined || plan.tags.includes(record.tag)) continue;
      const tagKey = `${repository}:${record.tag}`;
      const owner = tagOwners.get(tagKey);
      if (owner !== undefined && owner !== record.digest) {
        throw new PlanError(`${tagKey} would name both ${owner} and ${record.digest} on the target (same name from two source registries); push them with different --to prefixes using --image`);
      }
      tagOwners.set(tagKey, record.digest);
      plan.tags.push(record.tag);
    }
  }
  return [...plans.values()];
}

/**
 * Under a signature policy (`push --signed-by`, `serve --push-to` of a policy's model) only what the
 * seed would serve is pushed: signed images, their signatures and referrers. An image asked for by
 * `--image` that the policy refuses is an error naming why.
 */
function servedOnly(model: ImageModel, records: ImageRecord[], filters: string[]): ImageRecord[] {
  if (model.refused === undefined) return records;
  const served = records.filter((r) => !model.refused!.has(r.digest) && !(r.trust !== undefined && 'refused' in r.trust));
  if (filters.length > 0 && served.length === 0 && records.length > 0) {
    const r = records[0]!;
    const refusal = r.trust !== undefined && 'refused' in r.trust ? r.trust.refused : model.refused.get(r.digest);
    throw new PlanError(`--image ${filters.join(', ')}: refused by the signature policy: ${refusal?.message ?? 'not signed'}`);
  }
  return served;
}

/** The images `--image` names, by every name the banner and `inspect` print (src/image/pull-names.ts). */
function selectRecords(model: ImageModel, filters: string[]): ImageRecord[] {
  const images = model.images;
  if (filters.length === 0) return images;
  const chosen = new Set<ImageRecord>();
  for (const filter of filters) {
    const matches = images.filter((r) => namesImage(model, r, filter));
    if (matches.length === 0) {
      const known = [...new Set(images.map((r) => (r.tag ? `${pullName(model, r)}:${r.tag}` : pullName(model, r))))].join(', ');
      throw new PlanError(`--image ${filter}: no such image in the archives (they hold ${known})`);
    }
    for (const m of matches) chosen.add(m);
  }
  return images.filter((r) => chosen.has(r));
}

/** Manifests reachable from `top` (children first), its referrers after it, and their blobs. */
export function contentsOf(model: ImageModel, top: string): Pick<ImagePlan, 'manifests' | 'blobs' | 'missing'> {
  const ordered: Manifest[] = [];
  const seen = new Set<string>();
  const missing = new Set<string>();
  const visit = (digest: string) => {
    if (seen.has(digest)) return;
    const manifest = model.manifests.get(digest);
    if (manifest === undefined) return void missing.add(digest); // a platform left out of the archive
    seen.add(digest);
    for (const child of manifest.manifests ?? []) visit(child.digest);
    ordered.push(manifest);
  };
  visit(top);
  // Referrers of anything pushed, and theirs in turn, each after its subject: `ordered` grows as
  // they are visited, so theirs are reached too.
  const referrers = referrersOf(model);
  for (let i = 0; i < ordered.length; i++) {
    for (const digest of referrers.get(ordered[i]!.digest) ?? []) if (!model.refused?.has(digest)) visit(digest);
  }
  const blobs = new Map<string, Blob>();
  for (const m of ordered) {
    for (const digest of blobDigests(m)) {
      const blob = model.blobs.get(digest);
      if (blob) blobs.set(digest, blob);
      else if (!model.manifests.has(digest)) missing.add(digest);
    }
  }
  return { manifests: ordered, blobs: [...blobs.values()], missing: [...missing] };
}

/**
 * Subject → the manifests naming it, made once per model: looking through every manifest for each
 * image pushed took 5.9 s for 4,000 images with 24,000 manifests (a push, and every reload of
 * `serve --push-to`, which keys what it pushed by these contents).
 */
const referrersByModel = new WeakMap<ImageModel, Map<string, string[]>>();

function referrersOf(model: ImageModel): Map<string, string[]> {
  let referrers = referrersByModel.get(model);
  if (referrers === undefined) {
    referrers = new Map();
    for (const m of model.manifests.values()) {
      if (m.subject === undefined) continue;
      const list = referrers.get(m.subject);
      if (list === undefined) referrers.set(m.subject, [m.digest]);
      else list.push(m.digest);
    }
    referrersByModel.set(model, referrers);
  }
  return referrers;
}

interface ManifestDoc {
  config?: { digest?: unknown };
  layers?: { digest?: unknown }[];
  blobs?: { digest?: unknown }[];
}

/** The config and layers an image manifest lists (and `blobs` of an artifact manifest). */
export function blobDigests(m: Manifest): string[] {
  if (m.manifests !== undefined) return [];
  const doc = JSON.parse(m.bytes.toString('utf8')) as ManifestDoc;
  const digests = [doc.config, ...(doc.layers ?? []), ...(doc.blobs ?? [])].map((d) => d?.digest);
  return digests.filter((d): d is string => typeof d === 'string');
}
