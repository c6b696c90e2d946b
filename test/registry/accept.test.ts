import { describe, expect, it } from 'vitest';
import { acceptsIndex, parseAccept } from '../../src/registry/accept.js';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

describe('parseAccept', () => {
  it('reads repeated header lines joined by node', () => {
    expect(parseAccept(`${DOCKER_MANIFEST}, ${DOCKER_LIST}, ${OCI_MANIFEST}`)).toEqual([DOCKER_MANIFEST, DOCKER_LIST, OCI_MANIFEST]);
  });
  it('drops parameters and types with q=0', () => {
    expect(parseAccept(`${OCI_INDEX};q=0, ${OCI_MANIFEST}; q=0.5, */*;q=0.1`)).toEqual([OCI_MANIFEST, '*/*']);
  });
  it('treats a missing header as no preference', () => {
    expect(parseAccept(undefined)).toEqual([]);
  });
});

describe('acceptsIndex', () => {
  const cases: [string, string | undefined, boolean][] = [
    ['no Accept header', undefined, true],
    ['docker manifest only', DOCKER_MANIFEST, false],
    ['oci manifest only', OCI_MANIFEST, false],
    ['docker list', `${DOCKER_MANIFEST}, ${DOCKER_LIST}`, true],
    ['oci index', `${OCI_MANIFEST}, ${OCI_INDEX}`, true],
    ['*/*', '*/*', true],
    ['index refused with q=0', `${OCI_MANIFEST}, ${OCI_INDEX};q=0`, false],
    ['application/*', 'application/*', true],
  ];
  it.each(cases)('%s', (_name, header, expected) => {
    expect(acceptsIndex(parseAccept(header))).toBe(expected);
  });
});
