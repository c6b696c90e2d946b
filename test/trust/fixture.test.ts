// The fixture signed by the real signer (fixtures/signed/make-signed-fixture.sh: upstream skopeo
// v1.9.3 `copy --sign-by-sigstore-private-key` into distribution): what the policy decides of it.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadImages } from '../../src/image/load.js';
import type { ImageModel } from '../../src/model.js';
import { applyPolicy } from '../../src/trust/apply.js';
import { loadPolicy } from '../../src/trust/policy.js';
import { tempDir } from '../helpers/pack.js';
import { makeKey, writePublicKey } from './signer.js';

const FIXTURE = 'fixtures/signed/skopeo-signed.tar';
const KEY = 'fixtures/signed/cosign.pub';
let loaded: ImageModel;
let dir: string;

beforeAll(async () => {
  dir = await tempDir('seed-trust-fixture-');
  loaded = await loadImages([FIXTURE]);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const record = (m: ImageModel, repository: string, tag: string) => m.images.find((r) => r.repository === repository && r.tag === tag)!;

describe('skopeo 1.9.3 signatures', () => {
  it('verifies the signed image and the index skopeo signed as a whole, and refuses the unsigned one', async () => {
    const model = await applyPolicy(loaded, loadPolicy({ signedBy: [KEY] }));
    expect(record(model, 'team/app', '1').trust).toEqual({ signedBy: KEY });
    expect(record(model, 'team/multi', '1').trust).toEqual({ signedBy: KEY });
    expect(record(model, 'team/app', '2').trust).toMatchObject({ refused: { reason: 'unsigned' } });
    const index = model.manifests.get(record(model, 'team/multi', '1').digest)!;
    for (const child of index.manifests!) expect(model.refused!.has(child.digest)).toBe(false);
    // skopeo --all signs each platform manifest too: three signatures for the index, one for app:1.
    expect(model.images.filter((r) => r.trust && 'attachedTo' in r.trust)).toHaveLength(4);
  });

  it('refuses everything with another key: a well-formed signature by a key not trusted', async () => {
    const model = await applyPolicy(loaded, loadPolicy({ signedBy: [writePublicKey(dir, 'other.pub', makeKey('ecdsa-p256'))] }));
    expect(record(model, 'team/app', '1').trust).toMatchObject({ refused: { reason: 'unknown-key' } });
    expect(record(model, 'team/multi', '1').trust).toMatchObject({ refused: { reason: 'unknown-key' } });
    expect(model.repositories.get('team/app')![0]!.tags.size).toBe(0);
  });
});
