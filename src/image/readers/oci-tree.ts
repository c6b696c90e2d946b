// Walks an OCI layout's manifest graph from one descriptor of index.json down to its blobs, iteratively
// (an explicit stack, not the JS stack) and once per digest: a child shared by many indexes is read
// once and costs nothing after, an index that lists itself (directly or through others) is a
// start-up error naming the digest, nesting is bounded, and so are the metadata bytes read.
//
// A manifest listed directly in index.json must be complete. Below an index, a platform whose blobs
// are absent is skipped with a warning: `docker save` with the containerd image store lists every
// platform of a multi-arch image but stores only those that were pulled.
import { LoadError } from '../../load-error.js';
import { type Blob, type Descriptor, type Manifest, formatPlatform } from '../../model.js';
import type { TarIndex } from '../../tar/index.js';
import { Absent, type BlobPaths, type GraphNode, LAYOUT_PATHS, blobSource, readGraphNode } from './oci-node.js';

/** Deepest nesting of indexes followed; real images use one or two levels. */
export const MAX_DEPTH = 64;
/** Most manifest and index bytes read from one archive (each is also capped at JSON_CAP). */
export const METADATA_BUDGET = 256 * 1024 * 1024;
/**
 * Most nodes gathered over all images of one archive: many indexes sharing one large subgraph
 * would otherwise cost (indexes × subgraph) even though each node is read once.
 */
export const GATHER_BUDGET = 1_000_000;

export interface Tree {
  top: Manifest;
  manifests: Manifest[];
  blobs: Blob[];
  platforms: string[];
  layers: number;
  configDigests: string[];
}

interface Frame {
  node: GraphNode;
  path: string;
  next: number;
}

/** A manifest an index lists whose bytes are not in the archive: its image is not served. */
export interface AbsentChild {
  /** The manifest or index that lists it. */
  parent: string;
  digest: string;
  platform?: string;
  /** Where its bytes should have been. */
  path: string;
}

export class TreeReader {
  readonly absent: AbsentChild[] = [];
  /** Digest → its node, or null when its blob is absent (below an index). */
  private readonly nodes = new Map<string, GraphNode | null>();
  /** Digests whose whole subgraph has been read and found acyclic. */
  private readonly finished = new Set<string>();
  private metadataBytes = 0;
  private gathered = 0;

  constructor(
    private readonly index: TarIndex,
    private readonly paths: BlobPaths = LAYOUT_PATHS,
  ) {}

  get warnings(): string[] {
    return this.absent.map((a) => `${this.index.file}: ${a.parent}: ${a.platform ? `platform ${a.platform} ` : ''}${a.digest} is not served: ${a.path} is missing`);
  }

  /** `parent` is the entry that lists `d`; `required` is false below an index. */
  async read(d: Descriptor, parent: string, required: boolean): Promise<Tree | undefined> {
    const top = await this.node(d, parent, required);
    if (!top) return undefined;
    await this.explore(top, d);
    return this.collect(top);
  }

  /** Depth-first over children not yet finished; a child found on the current path is a cycle. */
  private async explore(top: GraphNode, d: Descriptor): Promise<void> {
    const stack: Frame[] = [{ node: top, path: this.paths.manifest(d.digest), next: 0 }];
    const onPath = new Set([d.digest]);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const child = frame.node.children[frame.next++];
      if (child === undefined) {
        stack.pop();
        onPath.delete(frame.node.manifest.digest);
        this.finished.add(frame.node.manifest.digest);
        continue;
      }
      if (onPath.has(child.digest)) throw new LoadError(this.index.file, `index ${child.digest} lists itself (a cycle through ${frame.path})`, frame.path);
      if (this.finished.has(child.digest)) {
        if (this.nodes.get(child.digest)) blobSource(this.index, child, frame.path, this.paths.manifest(child.digest));
        continue;
      }
      if (stack.length >= MAX_DEPTH) throw new LoadError(this.index.file, `indexes nested more than ${MAX_DEPTH} deep`, frame.path);
      const node = await this.node(child, frame.path, false);
      if (!node) {
        this.finished.add(child.digest);
        continue;
      }
      onPath.add(child.digest);
      stack.push({ node, path: this.paths.manifest(child.digest), next: 0 });
    }
  }

  /** Everything reachable from `top`, each node once, in depth-first order. */
  private collect(top: GraphNode): Tree {
    const tree: Tree = { top: top.manifest, manifests: [], blobs: [], platforms: [], layers: 0, configDigests: [] };
    const seen = new Set<string>();
    const blobs = new Set<string>();
    const stack = [top];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (seen.has(node.manifest.digest)) continue;
      seen.add(node.manifest.digest);
      if (++this.gathered > GATHER_BUDGET) throw new LoadError(this.index.file, `its images share more than ${GATHER_BUDGET} manifests in all`, 'index.json');
      tree.manifests.push(node.manifest);
      for (const b of node.blobs) if (!blobs.has(b.digest)) blobs.add(b.digest), tree.blobs.push(b);
      for (const p of node.platforms) if (!tree.platforms.includes(p)) tree.platforms.push(p);
      tree.layers += node.layers;
      tree.configDigests.push(...node.configDigests);
      for (let i = node.children.length - 1; i >= 0; i--) {
        const child = this.nodes.get(node.children[i]!.digest);
        if (child) stack.push(child);
      }
    }
    return tree;
  }

  /** Reads a node once; an absent one is a warning below an index, an error when required. */
  private async node(d: Descriptor, parent: string, required: boolean): Promise<GraphNode | null> {
    const known = this.nodes.get(d.digest);
    if (known !== undefined) {
      if (known === null && required) throw new LoadError(this.index.file, `listed in ${parent} but missing from the archive`, this.paths.manifest(d.digest));
      return known;
    }
    let node: GraphNode | null;
    try {
      node = await readGraphNode(this.index, d, parent, this.paths);
      this.metadataBytes += node.manifest.bytes.length;
      if (this.metadataBytes > METADATA_BUDGET) {
        throw new LoadError(this.index.file, `manifests and indexes take more than ${METADATA_BUDGET} bytes`, parent);
      }
    } catch (err) {
      if (!(err instanceof Absent)) throw err;
      if (required) throw new LoadError(this.index.file, `listed in ${err.listedIn} but missing from the archive`, err.path);
      const absent: AbsentChild = { parent, digest: d.digest, path: err.path };
      if (d.platform) absent.platform = formatPlatform(d.platform);
      this.absent.push(absent);
      node = null;
    }
    this.nodes.set(d.digest, node);
    return node;
  }
}
