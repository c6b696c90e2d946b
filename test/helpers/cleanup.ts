// Run before every test file (vitest's setupFiles): what the file's tests made under the temporary
// directory with tempDir is removed when the file ends, whether its tests passed or not.
import { afterAll } from 'vitest';
import { removeTempDirs } from './pack.js';

afterAll(removeTempDirs);
