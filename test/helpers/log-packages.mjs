// Preloaded by test/startup.test.ts (node --import): prints every file loaded from node_modules,
// by import (a resolve hook) or by require (Module._resolveFilename), as "package-file: PATH",
// and every other file imported, as "own-file: URL".

import Module, { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(
      "export async function resolve(s, c, next) { const r = await next(s, c); if (r.url.includes('/node_modules/')) process._rawDebug('package-file: ' + r.url); else if (r.url.startsWith('file:')) process._rawDebug('own-file: ' + r.url); return r; }",
    ),
);
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (...args) {
  const f = resolveFilename.apply(this, args);
  if (f.includes('/node_modules/')) process._rawDebug('package-file: ' + f);
  return f;
};
