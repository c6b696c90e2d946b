// The access log (one line per request) and the error log, as text or JSON lines.

export type LogFormat = 'text' | 'json';

export interface AccessEntry {
  method: string;
  path: string;
  status: number;
  bytes: number;
  ms: number;
  /** The client went away before the body was complete. */
  aborted?: boolean;
}

export interface Logger {
  /** False when access lines are dropped anyway: the server then skips timing each request. */
  readonly logsAccess: boolean;
  access(entry: AccessEntry): void;
  /** What the seed did (content reloaded): one line on stdout, also under --quiet. */
  info(message: string): void;
  /** Something the operator should look at: one `warning:` line on stderr. */
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

export interface LoggerOptions {
  format: LogFormat;
  /** No access log; errors are still written. */
  quiet?: boolean;
  out?: (line: string) => void;
  err?: (line: string) => void;
}

export function createLogger(options: LoggerOptions): Logger {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = options.err ?? ((line: string) => process.stderr.write(`${line}\n`));
  const json = options.format === 'json';
  return {
    logsAccess: !options.quiet,
    access(entry) {
      if (options.quiet) return;
      out(json ? JSON.stringify({ time: new Date().toISOString(), ...entry }) : formatAccess(entry));
    },
    info(message) {
      out(json ? JSON.stringify({ time: new Date().toISOString(), level: 'info', message }) : message);
    },
    warn(message) {
      err(json ? JSON.stringify({ time: new Date().toISOString(), level: 'warning', message }) : `warning: ${message}`);
    },
    error(message, error) {
      const detail = error instanceof Error ? (error.stack ?? error.message) : error === undefined ? '' : String(error);
      err(json ? JSON.stringify({ time: new Date().toISOString(), level: 'error', message, detail }) : `error: ${message} ${detail}`.trimEnd());
    },
  };
}

export function formatAccess(e: AccessEntry): string {
  return `${e.method} ${e.path} ${e.status} ${e.bytes} ${e.ms}ms${e.aborted ? ' aborted' : ''}`;
}

/** A logger that writes nothing, for embedding and tests. */
export const silentLogger: Logger = { logsAccess: false, access() {}, info() {}, warn() {}, error() {} };
