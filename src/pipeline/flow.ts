// How batches move through the pipeline without piling up: a source is pulled only while the
// gate has room, and the pipeline frees the room when a batch is through the sinks. Bounded
// sources are async iterables pulled through a gate (pipeline/replay.ts); the Kafka source gates
// itself per partition.

/** At most `capacity` batches between the source and the end of the sinks. */
export class Gate {
  private held = 0;
  private waiter: (() => void) | undefined;
  /** Most batches ever held at once (tests and --stats read it). */
  peak = 0;

  constructor(readonly capacity = 1) {}

  /** Resolves once there is room, and takes it. */
  acquire(): Promise<void> {
    if (this.held < this.capacity) {
      this.take();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.waiter = () => {
        this.take();
        resolve();
      };
    });
  }

  release(): void {
    this.held--;
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  private take(): void {
    this.held++;
    if (this.held > this.peak) this.peak = this.held;
  }
}
