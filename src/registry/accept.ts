// Accept negotiation for manifests. Docker sends one Accept header line per media type; node joins
// repeated lines with ", ", so both shapes arrive as one comma list, possibly with q-values.
import { isIndex } from '../model.js';

/** Media types the client accepts (q > 0), lower-cased, parameters dropped. Empty = no preference. */
export function parseAccept(header: string | undefined): string[] {
  if (header === undefined) return [];
  const types: string[] = [];
  for (const item of header.split(',')) {
    const [type = '', ...params] = item.split(';').map((p) => p.trim());
    if (type === '') continue;
    const q = params.find((p) => p.toLowerCase().startsWith('q='));
    if (q !== undefined && !(Number(q.slice(2)) > 0)) continue;
    types.push(type.toLowerCase());
  }
  return types;
}

/**
 * Whether an index may be served. Only a client that lists types and none of them covers an index
 * (old docker, some scripts) gets a platform's manifest instead; everyone else gets what is stored.
 */
export function acceptsIndex(accepted: string[]): boolean {
  if (accepted.length === 0) return true;
  return accepted.some((t) => t === '*/*' || t === 'application/*' || isIndex(t));
}
