// Bundles the CLI's own code into dist/bundle/ (esbuild, ES modules, code splitting), which
// bin/proctree.js runs. Run by `npm run build` after tsc and the report assets. A command still
// loads only its own chunks (each lazily imported action is split off), but as a few dozen files
// instead of the ~100 modules of dist/cli/, each of which cost ~1 ms to resolve, read and compile:
// a replay of an empty .evtx 0.16 -> 0.11 CPU-s (BENCHMARKS.md, EVTX, issue 13).
//
// npm packages stay external (loaded from node_modules as before), so test/startup.test.ts still
// sees which packages a command loads. Modules that find files beside themselves through
// import.meta.url keep working because every output file sits directly in dist/bundle/, one level
// below dist/ as dist/cli/*.js is: worker threads are entries of their own with the names their
// callers ask for (./worker.js, ./shard-worker.js, ./run-worker.js), ../pipelines/ is
// dist/pipelines/, and the report viewer's assets are copied beside them (./assets/).

import { cp, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = new URL('../', import.meta.url);
const path = (p) => fileURLToPath(new URL(p, root));
const outdir = path('dist/bundle/');

/**
 * rxjs is bundled, from its ES module build (with tslib, its helpers): under Node.js its package exports CommonJS, whose
 * ~60 files a replay's pipeline loads one by one (resolved, read and wrapped; ~0.02 CPU-s of
 * every replay's start-up). Bundled, only the operators the pipeline uses are kept.
 */
const rxjsEsm = {
  name: 'rxjs-esm',
  setup(b) {
    const esm = path('node_modules/rxjs/dist/esm/');
    b.onResolve({ filter: /^rxjs(\/internal\/.*)?$/ }, (args) => ({ path: `${esm}${args.path === 'rxjs' ? 'index' : args.path.slice('rxjs/'.length)}.js` }));
    // Its helpers (__extends and the like), also as an ES module.
    b.onResolve({ filter: /^tslib$/ }, () => ({ path: path('node_modules/tslib/tslib.es6.mjs') }));
  },
};

await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: {
    main: path('src/cli/main.ts'),
    // bin/proctree.js catches stop signals before main loads: the same module instance as main's.
    signals: path('src/cli/signals.ts'),
    worker: path('src/sources/evtx/worker.ts'),
    'shard-worker': path('src/pipeline/shard-worker.ts'),
    'run-worker': path('src/cli/run-worker.ts'),
  },
  outdir,
  chunkNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  plugins: [rxjsEsm],
  tsconfig: path('tsconfig.build.json'),
  logLevel: 'warning',
});
await cp(path('dist/report/assets/'), path('dist/bundle/assets/'), { recursive: true });
