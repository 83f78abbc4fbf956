// The process-baseline rule kind's part of the pipeline YAML (`rules.baselines`): one entry per
// Windows core process, naming it by image and OriginalFileName and listing the checks that make
// up its normal life (path, parent, user, session, instances, lifetime, children, start). Each
// check is a rule with the id `core.<process>.<check>`. The pipeline schema composes it; rule code
// reads only the type.

import { z } from 'zod';
import { positive } from '../../util/schema.js';
import { CHECKS } from './checks.js';

export { CHECKS, baselineRuleIds, type CheckName } from './checks.js';

const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
const fileName = z.string({ error: 'expected a file name' }).regex(/^[^\\/]+$/, { error: 'expected a file name without a folder, like lsass.exe' });
const wholeAtLeast = (min: number) =>
  z.number({ error: `expected a whole number >= ${min}` }).int({ error: `expected a whole number >= ${min}` }).min(min, { error: `expected a whole number >= ${min}` });

/** What every check may set for itself; left out, the baseline's own severity and ATT&CK ids apply. */
const checkMeta = {
  severity: z.enum(SEVERITIES, { error: `expected one of ${SEVERITIES.join(', ')}` }).optional(),
  attack: z.array(z.string().regex(/^T\d{4}(\.\d{3})?$/, { error: 'expected an ATT&CK technique id like T1036.005' })).optional(),
};

const pathCheck = z.strictObject({
  ...checkMeta,
  /** Full paths; `%SystemRoot%` and `\SystemRoot\` stand for system_root. Compared case-insensitively. */
  expected: z.array(z.string({ error: 'expected a Windows path' }).min(1), { error: 'expected a list of Windows paths' }).min(1, { error: 'expected at least one path' }),
});

const PARENT_ROLES = ['session-smss', 'system'] as const;
const parentCheck = z
  .strictObject({
    ...checkMeta,
    /** File names the parent's image may have. */
    names: z.array(fileName).default([]),
    /**
     * session-smss: a per-session child smss (not a master) of the same session as the process;
     * system: System (PID 4).
     */
    role: z.enum(PARENT_ROLES, { error: `expected one of ${PARENT_ROLES.join(', ')}` }).optional(),
  })
  .refine((p) => p.names.length > 0 || p.role !== undefined, { error: 'expected names or a role (or both)' });

const userCheck = z
  .strictObject({
    ...checkMeta,
    /** Account SIDs, like S-1-5-18 (SYSTEM); well-known service accounts are also recognised by LogonId. */
    sids: z.array(z.string().regex(/^S-1-[0-9-]+$/i, { error: 'expected a SID like S-1-5-18' })).default([]),
    /** Account names as Sysmon writes them, like NT AUTHORITY\SYSTEM (localised on non-English Windows). */
    names: z.array(z.string().min(1, { error: 'expected an account name' })).default([]),
  })
  .refine((u) => u.sids.length > 0 || u.names.length > 0, { error: 'expected sids or names' });

const SESSIONS = ['zero', 'interactive', 'parent'] as const;
const sessionCheck = z.strictObject({
  ...checkMeta,
  /** zero: session 0; interactive: session 1 or later; parent: the parent's session. */
  expect: z.enum(SESSIONS, { error: `expected one of ${SESSIONS.join(', ')}` }),
});

const instancesCheck = z
  .strictObject({
    ...checkMeta,
    /** At most this many alive at once in one boot. */
    per_boot: wholeAtLeast(1).optional(),
    /** At most this many alive at once in one session of one boot. */
    per_session: wholeAtLeast(1).optional(),
  })
  .refine((i) => i.per_boot !== undefined || i.per_session !== undefined, { error: 'expected per_boot or per_session (or both)' });

const lifetimeCheck = z.discriminatedUnion(
  'kind',
  [
    /** Lives as long as the boot: an exit is an anomaly. */
    z.strictObject({ ...checkMeta, kind: z.literal('boot') }),
    /** Exits within `secs` of its start, like userinit. */
    z.strictObject({ ...checkMeta, kind: z.literal('exits-within'), secs: positive('a positive number of seconds') }),
  ],
  { error: 'expected kind boot or exits-within' },
);

const childrenCheck = z.strictObject({
  ...checkMeta,
  /** File names of the only processes it may start. */
  allowed: z.array(fileName, { error: 'expected a list of file names' }),
});

const startCheck = z.strictObject({
  ...checkMeta,
  /** Starts at most this long after the boot's master smss.exe. */
  within_boot_secs: positive('a positive number of seconds'),
});

export const baselineSchema = z
  .strictObject({
    /** The middle part of the rule ids: core.<process>.<check>. */
    process: z.string({ error: 'expected a name like lsass' }).regex(/^[a-z0-9_-]+$/, { error: 'expected a lower-case name like lsass' }),
    match: z
      .strictObject({
        image: z.array(fileName).default([]),
        original_file_name: z.array(fileName).default([]),
        /** Only a process with this PID (System is always 4). */
        pid: wholeAtLeast(0).optional(),
      })
      .refine((m) => m.image.length > 0 || m.original_file_name.length > 0, { error: 'expected image or original_file_name' }),
    system_root: z.string().regex(/^[A-Za-z]:\\[^\\]/, { error: 'expected a Windows folder like C:\\Windows' }).default('C:\\Windows'),
    severity: z.enum(SEVERITIES, { error: `expected one of ${SEVERITIES.join(', ')}` }).default('high'),
    attack: checkMeta.attack.unwrap().default([]),
    path: pathCheck.optional(),
    parent: parentCheck.optional(),
    user: userCheck.optional(),
    session: sessionCheck.optional(),
    instances: instancesCheck.optional(),
    lifetime: lifetimeCheck.optional(),
    children: childrenCheck.optional(),
    start: startCheck.optional(),
  });

export const baselinesSchema = z
  .array(baselineSchema, { error: 'expected a list of process baselines' })
  .default([])
  .superRefine((list, ctx) => {
    // One baseline per process name, image and OriginalFileName: a process is judged by one page.
    const seen = new Map<string, number>();
    list.forEach((b, i) => {
      const claims: [string, string][] = [
        ['process', b.process],
        ...b.match.image.map((n): [string, string] => ['match', `image ${n.toLowerCase()}`]),
        ...b.match.original_file_name.map((n): [string, string] => ['match', `original_file_name ${n.toLowerCase()}`]),
      ];
      for (const [key, what] of claims) {
        const first = seen.get(what);
        if (first !== undefined && first !== i) ctx.addIssue({ code: 'custom', path: [i, key], message: `${what} is already claimed by baseline ${first}` });
        else seen.set(what, i);
      }
    });
  });

export type BaselineConfig = z.infer<typeof baselineSchema>;

export type BaselinesConfig = z.infer<typeof baselinesSchema>;
