// A registry's authentication, for every registry client: the challenge from a 401
// (`WWW-Authenticate`), Basic credentials, and the Bearer token flow (distribution's token auth,
// Harbor): a token per set of repository scopes, fetched from the realm and kept until it expires.

export interface Credentials {
  username: string;
  password: string;
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** The HTTP GET the token flow needs; the client supplies it so tokens share its TLS settings. */
export type TokenFetcher = (url: string, headers: Record<string, string>) => Promise<{ status: number; body: Buffer }>;

export class AuthError extends Error {
  override readonly name = 'AuthError';
}

/** Tokens without `expires_in` live 60 s (distribution token spec); renew a little early. */
const DEFAULT_TOKEN_SECONDS = 60;
const EARLY_RENEWAL_MS = 5_000;

/** `Bearer realm="https://a/token",service="reg",scope="repository:x:pull"` → scheme and params. */
export function parseChallenge(header: string): Challenge | undefined {
  const match = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const m of (match[2] ?? '').matchAll(/([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) {
    params[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!;
  }
  return { scheme: match[1]!.toLowerCase(), params };
}

/** `repository:NAME:pull,push`, the scope each pushed repository needs. */
export function pushScope(repository: string): string {
  return `repository:${repository}:pull,push`;
}

export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

interface Token {
  value: string;
  expires: number;
}

export class Authenticator {
  private challenge: Challenge | undefined;
  /** Per scope set; a promise so that concurrent requests for one scope share one fetch. */
  private readonly tokens = new Map<string, Promise<Token>>();

  constructor(
    readonly credentials: Credentials | undefined,
    private readonly fetchToken: TokenFetcher,
    private readonly now: () => number = Date.now,
  ) {}

  /** The Authorization header for a request needing `scopes`, once a challenge has been seen. */
  async header(scopes: string[]): Promise<string | undefined> {
    const c = this.challenge;
    if (c === undefined) return undefined;
    if (c.scheme === 'basic') return this.credentials ? basic(this.credentials) : undefined;
    if (c.scheme !== 'bearer') return undefined;
    const key = scopes.join(' ');
    let pending = this.tokens.get(key);
    if (pending === undefined || (await pending.catch(() => undefined))!.expires <= this.now()) {
      pending = this.requestToken(c, scopes);
      this.tokens.set(key, pending);
      pending.catch(() => this.tokens.delete(key));
    }
    return `Bearer ${(await pending).value}`;
  }

  /**
   * A 401 arrived with this challenge. Returns true when a retry can do better (credentials or a
   * fresh token to send); false when the same Basic credentials were already refused.
   */
  challenged(header: string | undefined, scopes: string[], sentAuthorization: boolean): boolean {
    const c = header === undefined ? undefined : parseChallenge(header);
    if (c === undefined) return false;
    this.challenge = c;
    if (c.scheme === 'bearer') {
      // A refused token may have expired early or been issued for fewer scopes: fetch a new one.
      this.tokens.delete(scopes.join(' '));
      return true;
    }
    if (c.scheme === 'basic') return !sentAuthorization && this.credentials !== undefined;
    return false;
  }

  private async requestToken(c: Challenge, scopes: string[]): Promise<Token> {
    const realm = c.params.realm;
    if (!realm) throw new AuthError('the registry asked for a Bearer token but named no realm');
    const url = new URL(realm);
    const where = `token server ${url.origin}${url.pathname}`;
    if (c.params.service) url.searchParams.set('service', c.params.service);
    for (const scope of new Set([...scopes, ...(c.params.scope ? c.params.scope.split(' ') : [])])) url.searchParams.append('scope', scope);
    const headers: Record<string, string> = this.credentials ? { authorization: basic(this.credentials) } : {};
    const started = this.now();
    const res = await this.fetchToken(url.href, headers);
    if (res.status === 401 || res.status === 403) {
      const who = this.credentials ? `as ${this.credentials.username}` : 'anonymously (no credentials given or found)';
      throw new AuthError(`${where} refused ${who}: ${res.status} ${oneLine(res.body)}`);
    }
    if (res.status !== 200) throw new AuthError(`${where} answered ${res.status}: ${oneLine(res.body)}`);
    let doc: { token?: string; access_token?: string; expires_in?: number };
    try {
      doc = JSON.parse(res.body.toString('utf8')) as typeof doc;
    } catch {
      throw new AuthError(`${where} sent no JSON: ${oneLine(res.body)}`);
    }
    const value = doc.token ?? doc.access_token;
    if (!value) throw new AuthError(`${where} sent no token`);
    const seconds = typeof doc.expires_in === 'number' && doc.expires_in > 0 ? doc.expires_in : DEFAULT_TOKEN_SECONDS;
    return { value, expires: started + seconds * 1000 - EARLY_RENEWAL_MS };
  }
}

function basic(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}

/** A registry or token server body on one line: the OCI error entries, or the text cut short. */
export function oneLine(body: Buffer): string {
  const text = body.toString('utf8').trim();
  try {
    const doc = JSON.parse(text) as { errors?: { code?: string; message?: string; detail?: unknown }[] };
    if (Array.isArray(doc.errors) && doc.errors.length > 0) {
      return doc.errors
        .map((e) => [e.code, e.message].filter(Boolean).join(' ') + (e.detail ? ` (${JSON.stringify(e.detail)})` : ''))
        .join('; ');
    }
  } catch {
    // not JSON: the text itself
  }
  const flat = text.replace(/\s+/g, ' ');
  return flat === '' ? '(empty body)' : flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}
