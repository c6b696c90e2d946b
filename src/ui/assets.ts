// The page's style and script, inlined into the one HTML document: nothing is fetched from
// another host or at run time (an air gap has none). The script polls GET /ui/api/state
// (docs/ui.md) every 2 s while the page is visible and rebuilds the nodes, events and "pulled by"
// cells with textContent only.

export const PAGE_STYLE = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--ok:#1a7f37;--busy:#9a6700;--bad:#cf222e;--code:#f6f8fa}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9da7b3;--line:#30363d;--ok:#3fb950;--busy:#d29922;--bad:#f85149;--code:#161b22}}
body{margin:0 auto;max-width:90rem;padding:1rem 1.5rem;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,sans-serif}
h1 small{color:var(--muted);font-weight:normal;font-size:.6em}
h2{margin-top:2rem;border-bottom:1px solid var(--line)}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:.35rem .5rem;border-bottom:1px solid var(--line)}
thead th{color:var(--muted);font-weight:600}
.num{text-align:right;white-space:nowrap}
ul{margin:0;padding:0;list-style:none}
code{font:13px ui-monospace,monospace;background:var(--code);padding:0 .2em;border-radius:3px}
.wrap{word-break:break-all}
.hint,small,.empty{color:var(--muted)}
.tag{display:inline-block;font-size:12px;border:1px solid var(--line);border-radius:1em;padding:0 .5em}
.ok{color:var(--ok)}.busy{color:var(--busy)}.bad{color:var(--bad)}
.pulls li{margin:.2rem 0;display:flex;gap:.5rem;align-items:baseline}.pulls code{overflow-wrap:anywhere}.pulls button{flex:none}.runtime{flex:none;min-width:4em;color:var(--muted)}
button{font:inherit;font-size:12px;padding:.1em .6em;border:1px solid var(--line);border-radius:4px;background:var(--code);color:var(--fg);cursor:pointer}
button:focus-visible,a:focus-visible,summary:focus-visible{outline:2px solid var(--busy);outline-offset:2px}
.events{padding-left:0;list-style:none;font-size:14px}.events li{margin:.15rem 0}
`;

export const PAGE_SCRIPT = `
(() => {
  const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; };
  const size = (n) => { const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB']; let i = 0; while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; } return (i ? n.toFixed(1) : String(n)) + ' ' + u[i]; };
  const list = (items) => { const ul = el('ul'); for (const [text, cls] of items) ul.append(el('li', text, cls)); return ul; };
  function clientRow(c) {
    const tr = el('tr'); tr.dataset.address = c.address;
    const th = el('th', c.address); th.scope = 'row'; tr.append(th, el('td', c.user || ''));
    const images = el('td'); images.append(list(c.images.map((i) => [i.reference + ': ' + (i.state === 'complete' ? 'complete' : i.blobsDone + '/' + i.blobs + ' blobs'), i.state === 'complete' ? 'ok' : 'busy'])));
    const transfers = el('td'); transfers.append(list(c.transfers.map((t) => [t.digest.slice(7, 19) + ' ' + size(t.bytes) + ' of ' + size(t.size)])));
    tr.append(images, transfers, el('td', size(c.bytes), 'num'), el('td', size(c.rate) + '/s', 'num'), el('td', String(c.errors), 'num'));
    const seen = el('td'); const t = el('time', c.lastSeen); t.dateTime = c.lastSeen; seen.append(t); tr.append(seen);
    return tr;
  }
  function render(state) {
    const clients = document.getElementById('clients');
    if (state.clients.length > 0) clients.replaceChildren(...state.clients.map(clientRow));
    const events = document.getElementById('events');
    if (state.events.length > 0) events.replaceChildren(...state.events.slice().reverse().map((e) => {
      const li = el('li'); const t = el('time', e.time); t.dateTime = e.time;
      li.append(t, ' ', el('span', e.kind, 'tag'), ' ' + (e.address || '') + ' ' + e.message); return li;
    }));
    const done = state.clients.filter((c) => c.images.length > 0 && c.images.every((i) => i.state === 'complete')).length;
    document.getElementById('summary').textContent = state.clients.length + ' node' + (state.clients.length === 1 ? '' : 's') + ': ' + done + ' done, ' + (state.clients.length - done) + ' pulling or idle.';
    for (const row of document.querySelectorAll('#images tr')) {
      const ref = row.dataset.reference;
      const done = state.clients.filter((c) => c.images.some((i) => i.reference === ref && i.state === 'complete')).length;
      row.querySelector('.pulled').textContent = String(done);
    }
    document.getElementById('updated').textContent = 'Updated ' + new Date().toLocaleTimeString() + '.';
  }
  async function poll() {
    if (!document.hidden) {
      try { const r = await fetch('/ui/api/state', { cache: 'no-store' }); if (r.ok) render(await r.json()); }
      catch { document.getElementById('updated').textContent = 'The seed does not answer; retrying.'; }
    }
    setTimeout(poll, 2000);
  }
  document.addEventListener('click', async (e) => {
    const b = e.target.closest('button[data-copy]'); if (!b) return;
    try { await navigator.clipboard.writeText(b.dataset.copy); b.textContent = 'Copied'; }
    catch { const r = document.createRange(); r.selectNodeContents(b.previousElementSibling); const s = getSelection(); s.removeAllRanges(); s.addRange(r); b.textContent = 'Selected'; }
    setTimeout(() => { b.textContent = 'Copy'; }, 1500);
  });
  poll();
})();
`;
