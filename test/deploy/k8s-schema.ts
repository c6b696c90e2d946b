// Kubernetes manifests checked against the API schema of Kubernetes 1.33, offline.
// kubernetes-models 4.5.1 is generated from Kubernetes v1.33.0's OpenAPI spec (its CHANGELOG: "Update
// schema version to v1.33.0"): each model's validate() runs the schema (types, enums, required
// fields, formats) through precompiled ajv code. That schema allows fields it does not know, while
// `kubectl apply` (field validation Strict since 1.27) refuses them; so the same package's TypeScript
// interfaces judge field names: a manifest typed as IPod or IDaemonSet fails to compile with a
// field the API does not have (TypeScript's excess-property check), whatever its nesting.
import ts from 'typescript';
import { fileURLToPath } from 'node:url';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Secret } from 'kubernetes-models/v1/Secret';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';

export const KUBERNETES_VERSION = '1.33';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Kind {
  validate(doc: unknown): void;
  /** The interface and the module that declares it, for the field-name check. */
  type: string;
  from: string;
}

/** The kinds deploy/ uses, by `apiVersion/kind`. A new kind in deploy/ must be added here. */
const KINDS: Record<string, Kind> = {
  'v1/Pod': { validate: (d) => new Pod(d as never).validate(), type: 'IPod', from: 'kubernetes-models/v1/Pod' },
  'v1/Secret': { validate: (d) => new Secret(d as never).validate(), type: 'ISecret', from: 'kubernetes-models/v1/Secret' },
  'apps/v1/DaemonSet': { validate: (d) => new DaemonSet(d as never).validate(), type: 'IDaemonSet', from: 'kubernetes-models/apps/v1/DaemonSet' },
};

export interface Named {
  /** Where the document came from, for the messages: `deploy/kubernetes/x.yaml#0`. */
  name: string;
  doc: unknown;
}

function kindOf(doc: unknown): string {
  const { apiVersion, kind } = (doc ?? {}) as { apiVersion?: unknown; kind?: unknown };
  return `${String(apiVersion)}/${String(kind)}`;
}

/** Schema problems of every document, one line each; [] when all are valid. */
export function schemaErrors(docs: Named[]): string[] {
  const errors: string[] = [];
  for (const { name, doc } of docs) {
    const kind = KINDS[kindOf(doc)];
    if (kind === undefined) {
      errors.push(`${name}: ${kindOf(doc)} is not a kind this test knows (add it to KINDS)`);
      continue;
    }
    try {
      kind.validate(doc);
    } catch (error) {
      errors.push(`${name}: ${(error as Error).message}`);
    }
  }
  return errors;
}

/** The last program: the next one reuses its parsed declaration files (a few seconds each time otherwise). */
let previous: ts.Program | undefined;

/** Field names the API does not have, one line each, from one in-memory TypeScript program. */
export function unknownFieldErrors(docs: Named[]): string[] {
  const known = docs.filter((d) => KINDS[kindOf(d.doc)] !== undefined);
  const file = `${ROOT}test/deploy/manifests.generated.ts`;
  const source = known
    .map(({ doc }, i) => {
      const kind = KINDS[kindOf(doc)]!;
      return `import type { ${kind.type} as T${i} } from '${kind.from}';\nexport const m${i}: T${i} = ${JSON.stringify(doc)};\n`;
    })
    .join('');
  const host = ts.createCompilerHost({});
  const read = host.getSourceFile.bind(host);
  const exists = host.fileExists.bind(host);
  host.getSourceFile = (name, language) => (name === file ? ts.createSourceFile(name, source, language) : read(name, language));
  host.fileExists = (name) => name === file || exists(name);
  const options: ts.CompilerOptions = { strict: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, skipLibCheck: true, types: [] };
  const program = ts.createProgram([file], options, host, previous);
  previous = program;
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    const which = known[source.split('\n').slice(0, line + 1).filter((l) => l.startsWith('export const')).length - 1];
    return `${which?.name ?? 'manifests'}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}
