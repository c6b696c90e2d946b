// hauler stores (`hauler store save`, haul.tar.zst): an OCI layout whose index.json descriptors carry
// hauler's `kind` annotation. Read from hauler-dev/hauler (pkg/consts/consts.go, pkg/store/store.go,
// cmd/hauler/cli/store/save.go and load.go, commit bedd246 of pull request 746):
// - `--containerd` saves write index.json filtered to images for containerd's importer and the full
//   index beside it as `hauler-index.json`; hauler's `store load` prefers that sidecar, and so do we.
// - hauler v2 stores hold no `oci-layout` file and `--containerd` removed it: an index whose
//   descriptors carry a hauler kind is a layout without it.
// - A cosign signature, attestation or SBOM is stored under its IMAGE's name with kind
//   dev.hauler/sigs | atts | sboms; `hauler store copy` pushes it as `sha256-<image hex>.sig|.att|.sbom`,
//   taking the digest of the image (kind dev.hauler/image | imageIndex) of the same name.
// - An OCI 1.1 referrer has kind `dev.hauler/referrers/<hex>`, also under its image's name;
//   `store copy` pushes it by digest only: here it is untagged, reachable by digest and referrers.
// - manifest.json is derived from index.json for `docker load` (writeExportsManifest); its tags for
//   digest-pinned images (`sha256-<index hex>-linux-amd64`) name platforms, not the index: not read.
import type { Descriptor } from '../../model.js';
import { HAULER_INDEX_JSON } from '../../source/inputs.js';
import type { TarIndex } from '../../tar/index.js';
import { isObject } from '../config.js';
import type { ImageName } from '../names.js';

export { HAULER_INDEX_JSON };
const KIND = 'kind';
const KIND_PREFIX = 'dev.hauler/';
const IMAGE_KINDS = new Set(['dev.hauler/image', 'dev.hauler/imageIndex']);
const COSIGN_KINDS = new Map([
  ['dev.hauler/sigs', 'sig'],
  ['dev.hauler/atts', 'att'],
  ['dev.hauler/sboms', 'sbom'],
]);
const REFERRER_KIND = 'dev.hauler/referrers';
const COSIGN_TAG = /^sha256-[0-9a-f]{64}\.(sig|att|sbom)$/;

/** The index a layout's images are read from: hauler's full sidecar when present. */
export function layoutIndexFile(index: TarIndex, indexJson: string): string {
  return index.has(HAULER_INDEX_JSON) ? HAULER_INDEX_JSON : indexJson;
}

/** True when a descriptor of this index.json carries hauler's `kind` annotation. */
export function isHaulerIndex(json: unknown): boolean {
  const list = isObject(json) ? json['manifests'] : undefined;
  return Array.isArray(list) && list.some((d) => isObject(d) && isObject(d['annotations']) && String(d['annotations'][KIND]).startsWith(KIND_PREFIX));
}

export interface Named {
  descriptor: Descriptor;
  name: ImageName;
}

/**
 * The name each descriptor is served under, as `hauler store copy` pushes it: cosign artifacts get
 * their image's `sha256-<hex>.<suffix>` tag, referrers lose the tag. `warn` hears of a cosign
 * artifact whose image is not in the index (it is then served by digest only).
 */
export function haulerNames(named: Named[], warn: (problem: string) => void): ImageName[] {
  const images = new Map<string, string>();
  for (const { descriptor, name } of named) {
    if (IMAGE_KINDS.has(kindOf(descriptor))) images.set(nameKey(name), descriptor.digest);
  }
  return named.map(({ descriptor, name }) => {
    const kind = kindOf(descriptor);
    const suffix = COSIGN_KINDS.get(kind);
    if (suffix !== undefined) {
      // Layouts written with the cosign tag already in the name keep it.
      if (name.tag !== undefined && COSIGN_TAG.test(name.tag)) return name;
      const image = images.get(nameKey(name));
      if (image !== undefined) return { registry: name.registry, repository: name.repository, tag: `${image.replace(':', '-')}.${suffix}` };
      warn(`${descriptor.digest} (${kind}) names ${nameKey(name)}, which no image in the index has; served by digest only`);
      return untagged(name);
    }
    if (kind === REFERRER_KIND || kind.startsWith(`${REFERRER_KIND}/`)) return untagged(name);
    return name;
  });
}

function kindOf(d: Descriptor): string {
  return d.annotations?.[KIND] ?? '';
}

function nameKey(name: ImageName): string {
  return `${name.registry}/${name.repository}${name.tag === undefined ? '' : `:${name.tag}`}${name.digest === undefined ? '' : `@${name.digest}`}`;
}

function untagged(name: ImageName): ImageName {
  return { registry: name.registry, repository: name.repository };
}
