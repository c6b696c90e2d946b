#!/usr/bin/env node
// The installed command: everything lives in the compiled CLI (npm run build).
import { main } from '../dist/cli.js';

await main();
