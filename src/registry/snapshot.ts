// One generation of served content (docs/design/snapshot.md): the Served tables and the files its
// blobs are read from. A request takes the current snapshot once and keeps it; a blob transfer
// holds it until its last byte is handed over. A snapshot that has been replaced closes its files
// when its last transfer ends, as nginx's old workers finish their requests after a reload.
import type { ImageModel, Platform } from '../model.js';
import type { FileIdentity } from '../source/identity.js';
import { SourceFiles } from '../source/files.js';
import { type OnFileChanged, PinnedFiles } from '../source/pinned.js';
import { buildServed, type Served } from './served.js';

export interface SnapshotOptions {
  platform?: Platform;
  readChunk?: number;
  /** Identity of each tar file when it was indexed (src/source/identity.ts); unpinned files are not checked. */
  pinned?: ReadonlyMap<string, FileIdentity>;
  onFileChanged?: OnFileChanged;
  /** The first snapshot, made before the server listens: its files are opened with blocking calls. */
  beforeServing?: boolean;
}

export class Snapshot {
  private transfers = 0;
  private retired = false;
  private closed: Promise<void> | undefined;

  constructor(
    readonly served: Served,
    readonly files: SourceFiles,
  ) {}

  /** Held by a transfer until it ends; the files stay open while any transfer holds them. */
  acquire(): void {
    this.transfers++;
  }

  release(): void {
    if (--this.transfers === 0 && this.retired) void this.close();
  }

  /** No new request will take this snapshot: its files close once its transfers have ended. */
  retire(): Promise<void> {
    this.retired = true;
    return this.transfers === 0 ? this.close() : Promise.resolve();
  }

  private close(): Promise<void> {
    return (this.closed ??= this.files.close());
  }
}

export async function openSnapshot(model: ImageModel, options: SnapshotOptions = {}): Promise<Snapshot> {
  const served = buildServed(model, options.platform);
  const pins = new PinnedFiles(options.pinned, options.onFileChanged);
  const files = await SourceFiles.open([...served.blobs.values()].map((b) => b.source), { chunk: options.readChunk, pins, beforeServing: options.beforeServing });
  return new Snapshot(served, files);
}
