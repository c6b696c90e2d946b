// The page's routes, a stage inside auth (so --htpasswd guards the page as it guards /v2/):
//   GET / from a browser (Accept: text/html) → 302 to /ui/ (clients of the API still get the empty 200)
//   GET /ui/                                 → the page
//   GET /ui/api/state                        → the page's state as JSON (docs/ui.md)
// Everything else passes through untouched.
import type { IncomingMessage } from 'node:http';
import type { ImageModel } from '../model.js';
import { ContentType, Header } from '../registry/headers.js';
import type { Reply } from '../registry/reply.js';
import { writeReply, type Stage } from '../registry/stages.js';
import type { ClientTracker } from './clients.js';
import { renderPage } from './page.js';
import { buildState, type SeedInfo } from './state.js';

export const UI_PATH = '/ui/';
export const STATE_PATH = '/ui/api/state';

export interface PageSources {
  /** The model served now (read once per page request). */
  model(): ImageModel;
  tracker: ClientTracker;
  seed(): SeedInfo;
}

/** A page (no-store: it changes as nodes pull) that frames, scripts and styles from nowhere else can touch. */
const PAGE_HEADERS = {
  [Header.cacheControl]: 'no-store',
  'Content-Security-Policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
};

function wantsHtml(req: IncomingMessage): boolean {
  return (req.headers.accept ?? '').includes('text/html');
}

export function pageStage(sources: PageSources): Stage {
  const state = () => buildState(sources.model(), sources.tracker, sources.seed());
  return (next) => (req, res) => {
    const url = req.url ?? '';
    if (url !== '/' && !url.startsWith('/ui')) return next(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') return next(req, res);
    const path = url.split('?')[0];
    let reply: Reply | undefined;
    if (path === '/' && wantsHtml(req)) reply = { status: 302, headers: { [Header.location]: UI_PATH }, body: { kind: 'empty' } };
    else if (path === '/ui' || path === UI_PATH) reply = html(renderPage(state()));
    else if (path === STATE_PATH) reply = { status: 200, headers: { [Header.contentType]: ContentType.json, [Header.cacheControl]: 'no-store' }, body: { kind: 'bytes', bytes: Buffer.from(JSON.stringify(state())) } };
    if (reply === undefined) return next(req, res);
    return Promise.resolve(writeReply(req, res, reply));
  };
}

function html(text: string): Reply {
  return { status: 200, headers: { [Header.contentType]: 'text/html; charset=utf-8', ...PAGE_HEADERS }, body: { kind: 'bytes', bytes: Buffer.from(text) } };
}
