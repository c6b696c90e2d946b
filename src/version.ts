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
}

export function versionInfo(): VersionInfo {
  return {
    version: VERSION,
    commit: COMMIT,
    form: FORM,
    node: process.version,
    v8: process.versions.v8,
    openssl: process.versions.openssl ?? 'none',
    platform: `${process.platform}/${process.arch}`,
  };
}

export function renderVersion(info: VersionInfo, json: boolean): string {
  if (json) return JSON.stringify(info, null, 2) + '\n';
  return [
    `seed-registry ${info.version} (${info.form})`,
    `commit    ${info.commit}`,
    `node      ${info.node} (V8 ${info.v8}, OpenSSL ${info.openssl})`,
    `platform  ${info.platform}`,
  ].join('\n') + '\n';
}
