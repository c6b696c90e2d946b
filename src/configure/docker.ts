// docker: trust the seed through certs.d, and name it in daemon.json's registry-mirrors. dockerd mirrors
// only Docker Hub: images of other registries must be pulled as HOST:PORT/name (and re-tagged).
import { quoted, seedURL, type ConfigFile, type NodeConfig, type NodeTarget } from './target.js';

export function configureDocker(target: NodeTarget): NodeConfig {
  const daemon: Record<string, string[]> = { 'registry-mirrors': [seedURL(target)] };
  if (target.scheme === 'http') daemon['insecure-registries'] = [target.registry];
  const files: ConfigFile[] = [{ path: 'daemon.json', contents: JSON.stringify(daemon, null, 2) + '\n' }];
  if (target.ca !== undefined) files.push({ path: `certs.d/${target.registry}/ca.crt`, contents: target.ca });
  const others = target.upstreams.filter((u) => u !== 'docker.io');
  return {
    files,
    notes: [
      'Merge daemon.json into /etc/docker/daemon.json and restart dockerd; copy certs.d/ to /etc/docker/certs.d/ (read at each pull).',
      'Docker mirrors only Docker Hub (docker.io): registry-mirrors does not apply to any other registry.',
      ...(others.length ? [`Images from ${others.join(', ')}: pull ${target.registry}/<name>:<tag> and docker tag it to its original name.`] : []),
      ...(target.credentials ? [`Credentials: docker login ${target.registry} --username ${quoted(target.credentials.username)} --password-stdin`] : []),
    ],
  };
}
