// The single executable's script when the release is built with `--startup snapshot`
// (scripts/bundle.mjs bundles it; scripts/release/sea.mjs builds the snapshot). Node runs it on the
// build machine: the modules are evaluated there, and a start runs main() on the heap the snapshot
// brings back, with nothing left to parse or evaluate. Run any other way (node, or an executable
// built without a snapshot), it is the command line.
// Node keeps the bytecode of functions that ran before the snapshot was taken (and compiles every
// other function the first time it runs, as always): a warm-up runs the code a start runs, command
// line and archive loading, on tiny archives, and discards what it built. Nothing it computes may
// remain: src/snapshot-guard.ts checks that evaluating the modules read nothing of the environment,
// and the warm-up only calls what a start calls, which reads the environment each time it runs.
// Node's documentation: doc/api/single-executable-applications.md ("Startup snapshot support") and
// doc/api/v8.md ("Startup snapshot API") of nodejs/node.
import { checkModuleEvaluation } from './snapshot-guard.js';
import { startupSnapshot } from 'node:v8';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { buildProgram, main } from './cli.js';
import { loadImages } from './image/load.js';
import { STARTUP } from './version.js';

checkModuleEvaluation();

/** The archives the warm-up loads (the build sets it): the repository's small fixtures, one per format. */
const WARM_UP = 'SEED_REGISTRY_SNAPSHOT_WARM_UP';

if (!startupSnapshot.isBuildingSnapshot()) {
  void main();
} else {
  const archives = (process.env[WARM_UP] ?? '').split('\n').filter((a) => a !== '');
  if (archives.length === 0) throw new Error(`${WARM_UP}: no archives to warm up on (one path a line)`);
  void warmUp(archives).then(
    () =>
      startupSnapshot.setDeserializeMainFunction(() => {
        (globalThis as Record<symbol, unknown>)[STARTUP] = 'startup snapshot';
        void main();
      }),
    (error: unknown) => {
      // An unhandled rejection would not stop the build: this does.
      console.error(`snapshot warm-up failed: ${(error as Error)?.stack ?? error}`);
      process.exit(1);
    },
  );
}

/**
 * The serve command's own parsing (commander, every option's check) with an action that only loads
 * each archive: what a start runs before it listens, minus the listening (node:http cannot be in a
 * snapshot). The program and the models are dropped.
 */
async function warmUp(archives: string[]): Promise<void> {
  await withoutRacingStat(async () => {
    for (const archive of archives) {
      // Only serve, as main() builds it for a serve command line.
      const program = buildProgram('serve');
      const serve = program.commands.find((c) => c.name() === 'serve');
      if (serve === undefined) throw new Error('no serve command to warm up');
      // Commander calls an action with the command last.
      serve.action(async (...args: unknown[]) => void (await loadImages((args.at(-1) as Command).opts<{ tar: string[] }>().tar)));
      await program.parseAsync(['node', 'seed-registry', 'serve', '--tar', archive, '--port', '0', '--host', '127.0.0.1', '--quiet']);
    }
  });
}

/**
 * Node 26.12's fs/promises stat(), lstat() and FileHandle's stat() (lib/internal/fs/promises.js)
 * await raceWithSignal(), whose `using` declaration crashes the snapshot builder (a segfault in V8's
 * InitializeDisposableStack, every time; seen with gdb). The started executable runs them fine (every
 * start stats its archives). While warming up, they are fs' callback versions, as promises.
 */
async function withoutRacingStat(work: () => Promise<void>): Promise<void> {
  const fsPromises = process.getBuiltinModule('node:fs/promises');
  const fs = process.getBuiltinModule('node:fs');
  const handle = await fsPromises.open(process.execPath);
  const fileHandle = Object.getPrototypeOf(handle) as { stat: unknown };
  await handle.close();
  const saved = { stat: fsPromises.stat, lstat: fsPromises.lstat, fileStat: fileHandle.stat };
  const fstat = promisify(fs.fstat);
  Object.assign(fsPromises, { stat: promisify(fs.stat), lstat: promisify(fs.lstat) });
  fileHandle.stat = function (this: { fd: number }) {
    return fstat(this.fd);
  };
  try {
    await work();
  } finally {
    Object.assign(fsPromises, { stat: saved.stat, lstat: saved.lstat });
    fileHandle.stat = saved.fileStat;
  }
}
