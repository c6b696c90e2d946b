// Live content: the inputs are watched while the seed serves, and each change is loaded beside the
// served content with the ordinary loader and limits, passed through the same `prepare` step as at
// start, and handed over whole (`swap`): the registry builds the next snapshot and swaps one
// reference (docs/design/snapshot.md, docs/live-content.md). Watching is fs events on the folders,
// with a periodic rescan for file systems that send none (NFS, vfat on a USB stick); SIGHUP reads
// every input again. What is served changes only by a load that succeeded, as with nginx's reload:
// a failed one leaves the previous content, logs one line, and is tried again when a file changes.
import { type FSWatcher, watch } from 'node:fs';
import { basename } from 'node:path';
import type { ImageModel } from '../model.js';
import { printable } from '../printable.js';
import type { FileIdentity } from '../source/identity.js';
import { isIgnoredName } from '../source/inputs.js';
import { ChangedWhileLoadingError, type LoadedArchives } from './archive-cache.js';
import { changedFiles, describeReload, fingerprint, observe, planReload, type Seen } from './live-rules.js';
import { type LoadOptions, loadImages, loadModel } from './load.js';
import { pick, scanFiles, watchedFolders } from './live-scan.js';

export interface LiveLog {
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
}

export interface LiveOptions {
  tars: string[];
  recursive: boolean;
  load: Omit<LoadOptions, 'accept' | 'archives' | 'recursive'>;
  archives: LoadedArchives;
  /** The step between the loaded model and the served one (a signature policy); identity by default. */
  prepare?: (model: ImageModel) => ImageModel | Promise<ImageModel>;
  /** Hands a model to the registry, which builds the next snapshot and swaps it in. */
  swap(model: ImageModel, pinned: ReadonlyMap<string, FileIdentity>): Promise<void>;
  /** A served file changed on disk: the registry checks its files now and stops serving changed ones. */
  recheck(): void;
  /** After a reload is served and logged, with the model now served (`serve --push-to`). */
  reloaded?(model: ImageModel): void;
  /** Watch folders and rescan them (false: content changes only on SIGHUP). */
  watch: boolean;
  /** How long a file must stay unchanged before it is read. */
  settleMs: number;
  rescanMs: number;
  log: LiveLog;
}

/** Milliseconds between an fs event and the scan it causes: a copy sends many events. */
const EVENT_DELAY_MS = 50;

export class LiveContent {
  readonly reloads = { ok: 0, failed: 0 };
  private model: ImageModel | undefined;
  private loaded = new Map<string, FileIdentity>();
  private failed: string | undefined;
  private seen = new Map<string, Seen>();
  private readonly watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private due = 0;
  private rescan: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private force = false;
  private stopped = false;
  private scanError: string | undefined;

  constructor(private readonly options: LiveOptions) {}

  /** Images served now: a signature policy's refused images and the signatures attached to images are not. */
  get images(): number {
    return this.model?.images.filter((r) => r.trust === undefined || 'signedBy' in r.trust).length ?? 0;
  }

  /** Images a signature policy refuses now (0 without one). */
  get refusedImages(): number {
    return this.model?.images.filter((r) => r.trust !== undefined && 'refused' in r.trust).length ?? 0;
  }

  /** The start-up load (its errors stop start-up); `serve` makes the registry from its result. */
  async loadFirst<T>(serve: (model: ImageModel, pinned: ReadonlyMap<string, FileIdentity>) => Promise<T>): Promise<T> {
    const { archives, recursive } = this.options;
    // Nothing is served yet: the files are stated without the thread pool, as the load reads them.
    const files = await scanFiles(this.options.tars, recursive, true);
    const model = await this.prepare(await loadImages(this.options.tars, { ...this.options.load, recursive, archives }));
    const result = await serve(model, archives.identities());
    archives.commit();
    this.model = model;
    this.loaded = files;
    this.seen = observe(new Map(), files, Date.now());
    return result;
  }

  /** Starts watching (unless `watch` is off), and looks at once for changes made during the first load. */
  start(): void {
    if (!this.options.watch) return;
    for (const dir of watchedFolders(this.options.tars)) this.watchFolder(dir);
    this.rescan = setInterval(() => this.trigger(), this.options.rescanMs).unref();
    this.trigger();
  }

  /** SIGHUP: read every input again, whether or not it looks changed. */
  reloadAll(): void {
    this.force = true;
    this.trigger();
  }

  /** A transfer found a served file changed: look now rather than at the next event or rescan. */
  fileChanged(): void {
    if (this.options.watch) this.trigger();
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.watchers) w.close();
    clearInterval(this.rescan);
    clearTimeout(this.timer);
  }

  /** Resolves once no scan or load is under way (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private watchFolder(dir: string): void {
    try {
      const watcher = watch(dir, { recursive: this.options.recursive, persistent: false }, (_event, name) => {
        if (name === null || !isIgnoredName(basename(name.toString()))) this.later(EVENT_DELAY_MS);
      });
      // A folder removed or unmounted: the rescans go on looking for it.
      watcher.on('error', () => watcher.close());
      this.watchers.push(watcher);
    } catch {
      // Not there yet, or no inotify left: the rescans cover it.
    }
  }

  /** Looks again in `ms`, or sooner when a look is already due sooner (an event is never put off). */
  private later(ms: number): void {
    if (this.stopped) return;
    const due = Date.now() + ms;
    if (this.timer !== undefined && this.due <= due) return;
    clearTimeout(this.timer);
    this.due = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.trigger();
    }, ms).unref();
  }

  private trigger(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.cycle()
      .catch((error: unknown) => this.options.log.error(`content reload: ${printable(String((error as Error)?.message ?? error))}`))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.trigger();
        }
      });
  }

  private async cycle(): Promise<void> {
    const files = await this.scan();
    if (files === undefined) return;
    const now = Date.now();
    this.seen = observe(this.seen, files, now);
    if (changedFiles(this.loaded, files).length > 0) this.options.recheck();
    const force = this.force;
    const plan = planReload({ loaded: this.loaded, seen: this.seen, named: new Set(this.options.tars), now, settleMs: this.options.settleMs, force, ...(this.failed !== undefined && { failed: this.failed }) });
    if (plan.kind === 'wait') return this.later(plan.ms);
    if (plan.recheckMs !== undefined) this.later(plan.recheckMs);
    if (plan.kind === 'idle') return;
    this.force = false;
    if (force) this.options.archives.readAllAgain();
    await this.load(plan.target);
  }

  private async scan(): Promise<Map<string, FileIdentity> | undefined> {
    try {
      const files = await scanFiles(this.options.tars, this.options.recursive);
      this.scanError = undefined;
      return files;
    } catch (error) {
      const message = printable((error as Error).message);
      // Once per problem, not once per rescan.
      if (message !== this.scanError) this.options.log.error(`watching the inputs: ${message}`);
      this.scanError = message;
      return undefined;
    }
  }

  private async load(target: Map<string, FileIdentity>): Promise<void> {
    const { archives, recursive, log } = this.options;
    const quiet = { onDecompressProgress: () => {}, onVerifyProgress: () => {} };
    const started = performance.now();
    try {
      const loaded = await loadModel(this.options.tars, { ...this.options.load, ...quiet, recursive, archives, accept: (path) => target.has(path) });
      const model = await this.prepare(loaded);
      await this.options.swap(model, archives.identities());
      archives.commit();
      const before = this.model;
      this.model = model;
      this.loaded = target;
      this.failed = undefined;
      this.reloads.ok++;
      if (before !== undefined) log.info(printable(describeReload(before, model, performance.now() - started)));
      const known = new Set(before?.warnings);
      for (const w of model.warnings) if (!known.has(w)) log.warn(printable(w));
    } catch (error) {
      archives.abort();
      // A file that changed while it was read is being written: not an error, look again later.
      if (error instanceof ChangedWhileLoadingError || (await this.changedSince(target))) return this.later(this.options.settleMs);
      this.failed = fingerprint(target);
      this.reloads.failed++;
      const count = this.model?.images.length ?? 0;
      log.error(`content reload failed, still serving the ${count} image${count === 1 ? '' : 's'} loaded before: ${printable((error as Error).message ?? String(error))}`);
      return;
    }
    // Outside the try: a listener's mistake is not a failed load of content already served.
    if (this.model !== undefined) this.options.reloaded?.(this.model);
  }

  /** True when some file of `target` is no longer as it was when the load began. */
  private async changedSince(target: ReadonlyMap<string, FileIdentity>): Promise<boolean> {
    const files = await scanFiles(this.options.tars, this.options.recursive).catch(() => undefined);
    return files === undefined || fingerprint(pick(files, target)) !== fingerprint(target);
  }

  private prepare(model: ImageModel): ImageModel | Promise<ImageModel> {
    return this.options.prepare ? this.options.prepare(model) : model;
  }
}
