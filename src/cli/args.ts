// Commander argument parsers shared by the subcommands: each names what it expected.

import { InvalidArgumentError } from 'commander';

export function fractionArg(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`expected a number between 0 and 1, got "${v}"`);
  return n;
}

export function positiveArg(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number, got "${v}"`);
  return n;
}

export function intArg(min: number): (v: string) => number {
  return (v) => {
    const n = Number(v.replace(/_/g, ''));
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected a whole number >= ${min}, got "${v}"`);
    return n;
  };
}
