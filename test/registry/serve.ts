// Starts a registry on 127.0.0.1 port 0 for a test file and stops it afterwards.
import { rm } from 'node:fs/promises';
import { Pool } from 'undici';
import { afterAll, beforeAll } from 'vitest';
import type { ImageModel } from '../../src/model.js';
import type { AccessEntry, LogEvent, Logger } from '../../src/registry/log.js';
import { createRegistry, type Registry, type RegistryOptions } from '../../src/registry/server.js';
import { tempDir } from '../helpers/pack.js';

export interface Running {
  registry: Registry;
  base: string;
  pool: Pool;
  access: AccessEntry[];
  events: LogEvent[];
  errors: string[];
  stop(): Promise<void>;
}

export async function serve(model: ImageModel, options: RegistryOptions = {}): Promise<Running> {
  const access: AccessEntry[] = [];
  const errors: string[] = [];
  const events: LogEvent[] = [];
  const logger: Logger = { logsAccess: true, access: (e) => access.push(e), event: (e) => events.push(e), info() {}, warn: (m) => errors.push(`warning: ${m}`), error: (m) => errors.push(m) };
  const registry = await createRegistry(model, { logger, ...options });
  const { port } = await registry.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${port}`;
  const pool = new Pool(base, { connections: 8 });
  return {
    registry,
    base,
    pool,
    access,
    events,
    errors,
    stop: async () => {
      await pool.close();
      await registry.close(1_000);
    },
  };
}

/**
 * What a test file that serves models needs: a temporary folder (`dir`, set before its tests) and
 * registries started by `serve`, all stopped and removed after its tests.
 */
export function servingFixture(): { dir: string; serve(model: ImageModel): Promise<Running> } {
  const running: Running[] = [];
  const fixture = {
    dir: '',
    async serve(model: ImageModel): Promise<Running> {
      const s = await serve(model);
      running.push(s);
      return s;
    },
  };
  beforeAll(async () => {
    fixture.dir = await tempDir();
  });
  afterAll(async () => {
    for (const s of running) await s.stop();
    await rm(fixture.dir, { recursive: true, force: true });
  });
  return fixture;
}
