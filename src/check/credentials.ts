// The credentials a runtime finds on its own when its configuration carries none: podman's and
// CRI-O's auth files, docker's config.json (the client layer's lookup, helpers included).
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { resolveCredentials } from '../client/credentials.js';
import type { CheckRuntime } from './runtimes.js';
import type { Endpoint } from './route.js';
import { authFromJson } from './routes/containers.js';

/**
 * podman and CRI-O read the user's auth files (containers-auth.json(5): REGISTRY_AUTH_FILE,
 * ${XDG_RUNTIME_DIR}/containers/auth.json, /run/containers/UID/auth.json, ~/.config/containers/auth.json;
 * CRI-O's usual global_auth_file /etc/crio/auth.json), then docker's; docker reads its config.json.
 */
export async function runtimeCredentials(runtime: CheckRuntime, endpoint: Endpoint): Promise<void> {
  const host = new URL(endpoint.origin).host;
  if (runtime === 'podman' || runtime === 'crio') {
    const env = process.env;
    const files = [env.REGISTRY_AUTH_FILE, env.XDG_RUNTIME_DIR && `${env.XDG_RUNTIME_DIR}/containers/auth.json`, `/run/containers/${process.getuid?.() ?? 0}/auth.json`, join(homedir(), '.config/containers/auth.json'), runtime === 'crio' ? '/etc/crio/auth.json' : undefined];
    for (const file of files) {
      const text = file ? readQuietly(file) : undefined;
      const found = text === undefined ? undefined : authFromJson(text, `${host}/${endpoint.repository}`);
      if (found) {
        endpoint.credentials = found;
        return;
      }
    }
  }
  const key = runtime === 'docker' ? 'index.docker.io' : runtime === 'podman' || runtime === 'crio' ? host : undefined;
  if (key === undefined) return;
  const found = await resolveCredentials(key, {}).catch(() => undefined);
  if (found) endpoint.credentials = found;
}

function readQuietly(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
