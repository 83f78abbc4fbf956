// Small zod building blocks shared by the config schemas each part declares for itself: the
// messages are the ones a user sees after the key's name, so they say what was expected.

import { z } from 'zod';

export const positive = (what: string) => z.number({ error: `expected ${what}` }).positive({ error: `expected ${what}` });
export const nonNegative = (what: string) => z.number({ error: `expected ${what}` }).nonnegative({ error: `expected ${what}` });
export const topicName = z
  .string({ error: 'expected a topic name' })
  .regex(/^[A-Za-z0-9._-]{1,249}$/, { error: 'expected a Kafka topic name (letters, digits, ".", "_", "-")' });
