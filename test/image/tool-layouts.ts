// Archives as Zarf, hauler, regctl and cosign write them, built at test time from their documented
// layouts (none of these tools is in Debian). Sources read for the layouts:
// - Zarf: package layout constants (zarf.yaml, images/, components/, checksums.txt); images/pull.go
//   writes `org.opencontainers.image.base.name: <full reference>` on each images/index.json descriptor.
// - hauler: pkg/consts (`io.containerd.image.name` = full reference, `org.opencontainers.image.ref.name`
//   = reference without its registry, `kind` = dev.hauler/image | imageIndex | sigs | atts | sboms);
//   pkg/store/store.go (cosign artifacts and referrers written under their image's reference);
//   cmd/hauler/cli/store/save.go (manifest.json, `--containerd`'s filtered index.json and its
//   hauler-index.json sidecar; pull request 746, commit bedd246; released v2.0.3 for no oci-layout).
// - regctl: `regctl image export` (regclient image.go): oci-layout, index.json with one descriptor
//   (`io.containerd.image.name` = full reference, `ref.name` = tag) and manifest.json whose Config and
//   Layers are `blobs/sha256/<hex>`.
// - cosign: tags `sha256-<hex>.sig` / `.att` / `.sbom` (SIGNATURE_SPEC.md, ATTESTATION_SPEC.md);
//   OCI 1.1 referrers: a manifest with `subject` and `artifactType` (image-spec manifest.md).
import type { PackEntry } from '../helpers/pack.js';
import { OciLayout, hex } from './archives.js';

export type Described = { mediaType: string; digest: string; size: number };

export const ANNOTATION = {
  containerdName: 'io.containerd.image.name',
  refName: 'org.opencontainers.image.ref.name',
  baseName: 'org.opencontainers.image.base.name',
  haulerKind: 'kind',
};

/** Entries moved under `prefix` (`images/`). */
export function under(prefix: string, entries: PackEntry[]): PackEntry[] {
  return entries.map((e) => ({ ...e, name: prefix + e.name }));
}

/** A Zarf package: zarf.yaml, checksums.txt, components/, and images/ holding the layout. */
export function zarfPackage(oci: OciLayout, images: Array<{ ref: string; image: Described }>): PackEntry[] {
  const zarfYaml = [
    'kind: ZarfPackageConfig',
    'metadata:',
    '  name: seed-test',
    'components:',
    '  - name: images',
    '    images:',
    ...images.map((i) => `      - ${i.ref}`),
    '',
  ].join('\n');
  const top = images.map((i) => ({ ...i.image, annotations: { [ANNOTATION.baseName]: i.ref } }));
  return [
    { name: 'zarf.yaml', data: zarfYaml },
    { name: 'checksums.txt', data: '' },
    { name: 'components/images.tar', data: Buffer.alloc(1024) },
    ...under('images/', oci.pack(top)),
  ];
}

/** A hauler store: an OCI layout at the root, each descriptor with hauler's annotations. */
export function haulerStore(oci: OciLayout, items: Array<{ ref: string; image: Described; kind: string }>): PackEntry[] {
  return oci.pack(items.map((i) => ({ ...i.image, annotations: haulerAnnotations(i.ref, i.kind) })));
}

function haulerAnnotations(ref: string, kind: string): Record<string, string> {
  const withoutRegistry = ref.slice(ref.indexOf('/') + 1);
  return { [ANNOTATION.containerdName]: ref, [ANNOTATION.refName]: withoutRegistry, [ANNOTATION.haulerKind]: kind };
}

/** One entry of a hauler store's index.json, as hauler v2 writes it (pkg/store/store.go writeImage). */
export interface HaulerItem {
  image: Described;
  kind: string;
  /** The reference the artifact was added under: for cosign artifacts and referrers, their image's. */
  ref: string;
  /** AddArtifact (files, charts) sets only `kind` and `ref.name`, no containerd name. */
  file?: boolean;
}

/** hauler v2's annotations: ref.name without the registry, the full containerd name, the original ref. */
export function haulerEntry(item: HaulerItem): object {
  const withoutRegistry = item.ref.slice(item.ref.indexOf('/') + 1);
  const annotations: Record<string, string> = item.file
    ? { [ANNOTATION.haulerKind]: item.kind, [ANNOTATION.refName]: item.ref }
    : { [ANNOTATION.haulerKind]: item.kind, [ANNOTATION.refName]: withoutRegistry, [ANNOTATION.containerdName]: item.ref, 'hauler.dev/original-ref': item.ref };
  return { ...item.image, annotations };
}

/**
 * `hauler store save` (cmd/hauler/cli/store/save.go): the store's blobs, a manifest.json derived
 * from its images, `oci-layout` written unless released hauler v2 (`v2: true`: the store has none).
 * `--containerd` (pull request 746): index.json keeps only image kinds with a containerd name, the
 * full index rides as hauler-index.json. Released v2 with `--containerd` removes oci-layout and
 * writes no sidecar.
 */
export function haulerSave(oci: OciLayout, items: HaulerItem[], manifestJson: object[], mode: { containerd?: boolean; v2?: boolean } = {}): PackEntry[] {
  const full = { schemaVersion: 2, manifests: items.map(haulerEntry) };
  const isImage = (i: HaulerItem) => !i.file && (i.kind === 'dev.hauler/image' || i.kind === 'dev.hauler/imageIndex');
  const sidecar = mode.containerd && !mode.v2;
  const index = sidecar ? { schemaVersion: 2, manifests: items.filter(isImage).map(haulerEntry) } : full;
  const entries = oci.pack([], [{ name: 'manifest.json', data: manifestJson }]).filter((e) => e.name !== 'index.json' && !(mode.v2 && e.name === 'oci-layout'));
  entries.push({ name: 'index.json', data: index });
  if (sidecar) entries.push({ name: 'hauler-index.json', data: full });
  return entries;
}

/** `regctl image export`: both metadata sets for one single-platform image. */
export function regctlExport(oci: OciLayout, ref: string, tag: string, image: Described, config: string, layers: string[]): PackEntry[] {
  const blob = (digest: string) => `blobs/sha256/${hex(digest)}`;
  const manifestJson = [{ Config: blob(config), RepoTags: [ref], Layers: layers.map(blob) }];
  const top = [{ ...image, annotations: { [ANNOTATION.containerdName]: ref, [ANNOTATION.refName]: tag } }];
  return oci.pack(top, [{ name: 'manifest.json', data: manifestJson }]);
}

/** cosign's signature image for `subject`: a manifest whose one layer is the simple-signing payload. */
export function cosignSignature(oci: OciLayout, subject: Described, repository: string): Described {
  const payload = JSON.stringify({ critical: { identity: { 'docker-reference': repository }, image: { 'docker-manifest-digest': subject.digest }, type: 'cosign container image signature' }, optional: null });
  const layer = oci.blob(payload);
  const config = oci.blob(JSON.stringify({ architecture: '', created: '0001-01-01T00:00:00Z', os: '', rootfs: { type: 'layers', diff_ids: [layer.digest] }, config: {} }));
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', ...layer, annotations: { 'dev.cosignproject.cosign/signature': 'MEUCIQDtest' } }],
  };
  return { mediaType: manifest.mediaType, ...oci.blob(JSON.stringify(manifest)) };
}

/** An OCI 1.1 artifact referring to `subject` (an SBOM, as `oras attach` or cosign v3 write one). */
export function referrer(oci: OciLayout, subject: Described, artifactType: string): Described {
  const empty = oci.blob('{}');
  const layer = oci.blob(JSON.stringify({ spdxVersion: 'SPDX-2.3', name: 'test' }));
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType,
    config: { mediaType: 'application/vnd.oci.empty.v1+json', ...empty },
    layers: [{ mediaType: 'application/spdx+json', ...layer }],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' },
  };
  return { mediaType: manifest.mediaType, ...oci.blob(JSON.stringify(manifest)) };
}

/** The cosign tag for an artifact about `digest`: `sha256-<hex>.sig`. */
export function cosignTag(digest: string, suffix: 'sig' | 'att' | 'sbom'): string {
  return `sha256-${hex(digest)}.${suffix}`;
}
