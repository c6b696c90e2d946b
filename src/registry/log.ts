// The access log (one line per request), events (what went wrong outside an answer: a failed TLS
// handshake, plain HTTP on the TLS port, logins slowed, transfers cut by shutdown) and the error
// log, as text or JSON lines.

export type LogFormat = 'text' | 'json';

export interface AccessEntry {
  method: string;
  path: string;
  status: number;
  bytes: number;
  ms: number;
  /** The client went away before the body was complete. */
  aborted?: boolean;
  /** The transfer was cut because the server was stopping. */
  cut?: boolean;
  /** The client's address. */
  client?: string;
  /** Why the request was denied (a signature policy's reason). */
  note?: string;
  /** On a 401: the user name tried (never the password); '' when no credentials were sent. */
  user?: string;
}

/** A line that is not a request's answer. `event` is a stable kebab-case name for JSON readers. */
export interface LogEvent {
  event: string;
  /** The whole line in words, for the text format. */
  message: string;
  fields?: Record<string, string | number>;
}

export interface Logger {
  /** False when access lines are dropped anyway: the server then skips timing each request. */
  readonly logsAccess: boolean;
  access(entry: AccessEntry): void;
  /** Written under --quiet too: these are problems, not traffic (each kind is rate-limited by its writer). */
  event(event: LogEvent): void;
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
    event(e) {
      out(json ? JSON.stringify({ time: new Date().toISOString(), level: 'warn', event: e.event, ...e.fields, message: e.message }) : e.message);
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
  const aborted = e.aborted ? (e.cut ? ' aborted (cut by shutdown)' : ' aborted') : '';
  const client = e.client === undefined ? '' : ` from ${e.client}`;
  // The user name is the client's text: quoted and escaped, so it stays one harmless line.
  const user = e.user === undefined ? '' : e.user === '' ? ' (no credentials)' : ` user ${JSON.stringify(e.user)}`;
  return `${e.method} ${e.path} ${e.status} ${e.bytes} ${e.ms}ms${aborted}${client}${user}${e.note === undefined ? '' : ` ${e.note}`}`;
}

/** A logger that writes nothing, for embedding and tests. */
export const silentLogger: Logger = { logsAccess: false, access() {}, event() {}, info() {}, warn() {}, error() {} };
