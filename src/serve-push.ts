// `serve --push-to` while content changes: the first push sends everything served; after each
// reload, the references the target has not had from this seed yet (an image added, a tag moved to
// another digest, an image a signature policy newly accepts, a signature or SBOM attached to a
// pushed image as an OCI 1.1 referrer) are pushed, one line saying what.
// Removed images stay on the target: the seed only adds to it, as `push` does.
//
// Reloads arriving while a push is under way are folded into one push of the content served last:
// only what is served then matters. References are marked pushed only after a push that succeeded,
// so what a failed push (target gone, 30-minute wait over) left out is tried again at the next
// reload (or SIGHUP). The pusher (src/push/serve.ts) knows nothing of reloading: it is handed models.
import { imageName } from './image/live-rules.js';
import type { ImageModel, ImageRecord } from './model.js';
import { printable } from './printable.js';
import { contentsOf } from './push/plan.js';
import type { PushTo } from './push/serve.js';

/** One reference the target gets: registry, repository, tag (if any) and the digest it names. */
export function referenceKey(r: ImageRecord): string {
  return `${r.registry}/${r.repository}${r.tag === undefined ? '' : `:${r.tag}`}@${r.digest}`;
}

/** What the seed serves of `model`: under a signature policy, refused images are neither served nor pushed. */
export function servedRecords(model: ImageModel): ImageRecord[] {
  if (model.refused === undefined) return model.images;
  return model.images.filter((r) => !model.refused!.has(r.digest) && !(r.trust !== undefined && 'refused' in r.trust));
}

/**
 * A reference with every manifest a push of it sends (its children, then referrers: OCI 1.1
 * `subject`, src/push/plan.ts), so a referrer attached to a pushed image later makes it new again.
 */
export function pushKey(model: ImageModel, r: ImageRecord): string {
  return [referenceKey(r), ...contentsOf(model, r.digest).manifests.map((m) => m.digest)].join(' ');
}

/** The served references of `model` the target has not had yet, with all their referrers. */
export function newRecords(model: ImageModel, pushed: ReadonlySet<string>): ImageRecord[] {
  return [...unpushed(model, pushed).keys()];
}

/** Those references, each with its push key (computed once: it walks the model's manifests). */
function unpushed(model: ImageModel, pushed: ReadonlySet<string>): Map<ImageRecord, string> {
  const fresh = new Map<ImageRecord, string>();
  for (const r of servedRecords(model)) {
    const key = pushKey(model, r);
    if (!pushed.has(key)) fresh.set(r, key);
  }
  return fresh;
}

/** `model` with only `records` as its images; warnings were said at load, not again per push. */
export function onlyRecords(model: ImageModel, records: ImageRecord[]): ImageModel {
  return { ...model, images: records, warnings: [] };
}

export interface PushFollower {
  /** The first push: everything `model` serves. */
  start(model: ImageModel): void;
  /** A reload swapped `model` in: push what it serves that the target has not had. */
  reloaded(model: ImageModel): void;
  /** Resolves once no push is under way or waiting (tests). */
  idle(): Promise<void>;
}

const MAX_NAMED = 5;

/** `say` writes one line (without the `push-to: ` prefix the pusher's lines have). */
export function followReloads(pusher: Pick<PushTo, 'push'>, target: string, say: (line: string) => void): PushFollower {
  const pushed = new Set<string>();
  /** The references alone (referenceKey) among `pushed`. */
  const references = new Set<string>();
  let chain: Promise<void> = Promise.resolve();
  let latest: ImageModel | undefined;

  const run = async (model: ImageModel, reload: boolean) => {
    const keys = unpushed(model, pushed);
    const fresh = [...keys.keys()];
    if (reload && fresh.length === 0) return say(`reload: nothing new to push to ${target}`);
    // The first push is `push`'s own, warnings included; a reload's carries only what is new.
    const ok = await pusher.push(reload ? onlyRecords(model, fresh) : model);
    // Said before marking them: an image pushed before that is new only by its referrers is named so.
    const what = amount(fresh, (r) => references.has(referenceKey(r)));
    if (ok) {
      for (const [r, key] of keys) {
        pushed.add(key);
        references.add(referenceKey(r));
      }
    }
    if (!reload) return;
    if (ok) say(printable(`reload: pushed ${what} to ${target} (${describe(fresh)})`));
    else say(`reload: ${what} not pushed to ${target}; tried again at the next reload (or SIGHUP)`);
  };

  return {
    start(model) {
      chain = chain.then(() => run(model, false));
    },
    reloaded(model) {
      const queued = latest !== undefined;
      latest = model;
      if (queued) return;
      chain = chain.then(() => {
        const next = latest!;
        latest = undefined;
        return run(next, true);
      });
    },
    async idle() {
      for (let seen: Promise<void> | undefined; seen !== chain; ) {
        seen = chain;
        await chain;
      }
    },
  };
}

/** `2 new images`, `1 image with new referrers`, or both. */
function amount(records: ImageRecord[], pushedBefore: (r: ImageRecord) => boolean): string {
  const again = records.filter(pushedBefore).length;
  const added = records.length - again;
  const plural = (n: number) => (n === 1 ? '' : 's');
  const parts = [added > 0 || again === 0 ? `${added} new image${plural(added)}` : '', again > 0 ? `${again} image${plural(again)} with new referrers` : ''];
  return parts.filter(Boolean).join(' and ');
}

/** Named as the reload line names them (src/image/live-rules.ts). */
function describe(records: ImageRecord[]): string {
  const names = records.slice(0, MAX_NAMED).map(imageName);
  return records.length > MAX_NAMED ? `${names.join(', ')} and ${records.length - MAX_NAMED} more` : names.join(', ');
}
