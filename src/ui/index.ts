// The page, as serve wires it: a client table outside auth, the page's routes inside it, and what
// the seed says about itself once it listens.
import type { ImageModel } from '../model.js';
import type { Logger } from '../registry/log.js';
import type { Stage } from '../registry/stages.js';
import { ClientTracker, trackerStage, type EventKind } from './clients.js';
import { pageStage } from './stage.js';
import type { SeedInfo } from './state.js';
import { describeTls } from './tls-info.js';

export interface Ui {
  /** Outside auth: records every /v2/ request, refused ones too. */
  tracker: Stage;
  /** Inside auth: /ui/ and its state. */
  page: Stage;
  /** Once listening: the address pull lines name, and the TLS material served. */
  started(at: { version: string; host: string; auth: boolean; certChain?: string; caPath?: string }): void;
  /** The seed's logger, its problem lines (TLS failures, slowed logins) and reloads also shown as events. */
  observe(logger: Logger): Logger;
}

/** Log events the page lists, by the stable name their writer gives them (src/registry/log.ts). */
const EVENT_KINDS: Record<string, EventKind> = {
  'tls-handshake-failed': 'tls',
  'plain-http-on-tls-port': 'tls',
  'login-slowed': 'throttled',
  'shutdown-cut': 'cut',
};

export function createUi(model: () => ImageModel): Ui {
  const clients = new ClientTracker();
  let seed: SeedInfo = { version: '', startedAt: new Date().toISOString(), host: '', scheme: 'http', auth: false };
  return {
    tracker: trackerStage(clients),
    page: pageStage({ model, tracker: clients, seed: () => seed }),
    started({ version, host, auth, certChain, caPath }) {
      seed = { ...seed, version, host, auth, scheme: certChain === undefined ? 'http' : 'https', ...(certChain !== undefined && { tls: describeTls(certChain, caPath) }) };
    },
    observe: (logger) => ({
      ...logger,
      logsAccess: logger.logsAccess,
      access: (e) => logger.access(e),
      event(e) {
        const kind = EVENT_KINDS[e.event];
        const address = e.fields?.['client'];
        if (kind !== undefined) clients.event({ kind, ...(typeof address === 'string' && { address }), message: e.message });
        logger.event(e);
      },
      info(message) {
        // src/image/live.ts: one line per reload.
        if (message.startsWith('content reloaded')) clients.event({ kind: 'reload', message });
        logger.info(message);
      },
      warn(message) {
        clients.event({ kind: 'error', message });
        logger.warn(message);
      },
      error(message, error) {
        clients.event({ kind: 'error', message });
        logger.error(message, error);
      },
    }),
  };
}
