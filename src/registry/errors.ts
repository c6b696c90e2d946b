// The request error catalog: every OCI code this registry answers with, declared once with its
// status and message (OCI distribution spec, "Error Codes"; PAGINATION_NUMBER_INVALID is from
// distribution, which clients already know). Handlers throw RegistryError; one place writes it.

export const ErrorCode = {
  NAME_INVALID: { status: 400, message: 'invalid repository name' },
  DIGEST_INVALID: { status: 400, message: 'provided digest did not match uploaded content' },
  PAGINATION_NUMBER_INVALID: { status: 400, message: 'invalid number of results requested' },
  UNAUTHORIZED: { status: 401, message: 'authentication required' },
  DENIED: { status: 403, message: 'requested access to the resource is denied' },
  NAME_UNKNOWN: { status: 404, message: 'repository name not known to registry' },
  MANIFEST_UNKNOWN: { status: 404, message: 'manifest unknown' },
  BLOB_UNKNOWN: { status: 404, message: 'blob unknown to registry' },
  UNSUPPORTED: { status: 405, message: 'this registry is read-only' },
  TOOMANYREQUESTS: { status: 429, message: 'too many requests' },
  UNKNOWN: { status: 500, message: 'unknown error' },
  /** distribution's ErrorCodeUnavailable (registry/api/errcode/register.go): a blob whose file changed under the seed. */
  UNAVAILABLE: { status: 503, message: 'service unavailable' },
} as const;

export type ErrorCodeName = keyof typeof ErrorCode;

/** A request that cannot be answered as asked; carries data (code, detail), never HTTP plumbing. */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  readonly status: number;

  /** `message` replaces the catalog's text where the refusal has its own (a signature policy's reason). */
  constructor(
    readonly code: ErrorCodeName,
    readonly detail?: unknown,
    message?: string,
  ) {
    super(message ?? ErrorCode[code].message);
    this.status = ErrorCode[code].status;
  }
}

/** The JSON body of an error response: `{"errors":[{"code","message","detail"}]}`. */
export function errorBody(error: RegistryError): Buffer {
  const entry = { code: error.code, message: error.message, detail: error.detail ?? null };
  return Buffer.from(JSON.stringify({ errors: [entry] }));
}
