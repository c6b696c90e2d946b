// Which errors push reports as one line (no stack trace), told by name, so that the command line can
// tell them without loading push itself (its HTTP client is most of the bundle; src/push/command.ts).

/** The failures push reports as one line: every error class of src/push and of the client layer it uses (src/client). */
const PUSH_ERRORS = new Set(['PushError', 'HttpError', 'AuthError', 'ConnectError', 'TargetError', 'PlanError', 'CredentialsError']);

export function isPushError(error: unknown): error is Error {
  return error instanceof Error && PUSH_ERRORS.has(error.name);
}
