// Readers for inputs that are not text (EVTX). Kept apart so the replay command does not know
// which binary formats exist.

import type { FileSourceOptions } from '../sources/files/read-files.js';

export function binaryReader(): FileSourceOptions['readBinary'] {
  return undefined;
}
