// The page: the served images and the nodes pulling them, as one HTML document rendered from the
// same state GET /ui/api/state answers. Readable without JavaScript; the script only refreshes the
// nodes, events and "pulled by" cells from the JSON endpoint.
import { RUNTIME_NAMES } from '../configure/index.js';
import { formatSize } from '../units.js';
import { PAGE_SCRIPT, PAGE_STYLE } from './assets.js';
import type { ClientState, ImageState, UiState } from './state.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Archive text (names, tags, paths) is never markup. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const h = escapeHtml;

export function renderPage(state: UiState): string {
  const { seed } = state;
  const archives = new Set(state.images.map((i) => i.archive)).size;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>seed-registry · ${h(seed.host)}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header>
<h1>seed-registry <small>${h(seed.version)}</small></h1>
<p>Serving <strong>${state.images.length}</strong> image${state.images.length === 1 ? '' : 's'} from ${archives} archive${archives === 1 ? '' : 's'} at <code>${h(seed.scheme)}://${h(seed.host)}</code>${seed.auth ? ', with Basic auth' : ''}, since <time datetime="${h(seed.startedAt)}">${h(seed.startedAt)}</time>.</p>
</header>
<main>
${renderNodes(state.clients)}
${renderImages(state.images, state.clients)}
${renderSetup(state)}
<section aria-labelledby="events-h">
<h2 id="events-h">Events</h2>
<p class="hint">Refused requests, cut transfers, TLS failures and reloads, newest first.</p>
<ol id="events" class="events">${state.events.length === 0 ? '<li class="empty">None yet.</li>' : [...state.events].reverse().map((e) => `<li><time datetime="${h(e.time)}">${h(e.time)}</time> <span class="tag">${h(e.kind)}</span> ${h(e.address ?? '')} ${h(e.message)}</li>`).join('')}</ol>
</section>
</main>
<footer><p>State as JSON: <a href="/ui/api/state"><code>/ui/api/state</code></a> · <a href="/metrics"><code>/metrics</code></a> · <a href="/readyz"><code>/readyz</code></a></p></footer>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

function renderNodes(clients: ClientState[]): string {
  return `<section aria-labelledby="nodes-h">
<h2 id="nodes-h">Nodes</h2>
<p class="hint">Every address that asked the registry API, with what it pulled. <span id="summary">${h(nodeSummary(clients))}</span> <span id="updated" aria-live="polite"></span></p>
<table>
<thead><tr><th scope="col">Address</th><th scope="col">User</th><th scope="col">Images</th><th scope="col">Transfers</th><th scope="col" class="num">Received</th><th scope="col" class="num">Rate</th><th scope="col" class="num">Errors</th><th scope="col">Last seen</th></tr></thead>
<tbody id="clients">${clients.length === 0 ? '<tr class="empty"><td colspan="8">No node has pulled yet.</td></tr>' : clients.map(renderClient).join('')}</tbody>
</table>
</section>`;
}

/** `2 nodes: 1 done, 1 pulling` — done: every image it asked for is complete. */
export function nodeSummary(clients: ClientState[]): string {
  const done = clients.filter((c) => c.images.length > 0 && c.images.every((i) => i.state === 'complete')).length;
  return `${clients.length} node${clients.length === 1 ? '' : 's'}: ${done} done, ${clients.length - done} pulling or idle.`;
}

export function renderClient(c: ClientState): string {
  const images = c.images.map((i) => `<li class="${i.state === 'complete' ? 'ok' : 'busy'}">${h(i.reference)}: ${i.state === 'complete' ? 'complete' : `${i.blobsDone}/${i.blobs} blobs`}</li>`).join('');
  const transfers = c.transfers.map((t) => `<li><code>${h(t.digest.slice(7, 19))}</code> ${formatSize(t.bytes)} of ${formatSize(t.size)}</li>`).join('');
  return `<tr data-address="${h(c.address)}"><th scope="row">${h(c.address)}</th><td>${h(c.user ?? '')}</td><td><ul>${images}</ul></td><td><ul>${transfers}</ul></td><td class="num">${formatSize(c.bytes)}</td><td class="num">${formatSize(c.rate)}/s</td><td class="num">${c.errors}</td><td><time datetime="${h(c.lastSeen)}">${h(c.lastSeen)}</time></td></tr>`;
}

function renderImages(images: ImageState[], clients: ClientState[]): string {
  const pulledBy = (ref: string) => clients.filter((c) => c.images.some((i) => i.reference === ref && i.state === 'complete')).length;
  return `<section aria-labelledby="images-h">
<h2 id="images-h">Images</h2>
<table>
<thead><tr><th scope="col">Image</th><th scope="col">Platforms</th><th scope="col" class="num">Size</th><th scope="col">Digest</th><th scope="col">Archive</th><th scope="col">Signatures, SBOMs</th><th scope="col">Pulled by</th></tr></thead>
<tbody id="images">${images.map((i) => renderImage(i, pulledBy(i.reference))).join('')}</tbody>
</table>
</section>`;
}

function renderImage(i: ImageState, pulledBy: number): string {
  const trust = i.trust === undefined ? '' : 'signedBy' in i.trust ? `<span class="tag ok">signed by ${h(i.trust.signedBy)}</span>` : `<span class="tag bad">refused: ${h(i.trust.refused)}</span>`;
  const referrers = i.referrers.map((r) => `<li>${h(r.kind)} <code title="${h(r.digest)}">${h(r.digest.slice(7, 19))}</code></li>`).join('');
  const pulls = Object.entries(i.pull).map(([runtime, line]) => `<li><span class="runtime">${h(runtime)}</span> <code>${h(line)}</code> <button type="button" data-copy="${h(line)}" aria-label="Copy the ${h(runtime)} pull command for ${h(i.reference)}">Copy</button></li>`).join('');
  return `<tr data-reference="${h(i.reference)}"><th scope="row"><span class="name">${h(i.reference)}</span> ${trust}<br><small>${h(i.original)}</small>
<details><summary>Pull commands</summary><ul class="pulls">${pulls}</ul></details></th>
<td>${h(i.platforms.join(', ') || 'unknown')}</td><td class="num">${formatSize(i.size)}</td><td><code title="${h(i.digest)}">${h(i.digest.slice(0, 19))}</code></td><td><code>${h(i.archive)}</code></td><td><ul>${referrers}</ul></td><td class="pulled num">${pulledBy}</td></tr>`;
}

function renderSetup(state: UiState): string {
  const { seed } = state;
  const ca = seed.tls?.ca;
  const caArgs = ca !== undefined ? ` --ca ${ca.path}` : seed.scheme === 'https' ? ' --ca ca.crt' : ' --plain-http';
  const authArgs = seed.auth ? ' --username USER --password-file PASSWORD_FILE' : '';
  const archives = [...new Set(state.images.map((i) => i.archive))].join(' ');
  // Talos pulls from a mirror only over TLS (configure refuses --plain-http for it).
  const runtimes = seed.scheme === 'https' ? RUNTIME_NAMES : RUNTIME_NAMES.filter((r) => r !== 'talos');
  const lines = runtimes.map((r) => `seed-registry configure --runtime ${r} --registry ${seed.host}${caArgs}${authArgs} --tar ${archives} --out seed-${r}`);
  const cert = (label: string, c: { subject: string; notBefore: string; notAfter: string; sha256: string }) =>
    `<dt>${label}</dt><dd>${h(c.subject)}<br>valid from <time datetime="${h(c.notBefore)}">${h(c.notBefore)}</time> to <time datetime="${h(c.notAfter)}">${h(c.notAfter)}</time><br>SHA-256 <code class="wrap">${h(c.sha256)}</code></dd>`;
  const tls = seed.tls === undefined
    ? '<p>The seed serves plain HTTP.</p>'
    : `<dl>${ca !== undefined ? cert(`CA <code>${h(ca.path)}</code> (nodes trust this file)`, ca) : ''}${cert('Server certificate', seed.tls.certificate)}</dl>`;
  return `<section aria-labelledby="setup-h">
<h2 id="setup-h">Set up a node</h2>
${tls}
<p>Write what each runtime needs to pull every image above by its original name through this seed:</p>
<ul class="pulls">${lines.map((l) => `<li><code>${h(l)}</code> <button type="button" data-copy="${h(l)}" aria-label="Copy: ${h(l)}">Copy</button></li>`).join('')}</ul>
</section>`;
}
