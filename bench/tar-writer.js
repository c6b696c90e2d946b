// A minimal ustar writer for the benchmark images: headers for regular files and directories,
// written to a file descriptor at known offsets, so layer bytes never pass through a tar library.
import { writeSync } from 'node:fs';

export const BLOCK = 512;
const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);

/** Bytes of padding after `size` data bytes to reach the next 512-byte block. */
export function padding(size) {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** Total bytes an entry of `size` data bytes occupies in a tar file (header + data + padding). */
export function entrySpan(size) {
  return BLOCK + size + padding(size);
}

/** Total bytes of a tar holding one file of `size` bytes (entry + end-of-archive blocks). */
export function singleFileTarSize(size) {
  return entrySpan(size) + END_OF_ARCHIVE.length;
}

function writeOctal(header, value, offset, width) {
  // width includes the terminating NUL; sizes up to 8 GiB fit 11 octal digits.
  header.write(value.toString(8).padStart(width - 1, '0'), offset, width - 1, 'ascii');
}

/** A ustar header block; names up to 100 bytes (the benchmark's names are short). */
export function header(name, size, type = 'file') {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar name too long: ${name}`);
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  writeOctal(h, type === 'directory' ? 0o755 : 0o644, 100, 8);
  writeOctal(h, 0, 108, 8); // uid
  writeOctal(h, 0, 116, 8); // gid
  writeOctal(h, size, 124, 12);
  writeOctal(h, 1_700_000_000, 136, 12); // fixed mtime: reproducible archives
  h.write(type === 'directory' ? '5' : '0', 156, 1, 'ascii');
  h.write('ustar\u000000', 257, 8, 'ascii');
  h.fill(' ', 148, 156); // checksum is computed with its own field as spaces
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(sum.toString(8).padStart(6, '0') + '\u0000 ', 148, 8, 'ascii');
  return h;
}

/** Appends whole entries to an open file descriptor, tracking the position. */
export class TarWriter {
  constructor(fd) {
    this.fd = fd;
    this.position = 0;
  }

  write(buffer) {
    let done = 0;
    while (done < buffer.length) done += writeSync(this.fd, buffer, done, buffer.length - done);
    this.position += buffer.length;
  }

  /** Writes a small entry whole; returns its data offset. */
  file(name, data) {
    this.write(header(name, data.length));
    const offset = this.position;
    this.write(data);
    this.pad(data.length);
    return offset;
  }

  directory(name) {
    this.write(header(name.endsWith('/') ? name : `${name}/`, 0, 'directory'));
  }

  /** Starts an entry whose data the caller streams with write(); returns its data offset. */
  begin(name, size) {
    this.write(header(name, size));
    return this.position;
  }

  pad(size) {
    const n = padding(size);
    if (n > 0) this.write(Buffer.alloc(n));
  }

  end() {
    this.write(END_OF_ARCHIVE);
  }
}
