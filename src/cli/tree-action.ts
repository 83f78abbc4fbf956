// `proctree tree`, the work: replay the inputs for one host up to --at and print its tree.

import { InputError } from '../sources/files/open-input.js';
import { buildHostTree, type SeenHost } from '../tree/build.js';
import { countNodes, hostForest } from '../tree/model.js';
import { forestJson, isoTime, renderForest, terminalSafe } from '../tree/render.js';
import { binaryReader } from './binary-inputs.js';
import { EXIT_FATAL, EXIT_OK } from './exit-codes.js';
import { createLazyLogger } from './logger.js';
import { loadPipelineInputs } from './pipeline-inputs.js';
import type { TreeCliOptions } from './tree.js';

const HOSTS_LISTED = 10;

function fail(message: string): number {
  process.stderr.write(`proctree: ${message}\n`);
  return EXIT_FATAL;
}

function hostList(hosts: readonly SeenHost[]): string {
  const shown = hosts.slice(0, HOSTS_LISTED).map((h) => terminalSafe(h.name));
  return shown.join(', ') + (hosts.length > HOSTS_LISTED ? `, … (${hosts.length} hosts)` : '');
}

export async function runTreeCli(inputs: string[], opts: TreeCliOptions): Promise<number> {
  const log = createLazyLogger(opts.logLevel);
  const loaded = await loadPipelineInputs(opts.pipeline, inputs);
  if ('error' in loaded) return fail(loaded.error);
  const { config, paths } = loaded;

  let result;
  try {
    result = await buildHostTree({ paths, config, host: opts.host, at: opts.at, readBinary: binaryReader({ log }) });
  } catch (e) {
    if (e instanceof InputError) return fail(e.message);
    throw e;
  }
  const host = terminalSafe(opts.host);
  switch (result.kind) {
    case 'unknown':
      return fail(result.known.length === 0 ? `no Sysmon events in ${inputs.join(', ')}, so no host "${host}"` : `no host "${host}" in the input; hosts: ${hostList(result.known)}`);
    case 'ambiguous':
      return fail(`"${host}" is the short name of several hosts: ${hostList(result.matches)}; give the full name`);
    case 'nothing-yet':
      return fail(`host ${terminalSafe(result.seen.name)} has no event at or before ${isoTime(opts.at ?? null)}; its events run from ${isoTime(result.seen.first)} to ${isoTime(result.seen.last)}`);
    case 'found':
      break;
  }
  const roots = hostForest(result.host, opts.root);
  if (roots === null) return fail(`no process ${terminalSafe(opts.root!)} in the tree of ${terminalSafe(result.host.name)}${opts.at !== undefined ? ` at ${isoTime(opts.at)}` : ''} (not logged, not yet started, or evicted after index.retention_secs)`);
  const at = opts.at !== undefined ? isoTime(opts.at) : result.host.maxTimeEver > -Infinity ? isoTime(result.host.maxTimeEver) : null;
  if (opts.json === true) {
    const { total, exited } = countNodes(roots);
    const out = { host: result.host.name, at, events: result.events, processes: total, exited, roots: forestJson(roots) };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    return EXIT_OK;
  }
  const { total, exited } = countNodes(roots);
  process.stdout.write(
    `${terminalSafe(result.host.name)} at ${at ?? '?'}${opts.at === undefined ? ' (end of input)' : ''}: ${total} process(es), ${exited} exited, from ${result.events} event(s)\n` +
      renderForest(roots, { args: opts.args }),
  );
  return EXIT_OK;
}
