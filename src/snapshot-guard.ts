// Imported first by src/snapshot-entry.ts. The single executable is built with a V8 startup
// snapshot (scripts/release/sea.mjs): every module is evaluated on the build machine and its state
// frozen into the executable. A value a module computes when it loads from the environment (a
// variable, the time, the working directory, the terminal, a random number) would be the build
// machine's forever. While the snapshot is built, this watches those reads from here until
// `checkModuleEvaluation()`, which fails the build naming them: such a value must be read when used.
// The watch ends there; anything that captured a wrapper keeps a transparent one.
import { startupSnapshot } from 'node:v8';

const reads = new Set<string>();
let watching = false;
const restores: (() => void)[] = [];

function wrapMethod(owner: object, label: string, key: string): void {
  const target = owner as Record<string, unknown>;
  const original = target[key] as (...args: unknown[]) => unknown;
  target[key] = function (this: unknown, ...args: unknown[]) {
    if (watching) reads.add(`${label}.${key}()`);
    return original.apply(this, args);
  };
  restores.push(() => (target[key] = original));
}

/** process.pid, process.argv, process.stdout (a terminal's width, isTTY)...: per run, not per build. */
function wrapGetter(key: string): void {
  const descriptor = Object.getOwnPropertyDescriptor(process, key);
  if (descriptor === undefined) return;
  let value: unknown = descriptor.value;
  Object.defineProperty(process, key, {
    configurable: true,
    enumerable: descriptor.enumerable ?? true,
    get() {
      if (watching) reads.add(`process.${key}`);
      return descriptor.get ? descriptor.get.call(process) : value;
    },
    set(v: unknown) {
      if (descriptor.set) descriptor.set.call(process, v);
      else value = v;
    },
  });
  restores.push(() => Object.defineProperty(process, key, descriptor));
}

function watch(): void {
  watching = true;
  const env = process.env;
  process.env = new Proxy(env, {
    get: (t, k) => (watching && typeof k === 'string' && reads.add(`process.env.${k}`), Reflect.get(t, k)),
    has: (t, k) => (watching && reads.add(`process.env.${String(k)}`), Reflect.has(t, k)),
    ownKeys: (t) => (watching && reads.add('the names in process.env'), Reflect.ownKeys(t)),
  });
  restores.push(() => (process.env = env));
  const RealDate = Date;
  globalThis.Date = new Proxy(RealDate, {
    construct: (t, args, target) => (watching && args.length === 0 && reads.add('new Date()'), Reflect.construct(t, args, target)),
    apply: (t, self, args) => (watching && reads.add('Date()'), Reflect.apply(t, self, args)),
  });
  restores.push(() => (globalThis.Date = RealDate));
  wrapMethod(RealDate, 'Date', 'now');
  wrapMethod(Math, 'Math', 'random');
  wrapMethod(performance, 'performance', 'now');
  for (const key of ['cwd', 'hrtime', 'uptime', 'memoryUsage', 'getuid', 'getgid', 'umask']) wrapMethod(process, 'process', key);
  for (const key of ['pid', 'ppid', 'argv', 'argv0', 'execPath', 'title', 'stdout', 'stderr', 'stdin']) wrapGetter(key);
}

if (startupSnapshot.isBuildingSnapshot()) watch();

/** After the modules are evaluated: stops watching; throws (failing the build) when any read the environment. */
export function checkModuleEvaluation(): void {
  watching = false;
  for (const restore of restores.splice(0).reverse()) restore();
  if (reads.size > 0) {
    throw new Error(`evaluating the modules read ${[...reads].join(', ')}: a startup snapshot would keep the build machine's values; read them when they are used, not when the module loads`);
  }
}
