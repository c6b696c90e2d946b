// What goes wrong before a TLS request exists: a node that does not trust the CA, a client with no
// protocol or cipher in common, plain HTTP sent to the TLS port. node:https drops these silently;
// here each is one line naming the client address and the reason in words, rate-limited per
// address (log-limit.ts). Plain HTTP is told from the first bytes, before TLS sees them, as nginx
// does (ngx_http_ssl_handshake peeks at the first byte; it answers 400 "The plain HTTP request was
// sent to HTTPS port", its code 497), and is answered as Go's net/http answers it (server.go:
// "Client sent an HTTP request to an HTTPS server."), with where to go instead.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { clientAddress, type LogLimiter } from './log-limit.js';
import type { Logger } from './log.js';

/** A TLS record starts with its content type: 22 is a handshake (RFC 8446 section 5.1). */
const TLS_HANDSHAKE = 0x16;
/** After answering plain HTTP, how long the client may keep sending before the socket is cut. */
const LINGER_MS = 2_000;

export interface Reason {
  /** Short, stable: `unknown CA`, `bad certificate`, `no shared protocol`, ... */
  reason: string;
  /** What it means and what to do. */
  fix: string;
}

const INSTALL_CA = "copy the seed's CA to the node (ca.crt of --tls-self-signed DIR; seed-registry configure --ca puts it where the runtime reads it)";

/** OpenSSL's error codes as node names them (ERR_SSL_ + OpenSSL's reason), to words. */
const REASONS: Record<string, Reason> = {
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: { reason: 'unknown CA', fix: `the client does not trust the CA that signed the seed's certificate: ${INSTALL_CA}` },
  // Go's crypto/tls (docker, containerd, skopeo, podman, the kubelet's runtimes) sends bad_certificate
  // for every verification failure, unknown authority included (handshake_client.go, verifyServerCertificate).
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: { reason: 'bad certificate', fix: "the client refused the seed's certificate: it does not trust the CA (copy ca.crt of --tls-self-signed DIR to the node; configure --ca), or the name it dialled is not in the certificate (--advertise every name and address nodes use)" },
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN: { reason: 'certificate unknown', fix: "the client refused the seed's certificate: it does not trust the CA (copy ca.crt of --tls-self-signed DIR to the node; configure --ca), or the name it dialled is not in the certificate (--advertise every name and address nodes use)" },
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED: { reason: 'certificate expired', fix: "the certificate is expired or not yet valid by the client's clock: compare the node's clock with the seed's (date -u)" },
  ERR_SSL_UNSUPPORTED_PROTOCOL: { reason: 'no shared protocol', fix: 'the client offers only TLS versions the seed refuses (it takes TLS 1.2 and 1.3): update the client' },
  ERR_SSL_NO_PROTOCOLS_AVAILABLE: { reason: 'no shared protocol', fix: 'the client offers only TLS versions the seed refuses (it takes TLS 1.2 and 1.3): update the client' },
  ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION: { reason: 'no shared protocol', fix: 'the client refuses the TLS versions the seed offers (TLS 1.2 and 1.3): update the client' },
  ERR_SSL_NO_SHARED_CIPHER: { reason: 'no shared cipher', fix: 'the client and the seed have no cipher suite in common: update the client or its TLS settings' },
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: { reason: 'handshake failure alert', fix: 'the client found no acceptable parameters (cipher, group, signature): update the client or its TLS settings' },
  ERR_SSL_HTTP_REQUEST: { reason: 'plain HTTP', fix: 'the client sent plain HTTP to the TLS port: configure it with https://' },
  ERR_SSL_WRONG_VERSION_NUMBER: { reason: 'not TLS', fix: 'the client sent something that is not TLS to the TLS port' },
  ERR_TLS_HANDSHAKE_TIMEOUT: { reason: 'handshake timed out', fix: 'the client did not finish the handshake in time' },
  ECONNRESET: { reason: 'closed during the handshake', fix: 'the client closed the connection before the handshake ended (it may not trust the certificate)' },
};

/** The reason of a failed handshake, from node's error code, else OpenSSL's reason text. */
export function handshakeReason(error: NodeJS.ErrnoException & { reason?: string }): Reason {
  const known = REASONS[error.code ?? ''];
  if (known) return known;
  const text = error.reason ?? error.message.split('\n')[0]!;
  return { reason: text, fix: 'the TLS handshake failed' };
}

/** True when the first bytes look like an HTTP request line (`GET /`, `HEAD /`, any upper-case method). */
export function looksLikePlainHttp(first: Buffer): boolean {
  return first.length > 0 && first[0] !== TLS_HANDSHAKE && /^[A-Z]{3,10}( |$)/.test(first.toString('latin1', 0, Math.min(first.length, 11)));
}

/**
 * Installs the first-bytes check and the handshake-failure lines on an https server. `peekMs`:
 * a client that connects and sends nothing is cut after this long (the TLS handshake timer only
 * starts once the bytes are handed on).
 */
export function watchTls(server: Server, logger: Logger, limiter: LogLimiter, peekMs: number): void {
  const tlsListeners = server.listeners('connection') as Array<(socket: Socket) => void>;
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    const client = clientAddress(socket.remoteAddress);
    // Until TLS owns the socket, its errors and its silence are this code's to handle.
    const onError = () => socket.destroy();
    const onTimeout = () => socket.destroy();
    socket.on('error', onError);
    socket.setTimeout(peekMs);
    socket.on('timeout', onTimeout);
    socket.once('data', (first: Buffer) => {
      socket.setTimeout(0);
      socket.off('timeout', onTimeout);
      socket.pause();
      if (looksLikePlainHttp(first)) return answerPlainHttp(socket, first, client, logger, limiter);
      // node's TLS socket takes the bytes already read from the socket's buffer (_tls_wrap.js initRead).
      socket.unshift(first);
      socket.off('error', onError);
      for (const listener of tlsListeners) listener.call(server, socket);
    });
  });
  server.on('tlsClientError', (error: NodeJS.ErrnoException, tlsSocket: TLSSocket) => {
    const parent = (tlsSocket as TLSSocket & { _parent?: Socket })._parent;
    const client = clientAddress(parent?.remoteAddress ?? tlsSocket.remoteAddress);
    const { reason, fix } = handshakeReason(error);
    // Per reason too: a node without the CA must not hide a client with no shared protocol.
    const kind = REASONS[error.code ?? ''] ? `tls ${reason}` : 'tls other';
    const admitted = limiter.admit(kind, client, reason, (more, reasons, who, seconds) => ({
      event: 'tls-handshake-failed',
      message: `tls: ${more} more failed handshake${more === 1 ? '' : 's'} from ${who} in the last ${seconds} s (${reasons.join(', ')})`,
      fields: { client: who, more, seconds, reasons: reasons.join(', ') },
    }));
    if (admitted) logger.event({ event: 'tls-handshake-failed', message: `tls: handshake from ${client} failed: ${reason}: ${fix}`, fields: { client, reason } });
  });
}

function answerPlainHttp(socket: Socket, first: Buffer, client: string, logger: Logger, limiter: LogLimiter): void {
  const text = first.toString('latin1');
  const requestLine = JSON.stringify(text.slice(0, text.search(/\r?\n|$/)).slice(0, 200));
  // The Host header names where the client meant to go; kept only if it is a plain host[:port].
  const host = /\r\nhost:[ \t]*([A-Za-z0-9.:[\]-]{1,260})[ \t]*\r\n/i.exec(text)?.[1];
  const where = host === undefined ? 'https://' : `https://${host}/`;
  const body = `Client sent an HTTP request to an HTTPS server: this port speaks HTTPS only (${where}).\n`;
  const head = ['HTTP/1.1 400 Bad Request', 'Content-Type: text/plain; charset=utf-8', 'X-Content-Type-Options: nosniff', `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close'];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
  // Keep reading for a moment: closing with unread bytes makes the kernel send a reset.
  socket.resume();
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
  const admitted = limiter.admit('plain-http', client, undefined, (more, _details, who, seconds) => ({
    event: 'plain-http-on-tls-port',
    message: `tls: ${more} more plain HTTP request${more === 1 ? '' : 's'} from ${who} on the TLS port in the last ${seconds} s`,
    fields: { client: who, more, seconds },
  }));
  if (admitted) {
    logger.event({
      event: 'plain-http-on-tls-port',
      message: `tls: plain HTTP from ${client} on the TLS port (${requestLine}), answered 400: configure the client with https:// (and the seed's CA), not http://`,
      fields: { client, request: requestLine },
    });
  }
}
