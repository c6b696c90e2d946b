// The options of `seed-registry prepull` turned into a run: the seed's address, CA and credentials
// read once; one-line errors for mistakes.
import { LoadError } from '../load-error.js';
import { PasswordFileError, readPasswordFile } from '../password-file.js';
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

function credentials(o: PrepullCommandOptions): SeedAddress['credentials'] {
  if (o.username === undefined && o.passwordFile === undefined) return undefined;
  if (o.username === undefined || o.passwordFile === undefined) throw new LoadError('--username/--password-file', 'give both, or neither');
  try {
    return { username: o.username, password: readPasswordFile(o.passwordFile) };
  } catch (error) {
    if (!(error instanceof PasswordFileError)) throw error;
    throw new LoadError(o.passwordFile, error.code !== undefined ? `cannot read the password file (${error.code})` : error.problem);
  }
}

export async function prepullCommand(o: PrepullCommandOptions): Promise<void> {
  const seed: SeedAddress | undefined =
    o.registry === undefined
      ? undefined
      : { registry: o.registry, scheme: o.plainHttp ? 'http' : 'https', ...(o.ca !== undefined && { ca: loadCa(o.ca).pem }), credentials: credentials(o) };
  const result: PrepullResult = await runPrepull({ seed, imagesFile: o.images, upstreams: o.upstream ?? DEFAULT_UPSTREAMS, cri: o.cri, concurrency: o.concurrency, hold: o.hold });
  if (result.failed.length) process.exitCode = 1;
}
