// Gathers the images of every archive into one ImageModel: blobs and manifests by digest, tags per
// (registry, repository), one record per served image. A tag claimed twice is a start-up error.
import { LoadError } from '../load-error.js';
import type { Blob, ImageModel, ImageRecord, Manifest, Repository } from '../model.js';
import type { ArchiveContents, FoundImage } from './found.js';
import { type ImageName, aliasesOf, parseImageName } from './names.js';

interface TagClaim {
  digest: string;
  file: string;
}

interface RepositoryTags {
  registry: string;
  repository: string;
  tags: Map<string, TagClaim>;
}

export class ModelBuilder {
  private readonly manifests = new Map<string, Manifest>();
  private readonly blobs = new Map<string, Blob>();
  private readonly repositories = new Map<string, RepositoryTags>();
  private readonly images: ImageRecord[] = [];
  private readonly warnings: string[] = [];

  /** `fallbackRepository` names images the archive names by a bare tag or not at all. */
  add(file: string, contents: ArchiveContents, fallbackRepository: string): void {
    this.warnings.push(...contents.warnings);
    for (const image of contents.images) this.addImage(file, image, fallbackRepository);
  }

  build(): ImageModel {
    const repositories = new Map<string, Repository[]>();
    for (const r of this.repositories.values()) {
      const tags = new Map([...r.tags].map(([tag, claim]) => [tag, claim.digest]));
      for (const name of [r.repository, ...aliasesOf(r.registry, r.repository)]) {
        const list = repositories.get(name) ?? [];
        list.push({ name, registry: r.registry, tags });
        repositories.set(name, list);
      }
    }
    return { manifests: this.manifests, blobs: this.blobs, repositories, images: this.images, warnings: this.warnings };
  }

  private addImage(file: string, image: FoundImage, fallbackRepository: string): void {
    for (const m of image.manifests) if (!this.manifests.has(m.digest)) this.manifests.set(m.digest, m);
    for (const b of image.blobs) if (!this.blobs.has(b.digest)) this.blobs.set(b.digest, b);
    // Fallback names follow docker's normalisation too (`app` is docker.io `library/app`, alias `app`),
    // so a bare tag and a full name for the same repository share one tag namespace.
    const fallback = parseImageName(fallbackRepository);
    const names = dedupe([...image.names, ...image.bareTags.map((tag) => ({ ...fallback, tag }))]);
    // Untagged: still listed, and its repository known, so a pull by digest has a name to use.
    if (names.length === 0) names.push(fallback);
    for (const name of names) {
      this.claim(file, name, image.top.digest);
      this.images.push(record(file, name, image));
    }
  }

  private claim(file: string, name: ImageName, digest: string): void {
    const key = `${name.registry}/${name.repository}`;
    let repo = this.repositories.get(key);
    if (!repo) {
      repo = { registry: name.registry, repository: name.repository, tags: new Map() };
      this.repositories.set(key, repo);
    }
    if (name.tag === undefined) return;
    const previous = repo.tags.get(name.tag);
    if (previous && previous.digest !== digest) {
      const where = previous.file === file ? `by ${previous.digest} earlier in this archive` : `by ${previous.digest} in ${previous.file}`;
      const problem = `tag ${key}:${name.tag} names ${digest} here but is already claimed ${where}`;
      throw new LoadError(file, problem);
    }
    repo.tags.set(name.tag, { digest, file });
  }
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
