// The requests `oras discover`, `cosign tree`, `cosign verify` and `cosign download sbom` send, replayed
// in order with the headers they send (neither tool is in Debian, so they cannot run here), against an
// archive holding an image, its cosign signature and attestation by tag, a cosign OCI 1.1 SBOM and a
// sigstore bundle as referrers. Each step checks what the client parses. Sources read:
// - oras-go (oras-project/oras-go 19db72b): registry/remote/repository.go (Referrers, referrersByAPI,
//   referrersPageByAPI: Content-Type compared as a string to the index type, OCI-Filters-Applied, a
//   404 without NAME_UNKNOWN read as "no referrers API" and a fallback to the `sha256-<hex>` tag;
//   manifestStore.Resolve / generateDescriptor: HEAD needs Content-Length and Docker-Content-Digest),
//   registry/remote/manifest.go (default Accept), registry/remote/utils.go (parseLink).
// - go-containerregistry (google/go-containerregistry 3f4ff3c), which cosign uses: pkg/v1/remote
//   descriptor.go (Get, Head: all manifest types), image.go (Image: image types only), fetcher.go
//   (fetchManifest, headManifest, fetchBlob: size and digest checked), referrers.go (fetchReferrers:
//   no query, Accept the index type, Content-Type compared as a string, artifactType filtered here).
// - cosign (sigstore/cosign d6d86c2): pkg/oci/remote/remote.go (SignedEntity, suffixTag, attachment,
//   attachmentExperimentalOCI), signatures.go, referrers.go, cmd/cosign/cli/tree.go,
//   cmd/cosign/cli/attach/sbom.go (the SBOM's type is its config media type, no artifactType field),
//   internal/pkg/oci/remote/remote.go (ArtifactType).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadImages } from '../../src/image/load.js';
import { tempDir } from '../helpers/pack.js';
import { OciLayout, hex, makeLayer, sha256, writeArchive } from '../image/archives.js';
import { ANNOTATION, cosignSignature, cosignTag } from '../image/tool-layouts.js';
import { type Running, serve } from './serve.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
/** oras-go defaultManifestMediaTypes, joined with ", ". */
const ORAS_ACCEPT = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  OCI_MANIFEST,
  OCI_INDEX,
  'application/vnd.oci.artifact.manifest.v1+json',
].join(', ');
/** go-containerregistry remote.Get / Head: every manifest type, joined with ",". */
const GGCR_ALL = [
  'application/vnd.docker.distribution.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
  'application/vnd.docker.distribution.manifest.v2+json',
  OCI_MANIFEST,
  'application/vnd.docker.distribution.manifest.list.v2+json',
  OCI_INDEX,
].join(',');
/** go-containerregistry remote.Image: image manifests only. */
const GGCR_IMAGE = ['application/vnd.docker.distribution.manifest.v2+json', OCI_MANIFEST].join(',');
const COSIGN_SBOM = 'application/vnd.dev.cosign.artifact.sbom.v1+json';
const BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const UNKNOWN = `sha256:${'0'.repeat(64)}`;

type Described = { mediaType: string; digest: string; size: number };

/** `cosign attach sbom --registry-referrers-mode=oci-1-1`: config media type = the artifact type. */
function cosignSbom(oci: OciLayout, subject: Described): Described & { layer: Described } {
  const config = oci.blob(JSON.stringify({ architecture: '', os: '', rootfs: { type: 'layers', diff_ids: [] }, config: {} }));
  const layer = { mediaType: 'application/spdx+json', ...oci.blob(JSON.stringify({ spdxVersion: 'SPDX-2.3', name: 'busybox' })) };
  const manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: COSIGN_SBOM, ...config }, layers: [layer], subject };
  return { mediaType: OCI_MANIFEST, ...oci.blob(JSON.stringify(manifest)), layer };
}

/** cosign v3's new bundle format: an OCI 1.1 artifact with `artifactType` and the empty config. */
function sigstoreBundle(oci: OciLayout, subject: Described): Described {
  const empty = oci.blob('{}');
  const layer = oci.blob(JSON.stringify({ mediaType: BUNDLE, verificationMaterial: {}, messageSignature: {} }));
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: BUNDLE,
    config: { mediaType: 'application/vnd.oci.empty.v1+json', ...empty },
    layers: [{ mediaType: BUNDLE, ...layer }],
    subject,
    annotations: { 'dev.sigstore.bundle.predicateType': 'https://sigstore.dev/cosign/sign/v1' },
  };
  return { mediaType: OCI_MANIFEST, ...oci.blob(JSON.stringify(manifest)) };
}

const oci = new OciLayout();
const image = oci.image([makeLayer('busybox')]);
const sig = cosignSignature(oci, image, 'docker.io/library/busybox');
const att = cosignSignature(oci, image, 'docker.io/library/busybox-att');
const sbom = cosignSbom(oci, image);
const bundle = sigstoreBundle(oci, image);
const named = (d: Described, ref: string) => ({ ...d, annotations: { [ANNOTATION.containerdName]: ref } });
const sigPayload = (JSON.parse(oci.entries.get(sig.digest)!.data!.toString()) as { layers: Described[] }).layers[0]!;

let server: Running;
beforeAll(async () => {
  const entries = oci.pack([
    named(image, 'docker.io/library/busybox:1.36'),
    named(sig, `docker.io/library/busybox:${cosignTag(image.digest, 'sig')}`),
    named(att, `docker.io/library/busybox:${cosignTag(image.digest, 'att')}`),
    named(sbom, `docker.io/library/busybox@${sbom.digest}`),
    named(bundle, `docker.io/library/busybox@${bundle.digest}`),
  ]);
  server = await serve(await loadImages([await writeArchive(await tempDir(), 'signed.tar', entries)]));
});
afterAll(() => server?.stop());

interface Step {
  name: string;
  method?: 'GET' | 'HEAD';
  path: string;
  headers?: Record<string, string>;
  status: number;
  /** Exact header values the client reads; null = must be absent. */
  expect?: Record<string, string | null>;
  /** What the client does with the body. */
  body?: (bytes: Buffer) => void;
}

const repo = '/v2/library/busybox';
const referrersOf = (bytes: Buffer) => (JSON.parse(bytes.toString()) as { mediaType: string; manifests: Array<{ digest: string; artifactType?: string; mediaType: string; size: number }> });
const digestIs = (digest: string) => (bytes: Buffer) => expect(sha256(bytes)).toBe(digest);
const manifestHeaders = (d: Described) => ({ 'content-type': d.mediaType, 'content-length': String(d.size), 'docker-content-digest': d.digest });
const errorCode = (code: string) => (bytes: Buffer) => expect((JSON.parse(bytes.toString()) as { errors: Array<{ code: string }> }).errors[0]!.code).toBe(code);

const ORAS_DISCOVER: Step[] = [
  { name: 'Resolve: HEAD the subject by tag', method: 'HEAD', path: `${repo}/manifests/1.36`, headers: { accept: ORAS_ACCEPT }, status: 200, expect: manifestHeaders(image) },
  {
    name: 'referrersPageByAPI: every referrer, Content-Type exactly the index type, no Link (one page)',
    path: `${repo}/referrers/${image.digest}`,
    status: 200,
    expect: { 'content-type': OCI_INDEX, link: null, 'oci-filters-applied': null },
    body: (bytes) => {
      const index = referrersOf(bytes);
      expect(index.mediaType).toBe(OCI_INDEX);
      expect(index.manifests.map((m) => [m.digest, m.artifactType]).sort()).toEqual([[sbom.digest, COSIGN_SBOM], [bundle.digest, BUNDLE]].sort());
    },
  },
  {
    name: '--artifact-type: filtered by the server and said so (the client filters again otherwise)',
    path: `${repo}/referrers/${image.digest}?artifactType=${encodeURIComponent(BUNDLE)}`,
    status: 200,
    expect: { 'content-type': OCI_INDEX, 'oci-filters-applied': 'artifactType' },
    body: (bytes) => expect(referrersOf(bytes).manifests.map((m) => m.digest)).toEqual([bundle.digest]),
  },
  { name: 'the tree recurses into each referrer: none below', path: `${repo}/referrers/${bundle.digest}`, status: 200, expect: { 'content-type': OCI_INDEX }, body: (bytes) => expect(referrersOf(bytes).manifests).toEqual([]) },
  { name: 'a digest nothing refers to: 200 and an empty index, never a 404 read as "no referrers API"', path: `${repo}/referrers/${UNKNOWN}`, status: 200, expect: { 'content-type': OCI_INDEX } },
  { name: 'an unknown repository: 404 NAME_UNKNOWN, which oras reports instead of falling back', path: `/v2/nope/referrers/${image.digest}`, status: 404, body: errorCode('NAME_UNKNOWN') },
  { name: 'the referrers tag schema is not written: its tag is unknown', path: `${repo}/manifests/sha256-${hex(image.digest)}`, headers: { accept: ORAS_ACCEPT }, status: 404, body: errorCode('MANIFEST_UNKNOWN') },
];

const COSIGN: Step[] = [
  { name: 'SignedEntity: remote.Get of the image', path: `${repo}/manifests/1.36`, headers: { accept: GGCR_ALL }, status: 200, expect: { 'content-type': OCI_MANIFEST }, body: digestIs(image.digest) },
  { name: 'ResolveDigest / attach: remote.Head by digest', method: 'HEAD', path: `${repo}/manifests/${image.digest}`, headers: { accept: GGCR_ALL }, status: 200, expect: manifestHeaders(image) },
  { name: 'Attestations: remote.Image of sha256-<hex>.att', path: `${repo}/manifests/${cosignTag(image.digest, 'att')}`, headers: { accept: GGCR_IMAGE }, status: 200, expect: { 'content-type': OCI_MANIFEST }, body: digestIs(att.digest) },
  { name: 'Signatures: remote.Image of sha256-<hex>.sig', path: `${repo}/manifests/${cosignTag(image.digest, 'sig')}`, headers: { accept: GGCR_IMAGE }, status: 200, expect: { 'content-type': OCI_MANIFEST }, body: digestIs(sig.digest) },
  { name: 'verify: the signature payload layer, size and digest checked', path: `${repo}/blobs/${sigPayload.digest}`, status: 200, expect: { 'content-length': String(sigPayload.size) }, body: digestIs(sigPayload.digest) },
  {
    name: 'Attachment("sbom"): remote.Referrers, no query; the SBOM is found by its config media type',
    path: `${repo}/referrers/${image.digest}`,
    headers: { accept: OCI_INDEX },
    status: 200,
    expect: { 'content-type': OCI_INDEX },
    body: (bytes) => expect(referrersOf(bytes).manifests.filter((m) => m.artifactType === COSIGN_SBOM).map((m) => m.digest)).toEqual([sbom.digest]),
  },
  { name: 'download sbom: SignedImage of the referrer by digest', path: `${repo}/manifests/${sbom.digest}`, headers: { accept: GGCR_IMAGE }, status: 200, expect: manifestHeaders(sbom), body: digestIs(sbom.digest) },
  { name: 'download sbom: its one layer', path: `${repo}/blobs/${sbom.layer.digest}`, status: 200, expect: { 'content-length': String(sbom.layer.size) }, body: digestIs(sbom.layer.digest) },
  { name: 'no sha256-<hex>.sbom tag: 404 MANIFEST_UNKNOWN, which cosign reads as none', path: `${repo}/manifests/${cosignTag(image.digest, 'sbom')}`, headers: { accept: GGCR_IMAGE }, status: 404, body: errorCode('MANIFEST_UNKNOWN') },
];

async function replay(step: Step): Promise<void> {
  const res = await server.pool.request({ method: step.method ?? 'GET', path: step.path, headers: step.headers ?? {} });
  const bytes = Buffer.from(await res.body.arrayBuffer());
  expect(res.statusCode).toBe(step.status);
  for (const [name, value] of Object.entries(step.expect ?? {})) expect(res.headers[name] ?? null, name).toBe(value);
  step.body?.(bytes);
}

describe('oras discover (oras-go), in order', () => {
  it.each(ORAS_DISCOVER)('$name', replay);
});

describe('cosign tree, verify, download sbom (go-containerregistry), in order', () => {
  it.each(COSIGN)('$name', replay);
});
