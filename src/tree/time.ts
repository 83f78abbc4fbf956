// `--at TIME`: a moment of event time. Sysmon's UtcTime is UTC, so a time without a zone is UTC.

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

export class TimeArgError extends Error {
  constructor(readonly input: string) {
    super(`expected an event time like 2024-03-04T07:02:03Z, 2024-03-04 07:02:03.500 (UTC unless a zone is given) or 2024-03-04, got "${input}"`);
    this.name = 'TimeArgError';
  }
}

/** Milliseconds since the epoch; throws TimeArgError naming the accepted forms. */
export function parseEventTime(input: string): number {
  const m = ISO.exec(input.trim());
  if (m === null) throw new TimeArgError(input);
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
  const ms = Number((frac + '000').slice(0, 3));
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const check = new Date(t);
  // Date.UTC rolls 2024-02-31 over into March: refuse such dates rather than guess.
  if (check.getUTCFullYear() !== Number(y) || check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    throw new TimeArgError(input);
  }
  if (zone.toUpperCase() !== 'Z') {
    const zm = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
    const offset = (Number(zm[2]) * 60 + Number(zm[3] ?? '0')) * 60_000;
    t -= zm[1] === '+' ? offset : -offset;
  }
  return t;
}
