// Starts a registry on 127.0.0.1 port 0 for a test file and stops it afterwards.
import { Pool } from 'undici';
import type { ImageModel } from '../../src/model.js';
import type { AccessEntry, Logger } from '../../src/registry/log.js';
import { createRegistry, type Registry, type RegistryOptions } from '../../src/registry/server.js';

export interface Running {
  registry: Registry;
  base: string;
  pool: Pool;
  access: AccessEntry[];
  errors: string[];
  stop(): Promise<void>;
}

export async function serve(model: ImageModel, options: RegistryOptions = {}): Promise<Running> {
  const access: AccessEntry[] = [];
  const errors: string[] = [];
  const logger: Logger = { logsAccess: true, access: (e) => access.push(e), error: (m) => errors.push(m) };
  const registry = await createRegistry(model, { logger, ...options });
  const { port } = await registry.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${port}`;
  const pool = new Pool(base, { connections: 8 });
  return {
    registry,
    base,
    pool,
    access,
    errors,
    stop: async () => {
      await pool.close();
      await registry.close(1_000);
    },
  };
}
