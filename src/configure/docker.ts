// docker: trust the seed through certs.d, and name it in daemon.json's registry-mirrors. dockerd mirrors
// only Docker Hub (moby registry/service_v2.go `lookupV2Endpoints`: mirrors are added for docker.io
// alone): images of other registries are pulled as HOST:PORT/<registry>/<name> and re-tagged.
//
// Credentials: a pull of `busybox` is authenticated with what the docker client found for the image's
// registry, Docker Hub, under config.json's `https://index.docker.io/v1/` (docker/cli
// cli/command/registry.go `ResolveAuthConfig`: an official index uses `registry.IndexServer`), and
// dockerd sends that one auth config to every endpoint it tries, the mirror first (moby
// distribution/registry.go: one credential store from the pull's auth config, whatever the endpoint).
// `docker login SEED` stores the seed's under its own address, which a mirrored pull never reads:
// dockerd gets a 401 and logs `no basic auth credentials`. So config.json carries the seed's
// credentials under Docker Hub's key, and under the seed's address for HOST:PORT/... pulls.
import { registryPrefix } from '../image/names.js';
import { basicToken, seedURL, type ConfigFile, type NodeConfig, type NodeTarget } from './target.js';

/** The key the docker client stores and looks up Docker Hub's credentials under. */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

export function configureDocker(target: NodeTarget): NodeConfig {
  const daemon: Record<string, string[]> = { 'registry-mirrors': [seedURL(target)] };
  if (target.scheme === 'http') daemon['insecure-registries'] = [target.registry];
  const files: ConfigFile[] = [{ path: 'daemon.json', contents: JSON.stringify(daemon, null, 2) + '\n' }];
  if (target.ca !== undefined) files.push({ path: `certs.d/${target.registry}/ca.crt`, contents: target.ca });
  if (target.credentials) {
    const auth = { auth: basicToken(target.credentials) };
    const config = { auths: { [DOCKER_HUB_AUTH_KEY]: auth, [target.registry]: auth } };
    files.push({ path: 'config.json', contents: JSON.stringify(config, null, 2) + '\n', mode: 0o600 });
  }
  const others = target.upstreams.filter((u) => u !== 'docker.io');
  const example = others.map((u) => `${target.registry}/${registryPrefix(u) !== undefined ? `${u}/` : ''}<name>:<tag>`);
  return {
    files,
    notes: [
      'Merge daemon.json into /etc/docker/daemon.json and restart dockerd; copy certs.d/ to /etc/docker/certs.d/ (read at each pull).',
      'Docker mirrors only Docker Hub (docker.io): registry-mirrors does not apply to any other registry.',
      ...(others.length ? [`Images from ${others.join(', ')}: pull ${example.join(', ')} and docker tag it to its original name.`] : []),
      ...(target.credentials ? credentialNotes(target.registry) : []),
    ],
  };
}

function credentialNotes(registry: string): string[] {
  return [
    `Credentials: dockerd sends the mirror Docker Hub's credentials (config.json "${DOCKER_HUB_AUTH_KEY}"), never those of \`docker login ${registry}\`.`,
    `  config.json holds the seed's under that key and under ${registry}: merge its "auths" into ~/.docker/config.json of each user who pulls (root: /root/.docker/config.json),`,
    '  and into /var/lib/kubelet/config.json for the kubelet with cri-dockerd.',
    '  This replaces any Docker Hub login on the node: a pull that falls back to Docker Hub would send the seed\'s credentials there.',
  ];
}
