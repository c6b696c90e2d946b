// The verdict on one manifest digest the archive names as an image: which of its names are covered by
// a valid signature (or a pinned digest), and why not when none is.
import { sha256Digest } from '../image/digest.js';
import type { ImageModel, ImageRecord, Refusal } from '../model.js';
import { checkSignature, type Checked } from './check.js';
import { signatureTagOf, type SignatureLayer } from './forms.js';
import { coverage, formatIdentity } from './identity.js';
import type { Policy } from './policy.js';

export interface DigestVerdict {
  /** Served by digest: some name of it is covered, or it is pinned. */
  served: boolean;
  /** Why not, when not served. */
  refusal?: Refusal;
  /** Per record (same order as given): signed by which key, or refused and why. */
  records: Array<{ signedBy: string } | { refused: Refusal }>;
}

type Valid = Extract<Checked, { ok: true }>;

/** What the archive holds that may sign an image: signature manifests' layers, and referrers by subject. */
export interface Signatures {
  carriers: Map<string, SignatureLayer[]>;
  referrers: Map<string, string[]>;
}

export async function judgeDigest(model: ImageModel, policy: Policy, digest: string, records: ImageRecord[], signatures: Signatures): Promise<DigestVerdict> {
  const manifest = model.manifests.get(digest);
  if (manifest === undefined || sha256Digest(manifest.bytes) !== digest) {
    return refuseAll(records, { reason: 'digest-mismatch', message: `the archive's manifest bytes do not hash to ${digest} (altered archive)` });
  }
  if (policy.allowDigests?.digests.has(digest)) {
    return { served: true, records: records.map(() => ({ signedBy: `digest pinned in ${policy.allowDigests!.file}` })) };
  }
  const layers = candidateLayers(model, digest, records, signatures);
  const checks = policy.keys.length === 0 ? [] : await Promise.all(layers.map((l) => checkSignature(model, policy.keys, l, digest)));
  const valid = checks.filter((c): c is Valid => c.ok);
  const covers = (v: Valid, r: ImageRecord, need: 'tag' | 'digest') => {
    if (v.claim.reference === undefined) return true; // the bundle form names a digest only
    const c = coverage(v.claim.reference, { registry: r.registry, repository: r.repository, ...(need === 'tag' && r.tag !== undefined && { tag: r.tag }) });
    return need === 'tag' && r.tag !== undefined ? c === 'tag' : c !== 'none';
  };
  const served = valid.some((v) => records.some((r) => covers(v, r, 'digest')));
  if (!served) return refuseAll(records, whyNot(policy, digest, checks, valid, records));
  return {
    served,
    records: records.map((r) => {
      const by = valid.find((v) => covers(v, r, 'tag'));
      if (by !== undefined) return { signedBy: by.key.name };
      const signedFor = [...new Set(valid.map((v) => v.claim.reference))].join(', ');
      return { refused: { reason: 'reference-mismatch', message: `no signature names ${formatIdentity(r)} (signed for ${signedFor})` } };
    }),
  };
}

/** The `sha256-<hex>.sig` tag in each repository naming the image, and referrers of the digest. */
function candidateLayers(model: ImageModel, digest: string, records: ImageRecord[], { carriers, referrers }: Signatures): SignatureLayer[] {
  const manifests = new Set<string>();
  const tag = signatureTagOf(digest);
  for (const r of records) {
    const repository = model.repositories.get(r.repository)?.find((x) => x.registry === r.registry);
    const carrier = repository?.tags.get(tag);
    if (carrier !== undefined) manifests.add(carrier);
  }
  for (const referrer of referrers.get(digest) ?? []) manifests.add(referrer);
  return [...manifests].flatMap((d) => carriers.get(d) ?? []);
}

const RANK: Refusal['reason'][] = ['digest-mismatch', 'unknown-key', 'bad-signature'];

function whyNot(policy: Policy, digest: string, checks: Checked[], valid: Valid[], records: ImageRecord[]): Refusal {
  const pinned = policy.allowDigests === undefined ? '' : ` and not listed in ${policy.allowDigests.file}`;
  if (valid.length > 0) {
    const names = [...new Set(records.map((r) => `${r.registry}/${r.repository}`))].join(', ');
    const refs = [...new Set(valid.map((v) => v.claim.reference))].join(', ');
    return { reason: 'reference-mismatch', message: `signed by ${valid[0]!.key.name} for ${refs}, not for ${names}${pinned}` };
  }
  const failures = checks.flatMap((c) => (c.ok ? [] : [c.refusal]));
  failures.sort((a, b) => RANK.indexOf(a.reason) - RANK.indexOf(b.reason));
  if (failures[0] !== undefined) return { ...failures[0], message: failures[0].message + pinned };
  if (policy.keys.length === 0) return { reason: 'not-allowed', message: `digest not listed in ${policy.allowDigests?.file ?? '--allow-digests'}` };
  return { reason: 'unsigned', message: `not signed: no ${signatureTagOf(digest)} tag or sigstore referrer in the archive${pinned}` };
}

function refuseAll(records: ImageRecord[], refusal: Refusal): DigestVerdict {
  return { served: false, refusal, records: records.map(() => ({ refused: refusal })) };
}
