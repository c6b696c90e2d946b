// applyPolicy: the loaded model in, the served model out (docs/design/snapshot.md). A pure step of
// (model, policy): it reads the archive's signatures, checks them with the policy's keys, and returns
// a new model whose `refused` says which digests are not served and why; nothing is decided per request.
//
// What is served under a policy: an image whose signature (or pinned digest) covers it; the platform
// manifests of a served index (an index signed as a whole covers its children); the signatures and
// other referrers attached to a served image; the blobs those manifests reference. Everything else in
// the archive is refused, so nothing unsigned can be reached by digest either.
import { sha256Digest } from '../image/digest.js';
import { type ImageModel, type ImageRecord, type Refusal, type Repository, isIndex } from '../model.js';
import { isRunnable, referencedBlobs, signatureLayers, signatureTagSubject, type SignatureLayer } from './forms.js';
import type { Policy } from './policy.js';
import { judgeDigest, type DigestVerdict } from './verdict.js';

export async function applyPolicy(model: ImageModel, policy: Policy | undefined): Promise<ImageModel> {
  if (policy === undefined) return model;
  const carriers = signatureCarriers(model);
  const attached = attachments(model, carriers);
  const byDigest = new Map<string, ImageRecord[]>();
  for (const r of model.images) if (!attached.has(r.digest)) byDigest.set(r.digest, [...(byDigest.get(r.digest) ?? []), r]);
  const verdicts = new Map<string, DigestVerdict>();
  const referrers = new Map<string, string[]>();
  for (const m of model.manifests.values()) if (m.subject !== undefined) referrers.set(m.subject, [...(referrers.get(m.subject) ?? []), m.digest]);
  for (const [digest, records] of byDigest) verdicts.set(digest, await judgeDigest(model, policy, digest, records, { carriers, referrers }));

  const refused = new Map<string, Refusal>();
  const served = servedManifests(model, verdicts, attached, refused);
  for (const m of model.manifests.values()) {
    if (!served.has(m.digest) && !refused.has(m.digest)) refused.set(m.digest, { reason: 'unsigned', message: 'not part of a signed image' });
  }
  refuseUnreferencedBlobs(model, served, refused);
  const images = model.images.map((r) => ({ ...r, trust: recordTrust(r, byDigest, verdicts, attached) }));
  return { ...model, images, repositories: filterTags(model, images, refused), refused };
}

/** Every manifest that carries signatures, with its signature layers. */
function signatureCarriers(model: ImageModel): Map<string, SignatureLayer[]> {
  const carriers = new Map<string, SignatureLayer[]>();
  for (const m of model.manifests.values()) {
    const layers = signatureLayers(m);
    if (layers !== undefined) carriers.set(m.digest, layers);
  }
  return carriers;
}

/** Signature manifests and referrers → the digest they are attached to (by `subject`, or by `.sig` tag). */
function attachments(model: ImageModel, carriers: Map<string, SignatureLayer[]>): Map<string, string> {
  const attached = new Map<string, string>();
  for (const m of model.manifests.values()) {
    if (m.subject !== undefined && (carriers.has(m.digest) || !isRunnable(m))) attached.set(m.digest, m.subject);
  }
  for (const repositories of model.repositories.values()) {
    for (const repository of repositories) {
      for (const [tag, digest] of repository.tags) {
        const subject = signatureTagSubject(tag);
        // Only a manifest of signature layers passes as a signature: any other image tagged
        // `sha256-<hex>.sig` is an image like the rest and needs a signature of its own.
        if (subject !== undefined && carriers.has(digest) && !attached.has(digest)) attached.set(digest, subject);
      }
    }
  }
  return attached;
}

function servedManifests(model: ImageModel, verdicts: Map<string, DigestVerdict>, attached: Map<string, string>, refused: Map<string, Refusal>): Set<string> {
  const served = new Set<string>();
  for (const [digest, v] of verdicts) if (v.served) served.add(digest);
  // Children of a served index, then whatever is attached to something served, until nothing changes.
  for (let changed = true; changed; ) {
    changed = false;
    for (const digest of [...served]) {
      for (const child of model.manifests.get(digest)?.manifests ?? []) {
        const m = model.manifests.get(child.digest);
        if (m === undefined || served.has(m.digest)) continue;
        if (sha256Digest(m.bytes) !== m.digest) {
          refused.set(m.digest, { reason: 'digest-mismatch', message: `the archive's manifest bytes do not hash to ${m.digest} (altered archive)` });
          continue;
        }
        served.add(m.digest);
        changed = true;
      }
    }
    for (const [artifact, subject] of attached) {
      if (!served.has(artifact) && served.has(subject) && model.manifests.has(artifact)) {
        served.add(artifact);
        changed = true;
      }
    }
  }
  // A digest refused as an image of its own may still be served as a platform of a signed index.
  for (const [digest, v] of verdicts) if (!v.served && v.refusal && !served.has(digest)) refuseWithChildren(model, digest, v.refusal, served, refused);
  for (const [artifact, subject] of attached) {
    if (!served.has(artifact)) refused.set(artifact, { reason: refused.get(subject)?.reason ?? 'unsigned', message: `attached to ${subject}, which is not served` });
  }
  return served;
}

function refuseWithChildren(model: ImageModel, digest: string, refusal: Refusal, served: Set<string>, refused: Map<string, Refusal>): void {
  refused.set(digest, refusal);
  const m = model.manifests.get(digest);
  if (m === undefined || !isIndex(m.mediaType)) return;
  for (const child of m.manifests ?? []) {
    if (!served.has(child.digest) && !refused.has(child.digest)) refused.set(child.digest, { ...refusal, message: `part of ${digest}: ${refusal.message}` });
  }
}

/** A blob is served when a served manifest references it; a refused image's own blobs are not. */
function refuseUnreferencedBlobs(model: ImageModel, served: Set<string>, refused: Map<string, Refusal>): void {
  const wanted = new Set<string>();
  const owner = new Map<string, Refusal>();
  for (const m of model.manifests.values()) {
    for (const blob of referencedBlobs(m)) {
      if (served.has(m.digest)) wanted.add(blob);
      else if (!owner.has(blob)) owner.set(blob, refused.get(m.digest)!);
    }
  }
  for (const digest of model.blobs.keys()) {
    if (wanted.has(digest) || served.has(digest)) continue;
    const reason = owner.get(digest)?.reason ?? 'unsigned';
    refused.set(digest, { reason, message: `blob of no served image (${owner.get(digest)?.message ?? 'not referenced by a signed image'})` });
  }
}

function recordTrust(r: ImageRecord, byDigest: Map<string, ImageRecord[]>, verdicts: Map<string, DigestVerdict>, attached: Map<string, string>): ImageRecord['trust'] {
  const subject = attached.get(r.digest);
  if (subject !== undefined) return { attachedTo: subject };
  const records = byDigest.get(r.digest)!;
  return verdicts.get(r.digest)!.records[records.indexOf(r)];
}

/**
 * Tags of served images stay in the tag lists; every other tag moves to `refusedTags`, so a pull by
 * tag is answered 403 with its reason rather than 404.
 */
function filterTags(model: ImageModel, images: ImageRecord[], refused: Map<string, Refusal>): Map<string, Repository[]> {
  // A repository's aliases share one tag map: refusals are keyed by that map and the tag.
  const tagRefusals = new Map<Map<string, string>, Map<string, Refusal>>();
  for (const r of images) {
    if (r.tag === undefined || !r.trust || !('refused' in r.trust)) continue;
    const tags = model.repositories.get(r.repository)?.find((x) => x.registry === r.registry)?.tags;
    if (tags !== undefined) tagRefusals.set(tags, (tagRefusals.get(tags) ?? new Map()).set(r.tag, r.trust.refused));
  }
  const copies = new Map<Map<string, string>, Pick<Repository, 'tags' | 'refusedTags'>>();
  const repositories = new Map<string, Repository[]>();
  for (const [name, list] of model.repositories) {
    repositories.set(name, list.map((repository) => ({ ...repository, ...copyTags(repository.tags, refused, tagRefusals, copies) })));
  }
  return repositories;
}

function copyTags(
  tags: Map<string, string>,
  refused: Map<string, Refusal>,
  tagRefusals: Map<Map<string, string>, Map<string, Refusal>>,
  copies: Map<Map<string, string>, Pick<Repository, 'tags' | 'refusedTags'>>,
): Pick<Repository, 'tags' | 'refusedTags'> {
  const done = copies.get(tags);
  if (done !== undefined) return done;
  const copy = { tags: new Map<string, string>(), refusedTags: new Map<string, Refusal>() };
  for (const [tag, digest] of tags) {
    const refusal = refused.get(digest) ?? tagRefusals.get(tags)?.get(tag);
    if (refusal === undefined) copy.tags.set(tag, digest);
    else copy.refusedTags.set(tag, refusal);
  }
  copies.set(tags, copy);
  return copy;
}
