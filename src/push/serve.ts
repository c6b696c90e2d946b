// `serve --push-to REGISTRY`: the whole bootstrap in one process. The seed serves the registry
// image, the cluster starts that registry, and once it answers `/v2/` (polled, bounded) the seed
// pushes everything into it and keeps serving. Failures are reported and the seed serves on.
import type { ImageModel } from '../model.js';
import { ConnectError, connect } from '../client/connect.js';
import { sleep } from '../client/http.js';
import { isPushError, pushModel } from './run.js';
import { parseTarget } from './target.js';

const POLL_MS = 2_000;
export const PUSH_WAIT_MS = 30 * 60_000;

/** Polls the target until it answers, then pushes; never throws (the seed must keep serving). */
export async function pushWhenReady(model: ImageModel, to: string, waitMs = PUSH_WAIT_MS): Promise<boolean> {
  const say = (line: string) => process.stderr.write(`push-to: ${line}\n`);
  try {
    const target = parseTarget(to);
    const deadline = Date.now() + waitMs;
    say(`waiting for ${target.host} to answer /v2/ (up to ${Math.round(waitMs / 1000)} s)`);
    for (;;) {
      try {
        const client = await connect(target, { insecure: false }, undefined, { attempts: 1, baseDelayMs: 0 }, 1);
        await client.agent.close();
        break;
      } catch (error) {
        // Not up yet (refused, reset): poll on. Anything else (auth, TLS) will not fix itself.
        if (!(error instanceof ConnectError && error.message.startsWith('cannot reach')) || Date.now() > deadline) throw error;
        await sleep(POLL_MS);
      }
    }
    await pushModel(model, { to, images: [], insecure: false, concurrency: 4, retries: 4, dryRun: false, json: false });
    return true;
  } catch (error) {
    say(`failed, still serving: ${isPushError(error) ? error.message : String(error)}`);
    return false;
  }
}
