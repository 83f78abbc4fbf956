// What a person is shown of one process (the HTML report, the tree view): the facts of its
// creation and exit, with null where the input did not say.

export interface ProcessFacts {
  guid: string;
  pid: number | null;
  image: string;
  commandLine: string;
  user: string;
  sessionId: number | null;
  /** Creation, ms of event time; null when known only from a child's Parent* fields or its exit. */
  start: number | null;
  /** Exit, ms of event time; null while none was seen. */
  end: number | null;
  /** Known only as some process's parent: its own creation was not in the input. */
  placeholder: boolean;
}
