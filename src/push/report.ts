// What push tells its user: a live line per image on a terminal, one line per image otherwise,
// the final summary, and the same facts as one JSON document with --json.
import { formatSize } from '../units.js';
import type { BlobOutcome } from './upload.js';

export interface ImageResult {
  image: string;
  repository: string;
  digest: string;
  tags: string[];
  blobs: Record<BlobOutcome, number>;
  /** Manifests written (by digest or tag); 0 when the target already had them all. */
  manifests: number;
  bytes: number;
  resumed: number;
  seconds: number;
}

export interface Summary {
  target: string;
  images: number;
  blobs: Record<BlobOutcome, number>;
  bytes: number;
  seconds: number;
}

const MIN_INTERVAL_MS = 100;

/** Bytes and blobs done of total for one image, redrawn in place on a terminal; silent otherwise. */
export class LiveLine {
  private last = 0;
  private bytes = 0;
  private blobs = 0;

  constructor(
    private readonly label: string,
    private readonly totalBytes: number,
    private readonly totalBlobs: number,
    private readonly stream: NodeJS.WriteStream | undefined,
  ) {}

  addBytes(n: number): void {
    this.bytes += n;
    this.draw(false);
  }

  blobDone(): void {
    this.blobs++;
    this.draw(true);
  }

  clear(): void {
    if (this.stream) this.stream.write('\r\x1b[K');
  }

  private draw(force: boolean): void {
    if (!this.stream) return;
    const now = Date.now();
    if (!force && now - this.last < MIN_INTERVAL_MS) return;
    this.last = now;
    const amount = `${formatSize(Math.min(this.bytes, this.totalBytes))} of ${formatSize(this.totalBytes)}`;
    this.stream.write(`\r\x1b[K${this.label}: ${this.blobs}/${this.totalBlobs} blobs, ${amount}`);
  }
}

export function imageLine(r: ImageResult): string {
  const { uploaded, present, mounted } = r.blobs;
  const total = uploaded + present + mounted;
  const resumed = r.resumed > 0 ? `, resumed ${r.resumed} upload${r.resumed === 1 ? '' : 's'}` : '';
  return `pushed ${r.image} ${r.digest}: ${total} blobs (${uploaded} uploaded, ${present} present, ${mounted} mounted), ${formatSize(r.bytes)} sent, ${r.manifests} manifests written${resumed}, ${r.seconds.toFixed(1)} s`;
}

export function summaryLine(s: Summary): string {
  const { uploaded, present, mounted } = s.blobs;
  const nothing = uploaded === 0 && mounted === 0 ? ' (nothing uploaded: the target already held every blob)' : '';
  return `pushed ${s.images} image${s.images === 1 ? '' : 's'} to ${s.target}: ${uploaded} blobs uploaded, ${present} already present, ${mounted} mounted; ${formatSize(s.bytes)} in ${s.seconds.toFixed(1)} s${nothing}`;
}

export const zeroOutcomes = (): Record<BlobOutcome, number> => ({ uploaded: 0, present: 0, mounted: 0 });
