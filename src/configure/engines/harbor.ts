// Harbor: the seed as a registry endpoint and a pull-based replication rule copying everything from it.
// Harbor is configured through its API, so the files are the request bodies and a script that sends
// them. Fields: goharbor/harbor api/v2.0/swagger.yaml (Registry, RegistryCredential, ReplicationPolicy,
// ReplicationFilter, ReplicationTrigger, StartReplicationExecution). Harbor's core and jobservice trust
// extra CAs placed in /harbor_cust_cert (make/photon/common/install_cert.sh appends them at start;
// the Helm chart's caBundleSecretName mounts them there).
import { quoted, seedURL, type ConfigFile, type NodeConfig } from '../target.js';
import { SEED_CA_FILE, type EngineTarget } from './target.js';

export const HARBOR_ENDPOINT_NAME = 'seed-registry';

function endpoint(target: EngineTarget): object {
  return {
    name: HARBOR_ENDPOINT_NAME,
    type: 'docker-registry',
    url: seedURL(target),
    // The seed's certificate is checked against Harbor's trust store (the CA goes to /harbor_cust_cert).
    insecure: false,
    ...(target.credentials && { credential: { type: 'basic', access_key: target.credentials.username, access_secret: target.credentials.password } }),
    description: 'seed-registry: the images of the air-gapped bootstrap',
  };
}

function policy(): object {
  return {
    name: 'from-seed-registry',
    description: 'copy every image the seed serves',
    src_registry: { id: 'ENDPOINT_ID' },
    dest_namespace: 'PROJECT',
    dest_namespace_replace_count: 0,
    filters: [{ type: 'name', value: '**' }],
    trigger: { type: 'manual' },
    override: true,
    enabled: true,
    deletion: false,
    speed: -1,
  };
}

function script(): string {
  return [
    '#!/bin/sh',
    '# seed-registry configure --engine harbor: create the endpoint and the rule, then run it once.',
    '# HARBOR=https://harbor.example HARBOR_AUTH=admin:password PROJECT=library sh harbor-setup.sh',
    'set -eu',
    ': "${HARBOR:?set HARBOR to the Harbor URL}" "${HARBOR_AUTH:?set HARBOR_AUTH to user:password}" "${PROJECT:=library}"',
    '# POSTs a JSON body; prints the id from the Location header Harbor answers 201 with.',
    'created() {',
    '  curl -fsS -u "$HARBOR_AUTH" -H "Content-Type: application/json" -X POST "$HARBOR/api/v2.0/$1" --data "$2" -D - -o /dev/null |',
    "    tr -d '\\r' | sed -n 's#^[Ll]ocation: .*/\\([0-9][0-9]*\\)$#\\1#p'",
    '}',
    '# swagger: Registry',
    'ENDPOINT_ID=$(created registries "$(cat harbor-endpoint.json)")',
    '# swagger: ReplicationPolicy, with the endpoint id and the project filled in',
    'POLICY_ID=$(created replication/policies "$(sed -e "s/\\"ENDPOINT_ID\\"/$ENDPOINT_ID/" -e "s/\\"PROJECT\\"/\\"$PROJECT\\"/" harbor-replication.json)")',
    '# swagger: StartReplicationExecution',
    'created replication/executions "{\\"policy_id\\": $POLICY_ID}" >/dev/null',
    'echo "replication $POLICY_ID started from endpoint $ENDPOINT_ID into project $PROJECT"',
    '',
  ].join('\n');
}

export function configureHarbor(target: EngineTarget): NodeConfig {
  const files: ConfigFile[] = [
    { path: 'harbor-endpoint.json', contents: JSON.stringify(endpoint(target), null, 2) + '\n', ...(target.credentials ? { mode: 0o600 } : {}) },
    { path: 'harbor-replication.json', contents: JSON.stringify(policy(), null, 2) + '\n' },
    { path: 'harbor-setup.sh', contents: script(), mode: 0o755 },
  ];
  if (target.ca !== undefined) files.push({ path: SEED_CA_FILE, contents: target.ca });
  return {
    files,
    notes: [
      ...(target.ca !== undefined ? [`Harbor must trust the seed's CA: copy ${SEED_CA_FILE} into /harbor_cust_cert of core and jobservice (Helm: caBundleSecretName), then restart them.`] : []),
      `Run harbor-setup.sh with HARBOR, HARBOR_AUTH and PROJECT set: it registers ${seedURL(target)} as endpoint ${quoted(HARBOR_ENDPOINT_NAME)}, creates a pull replication of every repository (filter "**") into PROJECT, and starts it.`,
      'Harbor lists the seed with _catalog?n=1000 and follows the Link header (src/pkg/registry/client.go): the seed pages as it expects.',
      'Or make a proxy-cache project on the same endpoint: images are then fetched from the seed on first pull.',
    ],
  };
}
