// GET /v2/<name>/referrers/<digest> (OCI distribution spec 1.1, "Listing Referrers"): an image
// index of the archive's manifests whose subject is that digest; an empty index when none.
import { MediaType } from '../model.js';
import { Header } from './headers.js';
import { jsonReply, type Reply } from './reply.js';
import type { Route } from './request.js';
import { requireKnownName, type Served } from './served.js';

type ReferrersRoute = Extract<Route, { kind: 'referrers' }>;

export function getReferrers(served: Served, route: ReferrersRoute): Reply {
  requireKnownName(served, route.name);
  const all = served.referrers.get(route.digest) ?? [];
  const filter = route.artifactType;
  const manifests = filter === undefined ? all : all.filter((d) => d.artifactType === filter);
  const headers: Record<string, string> = filter === undefined ? {} : { [Header.filtersApplied]: 'artifactType' };
  const index = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests };
  return jsonReply(200, index, MediaType.ociIndex, headers);
}
