#!/bin/sh
# seed-registry configure --engine harbor: create the endpoint and the rule, then run it once.
# HARBOR=https://harbor.example HARBOR_AUTH=admin:password PROJECT=library sh harbor-setup.sh
set -eu
: "${HARBOR:?set HARBOR to the Harbor URL}" "${HARBOR_AUTH:?set HARBOR_AUTH to user:password}" "${PROJECT:=library}"
# POSTs a JSON body; prints the id from the Location header Harbor answers 201 with.
created() {
  curl -fsS -u "$HARBOR_AUTH" -H "Content-Type: application/json" -X POST "$HARBOR/api/v2.0/$1" --data "$2" -D - -o /dev/null |
    tr -d '\r' | sed -n 's#^[Ll]ocation: .*/\([0-9][0-9]*\)$#\1#p'
}
# swagger: Registry
ENDPOINT_ID=$(created registries "$(cat harbor-endpoint.json)")
# swagger: ReplicationPolicy, with the endpoint id and the project filled in
POLICY_ID=$(created replication/policies "$(sed -e "s/\"ENDPOINT_ID\"/$ENDPOINT_ID/" -e "s/\"PROJECT\"/\"$PROJECT\"/" harbor-replication.json)")
# swagger: StartReplicationExecution
created replication/executions "{\"policy_id\": $POLICY_ID}" >/dev/null
echo "replication $POLICY_ID started from endpoint $ENDPOINT_ID into project $PROJECT"
