// The HTTP side of the registry clients (push, check, prepull): one undici Agent (one keep-alive pool per origin) with the target's TLS
// settings, the Authorization header per repository scope, and retries with backoff on connection
// errors, 429 (honouring Retry-After) and 5xx. Bodies are whole buffers here; streamed blob bodies
// are sent once (`retry: false`) and resumed by upload.ts from what the registry reports.
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { Header } from '../spec.js';
import { AuthError, type Authenticator, oneLine } from './auth.js';

export interface TlsOptions {
  /** PEM file of a CA to trust besides the system's. */
  ca?: string;
  /** The CA's PEM itself, when it comes from a runtime's configuration rather than a file. */
  caPem?: string;
  insecure: boolean;
}

/** Bounds for a client that must answer soon (check); push keeps undici's defaults for long uploads. */
export interface Timeouts {
  connectMs: number;
  headersMs: number;
}

export interface RetryPolicy {
  attempts: number;
  /** First backoff; doubles each attempt, capped at MAX_BACKOFF_MS. */
  baseDelayMs: number;
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface Call {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH';
  /** A path on the target (`/v2/...`) or an absolute URL (an upload Location). */
  url: string;
  scopes: string[];
  headers?: Record<string, string>;
  body?: Buffer | (() => Readable);
  /** Whole-buffer calls retry on transient failures; streamed ones report them to the caller. */
  retry?: boolean;
}

/** A request that failed for good: what was asked and what the registry (or the network) said. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

const MAX_BACKOFF_MS = 10_000;
const MAX_RETRY_AFTER_MS = 60_000;
const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED']);

export function createAgent(tls: TlsOptions, connections: number, timeouts?: Timeouts): Agent {
  const connect: Record<string, unknown> = {};
  if (tls.insecure) connect.rejectUnauthorized = false;
  if (tls.ca !== undefined) connect.ca = readFileSync(tls.ca, 'utf8');
  if (tls.caPem !== undefined) connect.ca = tls.caPem;
  if (timeouts) connect.timeout = timeouts.connectMs;
  return new Agent({ connect, connections, keepAliveTimeout: 30_000, ...(timeouts ? { headersTimeout: timeouts.headersMs } : {}) });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function isRetryableError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return RETRYABLE_CODES.has(code);
}

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Backoff before attempt `attempt + 1`: Retry-After when the registry gave one, else exponential. */
export function backoffMs(policy: RetryPolicy, attempt: number, retryAfter?: string): number {
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(retryAfter) - Date.now();
    if (Number.isFinite(ms)) return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
  }
  return Math.min(policy.baseDelayMs * 2 ** attempt, MAX_BACKOFF_MS);
}

export function headerValue(reply: Reply, name: string): string | undefined {
  const v = reply.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export class RegistryClient {
  constructor(
    readonly origin: string,
    readonly agent: Agent,
    readonly auth: Authenticator,
    readonly policy: RetryPolicy,
  ) {}

  /** Sends `call`, answering auth challenges and retrying transient failures; any final status is returned. */
  async send(call: Call): Promise<Reply> {
    const attempts = call.retry === false ? 1 : this.policy.attempts;
    for (let attempt = 0; ; attempt++) {
      let reply: Reply;
      try {
        reply = await this.authorized(call);
      } catch (error) {
        if (error instanceof AuthError || attempt + 1 >= attempts || !isRetryableError(error)) throw error;
        await sleep(backoffMs(this.policy, attempt));
        continue;
      }
      if (!isRetryableStatus(reply.status) || attempt + 1 >= attempts) return reply;
      await sleep(backoffMs(this.policy, attempt, headerValue(reply, Header.retryAfter)));
    }
  }

  /** One exchange, plus the rounds a 401 challenge asks for (at most two: learn, then a fresh token). */
  private async authorized(call: Call): Promise<Reply> {
    for (let round = 0; ; round++) {
      const authorization = await this.auth.header(call.scopes);
      const reply = await this.exchange(call, authorization);
      if (reply.status !== 401 || round >= 2) return reply;
      const challenge = headerValue(reply, Header.wwwAuthenticate);
      if (!this.auth.challenged(challenge, call.scopes, authorization !== undefined)) return reply;
    }
  }

  private async exchange(call: Call, authorization: string | undefined): Promise<Reply> {
    const headers: Record<string, string> = { ...call.headers };
    if (authorization !== undefined) headers[Header.authorization] = authorization;
    const body = typeof call.body === 'function' ? call.body() : call.body;
    const url = new URL(call.url, this.origin);
    const res = await request(url, { method: call.method, headers, body, dispatcher: this.agent });
    const bytes = Buffer.from(await res.body.arrayBuffer());
    return { status: res.statusCode, headers: res.headers, body: bytes };
  }

  /** A GET outside the target (the token realm), through the same TLS settings. */
  async fetch(url: string, headers: Record<string, string>): Promise<{ status: number; body: Buffer }> {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await request(url, { method: 'GET', headers, dispatcher: this.agent });
        const body = Buffer.from(await res.body.arrayBuffer());
        if (!isRetryableStatus(res.statusCode) || attempt + 1 >= this.policy.attempts) return { status: res.statusCode, body };
      } catch (error) {
        if (attempt + 1 >= this.policy.attempts || !isRetryableError(error)) throw error;
      }
      await sleep(backoffMs(this.policy, attempt));
    }
  }
}

/** `STATUS CODE message` for an unexpected reply, with the registry's own words. */
export function describeReply(reply: Reply): string {
  return `${reply.status} ${reply.body.length > 0 ? oneLine(reply.body) : '(no body)'}`;
}
