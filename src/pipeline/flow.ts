// How batches move through the pipeline without piling up: a source is pulled only while the
// gate has room, and the pipeline frees the room when a batch is through the sinks. Bounded
// sources are async iterables pulled through a gate; the Kafka source gates itself per partition.

import { Observable } from 'rxjs/internal/Observable'; // not the index, which loads all of rxjs

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

/**
 * The batches of an async iterable as an Observable that reads the next batch only once the
 * gate has room: unlike `from(iterable)`, a slow sink stops the reading and decoding upstream.
 */
export function pullThrough<T>(source: AsyncIterable<T>, gate: Gate): Observable<T> {
  return new Observable<T>((subscriber) => {
    const it = source[Symbol.asyncIterator]();
    let closed = false;
    void (async () => {
      try {
        for (;;) {
          await gate.acquire();
          if (closed) return;
          const r = await it.next();
          if (closed) return;
          if (r.done === true) {
            subscriber.complete();
            return;
          }
          subscriber.next(r.value);
        }
      } catch (e) {
        subscriber.error(e);
      }
    })();
    return () => {
      closed = true;
      void it.return?.(undefined)?.catch(() => undefined);
    };
  });
}
