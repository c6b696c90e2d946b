// The options of `seed-registry prepull` turned into a run: the seed's address, CA and credentials
// read once (the credentials by the registry clients' shared layer); one-line errors for mistakes.
import { LoadError } from '../load-error.js';
import type { Credentials } from '../client/auth.js';
import { CredentialsError, resolveCredentials } from '../client/credentials.js';
import { loadCa } from '../tls/load.js';
import { runPrepull, type PrepullResult } from './run.js';
import { DEFAULT_UPSTREAMS, type SeedAddress } from './seed-images.js';

export interface PrepullCommandOptions {
  registry?: string;
  ca?: string;
  plainHttp: boolean;
  username?: string;
  passwordFile?: string;
  images?: string;
  upstream?: string[];
  cri: string;
  concurrency: number;
  hold: boolean;
}

/** --username with --password-file, read by the client layer as push and check read them; both or neither. */
async function credentials(o: PrepullCommandOptions): Promise<Credentials | undefined> {
  if (o.username === undefined && o.passwordFile === undefined) return undefined;
  if (o.username === undefined || o.passwordFile === undefined) throw new LoadError('--username/--password-file', 'give both, or neither');
  try {
    return await resolveCredentials(o.registry ?? '', { username: o.username, passwordFile: o.passwordFile });
  } catch (error) {
    if (!(error instanceof CredentialsError)) throw error;
    throw new LoadError('prepull', error.message);
  }
}

export async function prepullCommand(o: PrepullCommandOptions): Promise<void> {
  const seed: SeedAddress | undefined =
    o.registry === undefined
      ? undefined
      : { registry: o.registry, scheme: o.plainHttp ? 'http' : 'https', ...(o.ca !== undefined && { ca: loadCa(o.ca).pem }), credentials: await credentials(o) };
  const result: PrepullResult = await runPrepull({ seed, imagesFile: o.images, upstreams: o.upstream ?? DEFAULT_UPSTREAMS, cri: o.cri, concurrency: o.concurrency, hold: o.hold });
  if (result.failed.length) process.exitCode = 1;
}
