// `seed-registry prepull`: pull every served image into this node's runtime through its CRI socket,
// a few at a time, skipping what it already holds; one line per image, then a summary. The list is
// the seed's (listImages) or a file of references, one per line (the k3s agent/images/*.txt format
// `configure --prepull` writes).
import { readFileSync, statSync } from 'node:fs';
import { LoadError } from '../load-error.js';
import { printable } from '../printable.js';
import { CriImages, type PullAuth } from './cri.js';
import { parseCriEndpoint } from './grpc.js';
import { listImages, type SeedAddress } from './seed-images.js';

export interface PrepullOptions {
  seed?: SeedAddress;
  /** A file of image references; without it the seed is asked. */
  imagesFile?: string;
  upstreams: string[];
  cri: string;
  concurrency: number;
  /** Keep running once done (a DaemonSet pod stays Ready instead of restarting). */
  hold: boolean;
  log?: (line: string) => void;
}

export interface PrepullResult {
  pulled: string[];
  present: string[];
  failed: string[];
}

export function readImageList(text: string): string[] {
  return [...new Set(text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')))];
}

async function imageList(o: PrepullOptions, log: (line: string) => void): Promise<string[]> {
  if (o.imagesFile !== undefined) {
    try {
      return readImageList(readFileSync(o.imagesFile, 'utf8'));
    } catch (error) {
      throw new LoadError(o.imagesFile, `cannot read the image list (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  if (o.seed === undefined) throw new LoadError('prepull', 'give --registry HOST:PORT (the seed to list) or --images FILE');
  const { images, unclaimed } = await listImages(o.seed, o.upstreams);
  for (const repository of unclaimed) log(`warning: ${repository}: served, but under none of the registries asked (${o.upstreams.join(', ')}); add --upstream`);
  return images;
}

/** The socket path of --cri, refused in one line when it is not a unix socket that exists. */
function criSocket(endpoint: string): string {
  let path: string;
  try {
    path = parseCriEndpoint(endpoint);
  } catch (error) {
    throw new LoadError('--cri', (error as Error).message);
  }
  let socket = false;
  try {
    socket = statSync(path).isSocket();
  } catch {
    // reported below
  }
  if (!socket) throw new LoadError(path, 'no CRI socket here: is containerd running, and is this its address (--cri)?');
  return path;
}

export async function runPrepull(o: PrepullOptions): Promise<PrepullResult> {
  const log = o.log ?? ((line: string) => console.log(printable(line)));
  const started = performance.now();
  const socket = criSocket(o.cri);
  const images = await imageList(o, log);
  const cri = new CriImages(socket);
  const auth: PullAuth | undefined = o.seed?.credentials;
  const result: PrepullResult = { pulled: [], present: [], failed: [] };
  let done = 0;
  const one = async (image: string) => {
    const t0 = performance.now();
    try {
      if (await cri.has(image)) {
        result.present.push(image);
        log(`present ${image} (${++done}/${images.length})`);
        return;
      }
      // Credentials go with a pull by the seed's own address; through a mirror the node's config carries them.
      const direct = o.seed !== undefined && image.startsWith(`${o.seed.registry}/`);
      await cri.pull(image, direct ? auth : undefined);
      result.pulled.push(image);
      log(`pulled ${image} (${++done}/${images.length}, ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (error) {
      result.failed.push(image);
      log(`failed ${image} (${++done}/${images.length}): ${(error as Error).message}`);
    }
  };
  try {
    const queue = [...images];
    await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency, queue.length)) }, async () => {
      for (let image = queue.shift(); image !== undefined; image = queue.shift()) await one(image);
    }));
  } finally {
    cri.close();
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  log(`prepull: ${images.length} images: ${result.pulled.length} pulled, ${result.present.length} already present, ${result.failed.length} failed, in ${seconds} s`);
  // A timer keeps the process (and the DaemonSet's pod) alive; SIGTERM ends it.
  if (o.hold) await new Promise(() => setInterval(() => {}, 2 ** 30));
  return result;
}
