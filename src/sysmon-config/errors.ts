// A Sysmon configuration that cannot be read or is not one Sysmon would load. Every problem
// names the file and line and says what to change; all problems of a file are collected, and the
// message shows the first with a count of the others (the command line prints one line).

export interface ConfigProblem {
  readonly line: number;
  readonly column?: number;
  readonly message: string;
}

export class SysmonConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    const first = problems[0] ?? { line: 0, message: 'invalid configuration' };
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
    // Line 0: a problem with the file itself (unreadable), not with a line of it.
    super(`${first.line > 0 ? `${file}:${first.line}` : file}: ${first.message}${more}`);
    this.name = 'SysmonConfigError';
  }

  get line(): number {
    return this.problems[0]?.line ?? 0;
  }
}
