// Where the package's own files are, whether running from dist/ or from src/ under vitest.

import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_REPLAY_PIPELINE = resolve(PACKAGE_ROOT, 'pipelines', 'replay.yaml');
