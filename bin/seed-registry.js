#!/usr/bin/env node
// The installed command: everything lives in the bundled CLI (npm run build).
import { main } from '../dist/seed-registry.js';

await main();
