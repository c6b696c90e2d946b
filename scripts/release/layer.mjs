// Writing image blobs without docker: a layer is a tar (tar-stream's pack) gzipped by node:zlib,
// hashed on the way in (the diff_id, image-spec config.md) and on the way out (the blob digest),
// with every entry's owner and time fixed so the same inputs give the same digests.
// Layer format: image-spec layer.md (no whiteouts here: each layer only adds files).
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';

/** A Transform that hashes what passes through. */
function hashing() {
  const hash = createHash('sha256');
  const stream = new Transform({
    transform(chunk, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  return { stream, digest: () => `sha256:${hash.digest('hex')}` };
}

/**
 * A tar being written: add() entries in order (a directory is written once even when several
 * packages list it), then finish(). `mtime` is the time every entry gets.
 */
export class LayerWriter {
  constructor(workDir, mtime) {
    this.pack = tar.pack();
    this.mtime = mtime;
    this.dirs = new Set();
    this.tmp = join(workDir, `layer-${Math.random().toString(36).slice(2)}`);
    this.raw = hashing();
    this.gz = hashing();
    this.done = pipeline(this.pack, this.raw.stream, createGzip({ level: 9 }), this.gz.stream, createWriteStream(this.tmp));
  }

  /** header: { name, type, mode, linkname, size }; body: Buffer, or a file path for a large one. */
  async add(header, body) {
    const name = header.name.replace(/^\.?\/+/, '').replace(/\/+$/, '');
    if (name === '' || name === '.') return;
    if (header.type === 'directory') {
      if (this.dirs.has(name)) return;
      this.dirs.add(name);
    }
    // A hard link names another entry of this tar, as the entry names are written.
    const linkname = header.type === 'link' ? header.linkname.replace(/^\.?\/+/, '') : header.linkname;
    const entry = { name: header.type === 'directory' ? `${name}/` : name, type: header.type, mode: header.mode, linkname, mtime: this.mtime, uid: 0, gid: 0, uname: 'root', gname: 'root' };
    if (typeof body === 'string') {
      const size = statSync(body).size;
      await pipeline(createReadStream(body), this.pack.entry({ ...entry, size }));
      return;
    }
    await new Promise((resolve, reject) => this.pack.entry(entry, body, (error) => (error ? reject(error) : resolve())));
  }

  /** Every entry of an uncompressed tar (Buffer), with names as `rename(name)` says; null skips one. */
  async addTar(buffer, rename = (name) => name) {
    const extract = tar.extract();
    const reading = (async () => {
      for await (const entry of extract) {
        const chunks = [];
        for await (const chunk of entry) chunks.push(chunk);
        const name = rename(entry.header.name.replace(/^\.?\/+/, '').replace(/\/+$/, ''));
        if (name === null) continue;
        await this.add({ ...entry.header, name }, entry.header.type === 'file' ? Buffer.concat(chunks) : undefined);
      }
    })();
    extract.end(buffer);
    await reading;
  }

  /** Closes the tar; the blob is moved to blobsDir/<hex>. Returns { digest, diffId, size }. */
  async finish(blobsDir) {
    this.pack.finalize();
    await this.done;
    const digest = this.gz.digest();
    const path = join(blobsDir, digest.slice('sha256:'.length));
    renameSync(this.tmp, path);
    return { digest, diffId: this.raw.digest(), size: statSync(path).size };
  }
}
