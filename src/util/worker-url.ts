// Worker threads run compiled JavaScript: beside the calling module in dist/, or, when the caller
// runs from src/ (tests through vite-node), the same path under dist/ (npm run build).

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `script` relative to `from` (the caller's import.meta.url); `fix` says what to do when it is not built. */
export function compiledWorkerUrl(script: string, from: string, fix: string): URL {
  const here = new URL(script, from);
  if (existsSync(fileURLToPath(here))) return here;
  const i = here.pathname.lastIndexOf('/src/');
  if (i >= 0) {
    const built = new URL(here.href);
    built.pathname = `${here.pathname.slice(0, i)}/dist/${here.pathname.slice(i + 5)}`;
    if (existsSync(fileURLToPath(built))) return built;
  }
  throw new Error(`worker script ${script} not found; ${fix}`);
}
