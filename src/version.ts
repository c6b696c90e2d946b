// `seed-registry version`: what a scanner or a bug report needs to name this build: the version,
// the commit it was built from, the Node.js runtime inside it and the platform it runs on.
// (`--version` stays the bare version on one line, for scripts.)
import { COMMIT, FORM, VERSION } from './build-info.js';

export interface VersionInfo {
  version: string;
  commit: string;
  form: typeof FORM;
  node: string;
  v8: string;
  openssl: string;
  platform: string;
  /** What the single executable started from (scripts/release/sea-main.cjs, src/snapshot-entry.ts); absent otherwise. */
  startup?: string;
}

/** Set by the single executable before the seed's main() runs. */
export const STARTUP = Symbol.for('seed-registry.startup');

export function versionInfo(): VersionInfo {
  const startup = (globalThis as Record<symbol, unknown>)[STARTUP];
  return {
    version: VERSION,
    commit: COMMIT,
    form: FORM,
    node: process.version,
    v8: process.versions.v8,
    openssl: process.versions.openssl ?? 'none',
    platform: `${process.platform}/${process.arch}`,
    ...(typeof startup === 'string' && { startup }),
  };
}

export function renderVersion(info: VersionInfo, json: boolean): string {
  if (json) return JSON.stringify(info, null, 2) + '\n';
  return [
    `seed-registry ${info.version} (${info.form})`,
    `commit    ${info.commit}`,
    `node      ${info.node} (V8 ${info.v8}, OpenSSL ${info.openssl})`,
    `platform  ${info.platform}`,
    ...(info.startup === undefined ? [] : [`start-up  ${info.startup}`]),
  ].join('\n') + '\n';
}
