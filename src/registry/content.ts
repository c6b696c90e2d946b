// The registry and the owner of its content, wired together: the content is loaded (src/image/live.ts),
// the registry made from it, and each reload handed to the registry as the next snapshot. The
// registry tells the owner when a transfer finds a served file changed in place.
import { LoadedArchives } from '../image/archive-cache.js';
import { LiveContent } from '../image/live.js';
import type { LoadOptions } from '../image/load.js';
import type { ImageModel } from '../model.js';
import { printable } from '../printable.js';
import type { Logger } from './log.js';
import { createRegistry, type Registry, type RegistryOptions } from './server.js';
import type { Stage } from './stages.js';

export interface ContentOptions {
  tars: string[];
  recursive?: boolean;
  load?: Omit<LoadOptions, 'accept' | 'archives' | 'recursive'>;
  /** Watch the inputs and load changes (default on); off, content changes only on SIGHUP. */
  watch?: boolean;
  /** How long a file must stay unchanged before it is loaded (default 1 s). */
  settleMs?: number;
  /** Rescan period, for file systems that send no events (default 2 s). */
  rescanMs?: number;
  /** Between the loaded model and the served one, at start and at each reload (a signature policy). */
  prepare?: (model: ImageModel) => ImageModel | Promise<ImageModel>;
  /** Called with each model a reload swapped in, once it is served (`serve --push-to`). */
  onReload?: (model: ImageModel) => void;
}

export interface Serving {
  registry: Registry;
  live: LiveContent;
  /** The model served at start. */
  model: ImageModel;
}

/** `readiness`: what /readyz reports (`path: problem` per changed file), for the health stage. */
export type StagesOf = (live: LiveContent, readiness: () => readonly string[]) => Stage[];

export const DEFAULT_SETTLE_MS = 1_000;
const DEFAULT_RESCAN_MS = 2_000;

/** Loads the content (its errors stop start-up) and makes the registry; `live.start()` begins watching. */
export async function serveContent(o: ContentOptions, options: RegistryOptions & { logger: Logger }, stagesOf: StagesOf = () => []): Promise<Serving> {
  const { logger } = options;
  let registry: Registry | undefined;
  const live = new LiveContent({
    tars: o.tars,
    recursive: o.recursive ?? false,
    load: o.load ?? {},
    archives: new LoadedArchives(),
    ...(o.prepare && { prepare: o.prepare }),
    ...(o.onReload && { reloaded: o.onReload }),
    swap: async (model, pinned) => registry?.swap(model, pinned),
    recheck: () => void registry?.changedFiles(),
    watch: o.watch ?? true,
    settleMs: o.settleMs ?? DEFAULT_SETTLE_MS,
    rescanMs: o.rescanMs ?? DEFAULT_RESCAN_MS,
    log: { info: (l) => logger.info(l), warn: (l) => logger.warn(l), error: (l) => logger.error(l) },
  });
  const stages = [...stagesOf(live, () => registry?.changedFiles() ?? []), ...(options.stages ?? [])];
  const onFileChanged = (path: string, problem: string) => {
    logger.warn(printable(`${JSON.stringify(path)} ${problem} since it was loaded: its blobs are answered 503 until it is loaded again`));
    live.fileChanged();
  };
  const model = await live.loadFirst(async (first, pinned) => {
    registry = await createRegistry(first, { ...options, stages, pinned, onFileChanged });
    return first;
  });
  return { registry: registry!, live, model };
}
