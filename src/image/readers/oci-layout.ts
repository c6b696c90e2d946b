// OCI image layout archives (oci-archive, `crane pull --format=oci`, buildkit `type=oci`) and
// `docker save` from Docker 25 on, which writes an OCI layout plus a legacy `manifest.json`.
// Every manifest here is stored: it is served as the archive's exact bytes. hauler stores: ./hauler.ts.
import { LoadError } from '../../load-error.js';
import { type Descriptor, isIndex, isManifest } from '../../model.js';
import type { TarIndex } from '../../tar/index.js';
import { digestFromEntryName } from '../digest.js';
import { type ArchiveContents, type FoundImage, totalSize } from '../found.js';
import { isTag } from '../../reference.js';
import { parseManifestsList } from './descriptor.js';
import { parseManifestList } from './manifest-json.js';
import { parseArchiveName, parseNameList } from './names-entry.js';
import { type Tree, TreeReader } from './oci-tree.js';
import { HAULER_INDEX_JSON, type Named, haulerNames, isHaulerIndex, layoutIndexFile } from './hauler.js';
import type { ImageName } from '../names.js';
import { INDEX_JSON, OCI_LAYOUT } from '../../source/inputs.js';

export { INDEX_JSON, OCI_LAYOUT };

const MANIFEST_JSON = 'manifest.json';
/** containerd, nerdctl and Docker 25+ put the full reference here. */
const IMAGE_NAME_ANNOTATION = 'io.containerd.image.name';
/** image-spec annotations.md: a tag, or (skopeo, buildkit) a full reference. */
const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';
/**
 * Zarf writes the full reference it pulled here, on each index.json descriptor (images/pull.go,
 * `ocispec.AnnotationBaseImageName: info.Reference`). Elsewhere it means the image's base image,
 * so it names an image only in a Zarf package.
 */
const BASE_NAME_ANNOTATION = 'org.opencontainers.image.base.name';

export interface LayoutOptions {
  /** The layout is a Zarf package's `images/`: `base.name` is the image's own full reference. */
  zarf?: boolean;
}

interface Entry {
  image: FoundImage;
  tree: Tree;
}

export async function readOciLayout(index: TarIndex, options: LayoutOptions = {}): Promise<ArchiveContents> {
  const indexFile = layoutIndexFile(index, INDEX_JSON);
  const json = await index.readJSON(indexFile);
  const hauler = indexFile === HAULER_INDEX_JSON || isHaulerIndex(json);
  if (index.has(OCI_LAYOUT)) await index.readJSON(OCI_LAYOUT);
  else if (!hauler) throw new LoadError(index.file, `has ${INDEX_JSON} but no ${OCI_LAYOUT} file: not an OCI image layout`);
  const listed = parseManifestsList(index, indexFile, json);
  const reader = new TreeReader(index);
  const warnings: string[] = [];
  const byDigest = new Map<string, Entry>();
  const named: Array<Named & { entry: Entry }> = [];
  for (const d of listed) {
    if (!isIndexOrManifest(d)) {
      warnings.push(`${index.file}: ${indexFile}: ${d.digest} has media type ${d.mediaType}; not served`);
      continue;
    }
    let entry = byDigest.get(d.digest);
    if (!entry) {
      const tree = (await reader.read(d, indexFile, true))!;
      entry = { tree, image: toImage(tree) };
      byDigest.set(d.digest, entry);
    }
    const name = annotatedName(index, indexFile, d, options);
    if (typeof name === 'string') entry.image.bareTags.push(name);
    else if (name !== undefined) named.push({ descriptor: d, name, entry });
  }
  const names = hauler ? haulerNames(named, (problem) => warnings.push(`${index.file}: ${indexFile}: ${problem}`)) : named.map((n) => n.name);
  named.forEach((n, i) => n.entry.image.names.push(names[i]!));
  const entries = [...byDigest.values()];
  // hauler derives manifest.json from its index (see hauler.ts): the index alone names its images.
  if (!hauler && index.has(MANIFEST_JSON)) await addRepoTags(index, entries);
  return { images: entries.map((e) => e.image), warnings: [...warnings, ...reader.warnings] };
}

function toImage(tree: Tree): FoundImage {
  return {
    top: tree.top,
    manifests: tree.manifests,
    blobs: tree.blobs,
    names: [],
    bareTags: [],
    platforms: tree.platforms,
    layers: tree.layers,
    size: totalSize(tree.blobs),
  };
}

function isIndexOrManifest(d: Descriptor): boolean {
  return isIndex(d.mediaType) || isManifest(d.mediaType);
}

/** The full name a descriptor's annotations give, its bare tag, or nothing. */
function annotatedName(index: TarIndex, indexFile: string, d: Descriptor, options: LayoutOptions): ImageName | string | undefined {
  const full = d.annotations?.[IMAGE_NAME_ANNOTATION] ?? (options.zarf ? d.annotations?.[BASE_NAME_ANNOTATION] : undefined);
  const ref = d.annotations?.[REF_NAME_ANNOTATION];
  if (full !== undefined) return parseArchiveName(index, indexFile, full);
  if (ref !== undefined && /[/:@]/.test(ref)) return parseArchiveName(index, indexFile, ref);
  if (ref !== undefined && !isTag(ref)) throw new LoadError(index.file, `invalid tag "${ref}" in ${REF_NAME_ANNOTATION}`, indexFile);
  return ref;
}

/** Docker 25+: `manifest.json` RepoTags name the image whose config they list. */
async function addRepoTags(index: TarIndex, entries: Entry[]): Promise<void> {
  for (const item of parseManifestList(index, await index.readJSON(MANIFEST_JSON))) {
    const config = digestFromEntryName(item.config);
    const owner = entries.find((e) => config !== undefined && e.tree.configDigests.includes(config));
    if (owner) owner.image.names.push(...parseNameList(index, MANIFEST_JSON, item.repoTags));
  }
}
