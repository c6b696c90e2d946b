// The page, as serve wires it: a client table outside auth, the page's routes inside it, and what
// the seed says about itself once it listens.
import type { ImageModel } from '../model.js';
import type { Stage } from '../registry/stages.js';
import { ClientTracker, trackerStage } from './clients.js';
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
}

export function createUi(model: () => ImageModel): Ui {
  const clients = new ClientTracker();
  let seed: SeedInfo = { version: '', startedAt: new Date().toISOString(), host: '', scheme: 'http', auth: false };
  return {
    tracker: trackerStage(clients),
    page: pageStage({ model, tracker: clients, seed: () => seed }),
    started({ version, host, auth, certChain, caPath }) {
      seed = { ...seed, version, host, auth, scheme: certChain === undefined ? 'http' : 'https', ...(certChain !== undefined && { tls: describeTls(certChain, caPath) }) };
    },
  };
}
