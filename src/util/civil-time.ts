// Times spelled into byte buffers by arithmetic (no Date, no strings): the generator's output
// and the EVTX reader's FILETIME values.

/** 'YYYY-MM-DD?HH:MM:SS' of Unix second s (years 0-9999) at into[at], by arithmetic: no Date, no string. */
export function writeCivilSecond(into: Uint8Array, at: number, s: number, sep: number): void {
  const days = Math.floor(s / 86400);
  let rem = s - days * 86400;
  // Days to civil date: H. Hinnant's days_from_civil, inverted (proleptic Gregorian).
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const hour = Math.floor(rem / 3600);
  rem -= hour * 3600;
  const minute = Math.floor(rem / 60);
  writeDigits(into, at, year, 4);
  into[at + 4] = 45;
  writeDigits(into, at + 5, month, 2);
  into[at + 7] = 45;
  writeDigits(into, at + 8, doy - Math.floor((153 * mp + 2) / 5) + 1, 2);
  into[at + 10] = sep;
  writeDigits(into, at + 11, hour, 2);
  into[at + 13] = 58;
  writeDigits(into, at + 14, minute, 2);
  into[at + 16] = 58;
  writeDigits(into, at + 17, rem - minute * 60, 2);
}

/** n in exactly `width` decimal digits at into[at]. */
export function writeDigits(into: Uint8Array, at: number, n: number, width: number): void {
  for (let i = at + width - 1; i >= at; i--) {
    const q = Math.floor(n / 10);
    into[i] = 48 + n - q * 10;
    n = q;
  }
}
