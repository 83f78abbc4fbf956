// SIGINT and SIGTERM for `proctree run`, from its first moment. bin/proctree.js catches them before
// the CLI has loaded (loading takes a few hundred ms, the default action would kill the process
// meanwhile); the run command then takes over and is handed what came in the meantime.
// Plain Node and no imports: bin/proctree.js loads it before anything else.

type StopHandler = (signal: NodeJS.Signals) => void;

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
const early: NodeJS.Signals[] = [];
let handler: StopHandler | undefined;
let installed = false;

function listener(signal: NodeJS.Signals): void {
  if (handler) handler(signal);
  else early.push(signal);
}

/** From now on SIGINT and SIGTERM no longer end the process: they are kept for onStopSignal(). */
export function catchStopSignals(): void {
  if (installed) return;
  installed = true;
  for (const s of STOP_SIGNALS) process.on(s, listener);
}

/**
 * Hands every SIGINT and SIGTERM to `h`, first those that came since catchStopSignals(). Returns
 * the function that gives the signals back their default action.
 */
export function onStopSignal(h: StopHandler): () => void {
  catchStopSignals();
  handler = h;
  for (const s of early.splice(0)) h(s);
  return () => {
    handler = undefined;
    installed = false;
    for (const s of STOP_SIGNALS) process.off(s, listener);
  };
}
