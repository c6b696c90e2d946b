// The few small blobs a signature policy reads at load: signature payloads and sigstore bundles.
import { open } from '../source/file-handle.js';
import type { Blob } from '../model.js';

/** containers/image internal/iolimits: MaxSignatureBodySize, 4 MiB. */
export const MAX_SIGNATURE_BYTES = 4 * 1024 * 1024;

export async function readSmallBlob(blob: Blob): Promise<Buffer> {
  if (blob.size > MAX_SIGNATURE_BYTES) throw new Error(`blob ${blob.digest} is larger than ${MAX_SIGNATURE_BYTES} bytes`);
  const { source } = blob;
  if (source.kind === 'memory') return source.bytes;
  const file = await open(source.path, 'r');
  try {
    const bytes = Buffer.alloc(blob.size);
    const { bytesRead } = await file.read(bytes, 0, blob.size, source.offset);
    if (bytesRead !== blob.size) throw new Error(`blob ${blob.digest} is cut short in ${source.path}`);
    return bytes;
  } finally {
    await file.close();
  }
}
