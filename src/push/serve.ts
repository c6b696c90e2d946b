// `serve --push-to REGISTRY`: the whole bootstrap in one process. The seed serves the registry
// image, the cluster starts that registry, and once it answers `/v2/` (polled, bounded) the seed
// pushes everything into it and keeps serving. Failures are reported and the seed serves on.
//
// Every attempt says why it failed (refused, unknown authority, 401), at most one line per
// LOG_EVERY_MS, so an operator waiting on a target that will never be trusted sees it at once.
// The CA file and the credential sources (docker config.json, credential helpers) are read again
// at each attempt: a CA copied into place or a `docker login` while the seed waits is taken up.
//
// `createPushTo` gives a pusher whose `push(model)` can be called again for content added later
// (live content: src/serve-push.ts decides what to hand it after each reload): pushes run one after another, each waits for the target, and a push of what the
// target already holds only HEADs it (blobs and manifests present are skipped), so it is idempotent.
import type { ImageModel } from '../model.js';
import { ConnectError, connect, describeNetworkError, PUSH_TO_HINTS } from '../client/connect.js';
import { resolveCredentials } from '../client/credentials.js';
import { sleep } from '../client/http.js';
import { isPushError, pushModel } from './run.js';
import { parseTarget, type Target } from './target.js';

const POLL_MS = 2_000;
const LOG_EVERY_MS = 10_000;
export const PUSH_WAIT_MS = 30 * 60_000;

export interface PushToOptions {
  to: string;
  username?: string;
  passwordFile?: string;
  ca?: string;
  insecure?: boolean;
  waitMs?: number;
}

export interface PushTo {
  /** Waits for the target, then pushes every image of `model`; never throws (the seed must keep serving). */
  push(model: ImageModel): Promise<boolean>;
}

const say = (line: string) => process.stderr.write(`push-to: ${line}\n`);

export function createPushTo(o: PushToOptions): PushTo {
  let queue: Promise<unknown> = Promise.resolve();
  return {
    push(model) {
      const next = queue.then(() => pushOnce(model, o));
      queue = next;
      return next;
    },
  };
}

async function pushOnce(model: ImageModel, o: PushToOptions): Promise<boolean> {
  try {
    const target = parseTarget(o.to);
    await waitForTarget(target, o);
    await pushModel(model, { to: o.to, images: [], ...credentialOptions(o), ...(o.ca !== undefined ? { ca: o.ca } : {}), insecure: o.insecure ?? false, concurrency: 4, retries: 4, dryRun: false, json: false, optionPrefix: '--push-' });
    return true;
  } catch (error) {
    say(`failed, still serving: ${isPushError(error) ? error.message : describeNetworkError(error, PUSH_TO_HINTS)}`);
    return false;
  }
}

function credentialOptions(o: PushToOptions) {
  return { ...(o.username !== undefined ? { username: o.username } : {}), ...(o.passwordFile !== undefined ? { passwordFile: o.passwordFile } : {}) };
}

/** Until `/v2/` answers 200 with the credentials; one line per failure reason, at most every LOG_EVERY_MS. */
async function waitForTarget(target: Target, o: PushToOptions): Promise<void> {
  const waitMs = o.waitMs ?? PUSH_WAIT_MS;
  const started = Date.now();
  let lastLog = 0;
  for (let attempt = 1; ; attempt++) {
    const reason = await probe(target, o);
    if (reason === undefined) return;
    // Said only when there is a wait: a target that answers at once (a later push) gets no line.
    if (attempt === 1) say(`waiting for ${target.host} to answer /v2/ (up to ${Math.round(waitMs / 1000)} s)`);
    const now = Date.now();
    if (now - started > waitMs) throw new ConnectError(`${target.host} did not accept the push within ${Math.round(waitMs / 1000)} s: ${reason}`);
    if (now - lastLog >= LOG_EVERY_MS) {
      say(`attempt ${attempt} (${Math.round((now - started) / 1000)} s): ${reason}`);
      lastLog = now;
    }
    await sleep(POLL_MS);
  }
}

/** One `GET /v2/` with the current CA file and credentials: undefined when it answered, else why not. */
async function probe(target: Target, o: PushToOptions): Promise<string | undefined> {
  try {
    const credentials = await resolveCredentials(target.host, credentialOptions(o));
    const tls = { insecure: o.insecure ?? false, ...(o.ca !== undefined ? { ca: o.ca } : {}) };
    const client = await connect(target, tls, credentials, { attempts: 1, baseDelayMs: 0 }, 1, PUSH_TO_HINTS, '--push-ca');
    await client.agent.close();
    return undefined;
  } catch (error) {
    return isPushError(error) ? error.message : describeNetworkError(error, PUSH_TO_HINTS);
  }
}
