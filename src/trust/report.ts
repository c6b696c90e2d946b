// What start-up and `inspect` say of a policy's verdicts, per image: signed by which key, or refused
// and why. Signatures and other referrers are not images: they are counted apart.
import type { ImageModel, ImageRecord, Refusal } from '../model.js';

export interface TrustSummary {
  signed: ImageRecord[];
  refused: Array<ImageRecord & { trust: { refused: Refusal } }>;
  attached: number;
}

export function trustSummary(model: ImageModel): TrustSummary {
  const summary: TrustSummary = { signed: [], refused: [], attached: 0 };
  for (const r of model.images) {
    if (r.trust === undefined) continue;
    if ('signedBy' in r.trust) summary.signed.push(r);
    else if ('refused' in r.trust) summary.refused.push(r as ImageRecord & { trust: { refused: Refusal } });
    else summary.attached++;
  }
  return summary;
}

/** `serving N signed images, refusing M` with one line per refused image; `pull` makes a served image's line. */
export function trustLines(model: ImageModel, pull: (r: ImageRecord) => string): string[] {
  const s = trustSummary(model);
  const attached = s.attached === 0 ? '' : ` (and ${s.attached} signature${s.attached === 1 ? '' : 's'} or referrers attached to them)`;
  const heading = `serving ${s.signed.length} signed image${s.signed.length === 1 ? '' : 's'}, refusing ${s.refused.length}${attached}:`;
  const served = s.signed.map((r) => `  ${pull(r)}    # ${r.platforms.join(', ') || 'unknown platform'}; ${describeTrust(r)}`);
  const refused = s.refused.map((r) => `  refused ${recordName(r)} ${r.digest}: ${r.trust.refused.reason}: ${r.trust.refused.message}`);
  return [heading, ...served, ...refused];
}

export function describeTrust(r: ImageRecord): string {
  if (r.trust === undefined) return 'no signature policy';
  if ('signedBy' in r.trust) return r.trust.signedBy.startsWith('digest pinned') ? r.trust.signedBy : `signed by ${r.trust.signedBy}`;
  if ('refused' in r.trust) return `refused: ${r.trust.refused.reason}: ${r.trust.refused.message}`;
  return `signature of ${r.trust.attachedTo}`;
}

export function recordName(r: ImageRecord): string {
  return `${r.registry}/${r.repository}${r.tag === undefined ? '' : `:${r.tag}`}`;
}
