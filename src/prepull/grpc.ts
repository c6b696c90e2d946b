// A unary gRPC call over HTTP/2 on a unix socket, with node:http2: the request is one length-prefixed
// message, the answer one message and `grpc-status` in the trailers (or, for an error answered at
// once, in the headers: "Trailers-Only"). https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md
// Hand-written instead of @grpc/grpc-js: two calls with string fields do not need a 1.5 MB client in
// the single executable.
import { connect as connectHttp2, constants, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { connect as connectSocket } from 'node:net';

export class GrpcError extends Error {
  override readonly name = 'GrpcError';
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(`gRPC status ${status}${detail ? `: ${detail}` : ''}`);
  }
}

/** `unix:///run/containerd/containerd.sock` or a bare path → the socket path; throws on anything else. */
export function parseCriEndpoint(endpoint: string): string {
  if (endpoint.startsWith('unix://')) return endpoint.slice('unix://'.length);
  if (endpoint.startsWith('/')) return endpoint;
  throw new Error(`expected unix:///path/to/socket, got "${endpoint}"`);
}

export class GrpcChannel {
  private readonly session: ClientHttp2Session;

  constructor(socketPath: string) {
    // The authority is not used on a unix socket; gRPC servers accept any.
    this.session = connectHttp2('http://localhost', { createConnection: () => connectSocket(socketPath) });
    this.session.on('error', () => {});
  }

  /** Calls `/service/method` with an encoded request; resolves with the encoded answer. */
  call(path: string, request: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const stream = this.session.request({
        [constants.HTTP2_HEADER_METHOD]: 'POST',
        [constants.HTTP2_HEADER_PATH]: path,
        [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
        te: 'trailers',
      });
      const chunks: Buffer[] = [];
      let headers: IncomingHttpHeaders = {};
      stream.on('response', (h) => (headers = h));
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', reject);
      stream.on('trailers', (t) => (headers = { ...headers, ...t }));
      stream.on('end', () => {
        const status = Number(headers['grpc-status'] ?? 2);
        if (status !== 0) return reject(new GrpcError(status, decodeURIComponent(String(headers['grpc-message'] ?? ''))));
        const body = Buffer.concat(chunks);
        if (body.length < 5) return resolve(Buffer.alloc(0));
        resolve(body.subarray(5, 5 + body.readUInt32BE(1)));
      });
      const frame = Buffer.alloc(5);
      frame.writeUInt32BE(request.length, 1);
      stream.end(Buffer.concat([frame, request]));
    });
  }

  close(): void {
    this.session.close();
  }
}
