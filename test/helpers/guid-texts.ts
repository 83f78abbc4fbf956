import { SysmonEvent } from '../../src/decode/event.js';

/**
 * `r` with its GUID texts made, when it is an event: the byte scanner leaves a canonical GUID as
 * words until it is read, so events from different decoders compare alike (toEqual sees own
 * fields) only once both are read.
 */
export function withGuidTexts<T>(r: T): T {
  if (r instanceof SysmonEvent) void (r.processGuid + r.parentProcessGuid);
  return r;
}
