// docker credential helpers (docker/docker-credential-helpers, client/client.go): `docker login`
// with `credsStore` or `credHelpers` in config.json keeps the password in a helper, not the file.
// `docker-credential-<name> get` reads the server address on stdin and prints
// {"ServerURL","Username","Secret"}; it exits non-zero, printing "credentials not found in native
// keychain", when it has none. Username `<token>` means Secret is an identity token (an OAuth
// refresh token), which these clients cannot use.
import { execFile } from 'node:child_process';
import type { Credentials } from './auth.js';

/** A helper that failed; credentials.ts turns it into a CredentialsError. */
export class HelperFailure extends Error {
  override readonly name = 'HelperFailure';
}

/** A helper waiting on a locked keyring or a pinentry must not hang the client. */
export const HELPER_TIMEOUT_MS = 20_000;
const NOT_FOUND = 'credentials not found in native keychain';
const IDENTITY_TOKEN_USER = '<token>';
const MAX_OUTPUT = 1024 * 1024;

/** The helper's credentials for `host`, or undefined when it has none. `from` names the config file. */
export async function fromHelper(name: string, host: string, from: string, env: NodeJS.ProcessEnv, timeoutMs = HELPER_TIMEOUT_MS): Promise<Credentials | undefined> {
  const program = `docker-credential-${name}`;
  const fail = (problem: string) => new HelperFailure(`${program} (named in ${from}) ${problem}`);
  const { code, stdout, stderr } = await run(program, host, env, timeoutMs);
  if (code === 'ENOENT') throw fail('is not on PATH');
  if (code === 'ETIMEDOUT') throw fail(`gave no answer for ${host} within ${timeoutMs / 1000} s`);
  if (code !== 0) {
    if (stdout.trim() === NOT_FOUND) return undefined;
    throw fail(`failed for ${host}: ${firstLine(stdout) || firstLine(stderr) || `exit ${String(code)}`}`);
  }
  let parsed: { Username?: unknown; Secret?: unknown };
  try {
    parsed = JSON.parse(stdout) as typeof parsed;
  } catch {
    throw fail(`printed no JSON for ${host}`);
  }
  if (typeof parsed.Username !== 'string' || typeof parsed.Secret !== 'string') throw fail(`printed no Username and Secret for ${host}`);
  if (parsed.Username === '') return undefined;
  if (parsed.Username === IDENTITY_TOKEN_USER) throw fail(`holds an identity token for ${host}; push needs a username and password (--username)`);
  return { username: parsed.Username, password: parsed.Secret };
}

interface Outcome {
  /** 0, the exit code, or ENOENT / ETIMEDOUT. */
  code: number | string;
  stdout: string;
  stderr: string;
}

function run(program: string, host: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = execFile(program, ['get'], { env, timeout: timeoutMs, maxBuffer: MAX_OUTPUT, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (!error) return resolve({ code: 0, stdout, stderr });
      const e = error as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
      const code = e.killed ? 'ETIMEDOUT' : (e.code ?? 'failed');
      resolve({ code, stdout, stderr });
    });
    child.stdin?.on('error', () => {});
    child.stdin?.end(host);
  });
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.slice(0, 200) ?? '';
}
