// Every Kubernetes manifest in deploy/ against the API schema of Kubernetes 1.33 (test/deploy/k8s-schema.ts),
// not only parsed as YAML; and a deliberately broken copy, to show the check can fail.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { schemaErrors, unknownFieldErrors, type Named } from './k8s-schema.js';

const DEPLOY = fileURLToPath(new URL('../../deploy/kubernetes/', import.meta.url));

/** Each YAML document of a file; a YAML error (duplicate key, bad indentation) fails here. */
function documents(file: string): Named[] {
  const parsed = parseAllDocuments(readFileSync(file, 'utf8'), { uniqueKeys: true });
  if (!Array.isArray(parsed)) throw new Error(`${file}: not YAML documents`);
  return parsed.map((d, i) => {
    if (d.errors.length > 0) throw new Error(`${file}#${i}: ${d.errors.map((e) => e.message).join('; ')}`);
    return { name: `deploy/kubernetes/${file.split('/').pop()}#${i}`, doc: d.toJS() };
  });
}

const FILES = readdirSync(DEPLOY).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(DEPLOY, f));
const ALL = FILES.flatMap(documents);

/** A deep copy of the static pod's first document, changed by `edit`. */
function brokenPod(edit: (pod: { spec: { containers: Record<string, unknown>[] } }) => void): Named {
  const copy = structuredClone(ALL.find((d) => d.name.startsWith('deploy/kubernetes/static-pod.yaml'))!.doc) as { spec: { containers: Record<string, unknown>[] } };
  edit(copy);
  return { name: 'broken copy of static-pod.yaml', doc: copy };
}

describe('deploy/kubernetes against the Kubernetes 1.33 API schema', () => {
  it('finds the manifests', () => {
    expect(FILES.map((f) => f.split('/').pop()).sort()).toEqual(['daemonset.yaml', 'prepull-daemonset.yaml', 'static-pod.yaml']);
    expect(ALL.length).toBeGreaterThanOrEqual(3);
  });

  it('every document passes the schema (types, enums, required fields)', () => {
    expect(schemaErrors(ALL)).toEqual([]);
  });

  it('every field name is one the API has', () => {
    expect(unknownFieldErrors(ALL)).toEqual([]);
  });

  it('a copy with a misspelt field, a wrong type or a wrong enum value fails', () => {
    const misspelt = brokenPod((p) => {
      p.spec.containers[0]!['imagePulPolicy'] = p.spec.containers[0]!['imagePullPolicy'];
      delete p.spec.containers[0]!['imagePullPolicy'];
    });
    expect(unknownFieldErrors([misspelt])).toEqual([expect.stringMatching(/^broken copy of static-pod.yaml: .*'"imagePulPolicy"' does not exist in type 'IContainer'/)]);
    const wrongType = brokenPod((p) => (p.spec.containers[0]!['ports'] = [{ containerPort: '5000' }]));
    expect(schemaErrors([wrongType])).toEqual([expect.stringMatching(/containerPort must be integer/)]);
    const wrongEnum = brokenPod((p) => (p.spec.containers[0]!['imagePullPolicy'] = 'Sometimes'));
    expect(schemaErrors([wrongEnum])).toEqual([expect.stringMatching(/imagePullPolicy must be equal to one of the allowed values/)]);
    expect(schemaErrors([{ name: 'x', doc: { apiVersion: 'v1', kind: 'Nope' } }])).toEqual(['x: v1/Nope is not a kind this test knows (add it to KINDS)']);
  });
});
