// Gathers the images of every archive into one ImageModel: blobs and manifests by digest, tags per
// (registry, repository), one record per served image. A tag two inputs claim for different content
// is settled by ./tag-claims.ts; names follow ./names.ts (docs/names.md).
import { LoadError } from '../load-error.js';
import type { Blob, ImageModel, ImageRecord, Manifest, Repository } from '../model.js';
import type { ArchiveContents, FoundImage } from './found.js';
import { type ImageName, aliasesOf, parseImageName, preferredOf, qualifiedNamesOf } from './names.js';
import { judgeClaim, type TagClaim } from './tag-claims.js';

interface RepositoryTags {
  registry: string;
  repository: string;
  tags: Map<string, TagClaim>;
}

export interface BuilderOptions {
  /** Refuse a tag two inputs claim for different content instead of keeping the first. */
  strict?: boolean;
}

export class ModelBuilder {
  private readonly manifests = new Map<string, Manifest>();
  private readonly blobs = new Map<string, Blob>();
  private readonly repositories = new Map<string, RepositoryTags>();
  private readonly images = new Map<string, ImageRecord>();
  private readonly warnings: string[] = [];

  constructor(private readonly options: BuilderOptions = {}) {}

  /**
   * `file` names where the images were read (for messages), `input` the archive or folder given:
   * one input claiming a tag twice is refused, two inputs are settled by the claim rule.
   * `fallbackRepository` names images the archive names by a bare tag or not at all; it is asked only
   * for those (most archives name every image: no file name to clean up at start).
   */
  add(file: string, contents: ArchiveContents, fallbackRepository: () => string, input: string = file): void {
    this.warnings.push(...contents.warnings);
    let fallback: ImageName | undefined;
    const fallbackName = () => (fallback ??= parseImageName(fallbackRepository()));
    for (const image of contents.images) this.addImage({ file, input }, image, fallbackName);
  }

  build(): ImageModel {
    const repositories = new Map<string, Repository[]>();
    const put = (repository: Repository) => repositories.set(repository.name, [...(repositories.get(repository.name) ?? []), repository]);
    for (const r of this.repositories.values()) {
      const tags = new Map([...r.tags].map(([tag, claim]) => [tag, claim.digest]));
      for (const name of [r.repository, ...aliasesOf(r.registry, r.repository)]) put({ name, registry: r.registry, tags });
      for (const name of qualifiedNamesOf(r.registry, r.repository)) put({ name, registry: r.registry, tags, qualified: true });
    }
    const images = listedImages([...this.images.values()]);
    return { manifests: this.manifests, blobs: this.blobs, repositories, images, warnings: [...this.warnings, ...clashWarnings(repositories)] };
  }

  private addImage(where: { file: string; input: string }, image: FoundImage, fallback: () => ImageName): void {
    for (const m of image.manifests) if (!this.manifests.has(m.digest)) this.manifests.set(m.digest, m);
    for (const b of image.blobs) if (!this.blobs.has(b.digest)) this.blobs.set(b.digest, b);
    // Fallback names follow docker's normalisation too (`app` is docker.io `library/app`, alias `app`),
    // so a bare tag and a full name for the same repository share one tag namespace.
    const names = dedupe([...image.names, ...image.bareTags.map((tag) => ({ ...fallback(), tag }))]);
    // Untagged: still listed, and its repository known, so a pull by digest has a name to use.
    if (names.length === 0) names.push(fallback());
    for (const name of names) {
      const kept = this.claim(where, name, image.top.digest);
      const listed = kept ? name : { registry: name.registry, repository: name.repository };
      const r = record(where.file, listed, image);
      // The same image from two inputs (or twice in one) is one image: the first input names it.
      const key = `${r.registry}/${r.repository}:${r.tag ?? ''}@${r.digest}`;
      if (!this.images.has(key)) this.images.set(key, r);
    }
  }

  /** Whether this image keeps the tag; a lost claim is a warning, a refused one a LoadError. */
  private claim(where: { file: string; input: string }, name: ImageName, digest: string): boolean {
    const key = `${name.registry}/${name.repository}`;
    let repo = this.repositories.get(key);
    if (!repo) {
      repo = { registry: name.registry, repository: name.repository, tags: new Map() };
      this.repositories.set(key, repo);
    }
    if (name.tag === undefined) return true;
    const claim: TagClaim = { digest, ...where };
    const verdict = judgeClaim(`${key}:${name.tag}`, repo.tags.get(name.tag), claim, this.options.strict ?? false);
    if (verdict.kind === 'refuse') throw new LoadError(where.file, verdict.problem);
    if (verdict.kind === 'lose') {
      this.warnings.push(verdict.warning);
      return false;
    }
    if (!repo.tags.has(name.tag)) repo.tags.set(name.tag, claim);
    return true;
  }
}

/** Untagged records of an image that is also listed by a tag in the same repository add nothing. */
function listedImages(records: ImageRecord[]): ImageRecord[] {
  const tagged = new Set(records.filter((r) => r.tag !== undefined).map((r) => `${r.registry}/${r.repository}@${r.digest}`));
  return records.filter((r) => r.tag !== undefined || !tagged.has(`${r.registry}/${r.repository}@${r.digest}`));
}

/** One line per name that two registries' repositories share: which one a pull naming no registry gets. */
function clashWarnings(repositories: Map<string, Repository[]>): string[] {
  const warnings: string[] = [];
  for (const [name, candidates] of repositories) {
    const registries = [...new Set(candidates.filter((r) => !r.qualified).map((r) => r.registry))];
    if (registries.length < 2) continue;
    const preferred = preferredOf(candidates.filter((r) => !r.qualified))!.registry;
    const others = registries.filter((r) => r !== preferred).map((r) => qualifiedNamesOf(r, name)[0] ?? `${name} with ?ns=${r} (containerd)`);
    warnings.push(
      `repository ${name} comes from ${registries.join(' and ')}: a pull naming no registry gets ${preferred}'s; ` +
        `${others.length === 1 ? 'the other is' : 'the others are'} served as ${others.join(', ')} (the pull lines and configure's mirrors use that name)`,
    );
  }
  return warnings;
}

function record(file: string, name: ImageName, image: FoundImage): ImageRecord {
  const r: ImageRecord = {
    tarPath: file,
    registry: name.registry,
    repository: name.repository,
    aliases: aliasesOf(name.registry, name.repository),
    digest: image.top.digest,
    mediaType: image.top.mediaType,
    origin: image.top.origin,
    platforms: image.platforms,
    layers: image.layers,
    size: image.size,
  };
  if (name.tag !== undefined) r.tag = name.tag;
  return r;
}

function dedupe(names: ImageName[]): ImageName[] {
  const seen = new Map(names.map((n) => [`${n.registry}/${n.repository}:${n.tag ?? ''}`, n]));
  return [...seen.values()];
}
