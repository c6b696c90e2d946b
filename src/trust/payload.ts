// What a signature says, read as strictly as its verifier reads it.
// - simple signing (the `sha256-<hex>.sig` tag form): containers/image
//   signature/internal/sigstore_payload.go strictUnmarshalJSON: exactly `critical` and `optional`;
//   `critical` exactly `type` ("cosign container image signature"), `image` exactly
//   `docker-manifest-digest`, `identity` exactly `docker-reference`.
// - in-toto statement (the sigstore bundle referrer form): cosign cmd/cosign/cli/sign/sign.go
//   signDigestBundle signs a statement with predicateType https://sigstore.dev/cosign/sign/v1 whose
//   one subject carries the image digest; it names no repository.

export const SIMPLE_SIGNING_TYPE = 'cosign container image signature';
export const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export interface SignedClaim {
  /** The manifest digest the signer signed. */
  digest: string;
  /** The image reference the signer signed for; absent for the bundle form. */
  reference?: string;
}

/** Throws an Error saying what is wrong: its message goes into the refusal. */
export function parseSimpleSigning(bytes: Buffer): SignedClaim {
  const top = exactObject(parseJson(bytes), ['critical', 'optional'], 'payload');
  if (top['optional'] !== null && !isPlainObject(top['optional'])) throw new Error('payload field optional is not an object');
  const critical = exactObject(top['critical'], ['type', 'image', 'identity'], 'critical');
  if (critical['type'] !== SIMPLE_SIGNING_TYPE) throw new Error(`payload type is not "${SIMPLE_SIGNING_TYPE}"`);
  const image = exactObject(critical['image'], ['docker-manifest-digest'], 'critical.image');
  const identity = exactObject(critical['identity'], ['docker-reference'], 'critical.identity');
  const digest = image['docker-manifest-digest'];
  const reference = identity['docker-reference'];
  if (typeof digest !== 'string' || typeof reference !== 'string') throw new Error('payload digest or reference is not a string');
  return { digest, reference };
}

export function parseCosignStatement(bytes: Buffer): SignedClaim {
  const statement = parseJson(bytes);
  if (!isPlainObject(statement)) throw new Error('statement is not a JSON object');
  if (statement['predicateType'] !== COSIGN_SIGN_PREDICATE) throw new Error(`statement predicateType is not ${COSIGN_SIGN_PREDICATE}`);
  const subjects = statement['subject'];
  if (!Array.isArray(subjects) || subjects.length !== 1 || !isPlainObject(subjects[0]) || !isPlainObject(subjects[0]['digest'])) {
    throw new Error('statement does not have exactly one subject with a digest');
  }
  const hex = subjects[0]['digest']['sha256'];
  if (typeof hex !== 'string') throw new Error('statement subject has no sha256 digest');
  return { digest: `sha256:${hex}` };
}

function parseJson(bytes: Buffer): unknown {
  const text = bytes.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('payload is not JSON');
  }
  refuseDuplicateKeys(text);
  return value;
}

/**
 * containers/image's paranoid JSON reader refuses an object naming a key twice (internal/json.go
 * ParanoidUnmarshalJSONObject), where JSON.parse keeps the last: two readers must not see two claims.
 * Runs on text JSON.parse has accepted, so strings are well formed.
 */
function refuseDuplicateKeys(text: string): void {
  const objects: Array<Set<string> | undefined> = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const keys = objects[objects.length - 1];
      if (expectKey && keys !== undefined) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (keys.has(key)) throw new Error(`payload names ${JSON.stringify(key)} twice in one object`);
        keys.add(key);
        expectKey = false;
      }
      i = end;
    } else if (c === '{' || c === '[') {
      objects.push(c === '{' ? new Set() : undefined);
      expectKey = c === '{';
    } else if (c === '}' || c === ']') {
      objects.pop();
    } else if (c === ',') {
      expectKey = objects[objects.length - 1] !== undefined;
    }
  }
}

function exactObject(v: unknown, fields: string[], what: string): Record<string, unknown> {
  if (!isPlainObject(v)) throw new Error(`${what} is not a JSON object`);
  for (const key of Object.keys(v)) if (!fields.includes(key)) throw new Error(`${what} has an unexpected field ${JSON.stringify(key)}`);
  for (const key of fields) if (!(key in v)) throw new Error(`${what} lacks field ${key}`);
  return v;
}

export function isPlainObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
