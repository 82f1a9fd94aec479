import { z } from '@hono/zod-openapi';
import { isIsoInstant } from '@skillhub/core';

/**
 * An ISO 8601 instant with a zone (Z or ±hh:mm) naming a real date and time
 * in the years 1 to 9999: what PostgreSQL's timestamptz accepts. Every
 * date a route reads is one of these.
 */
export const IsoTime = z.iso
  .datetime({ offset: true, abort: true })
  .refine(isIsoInstant, 'a real date and time between the years 1 and 9999');
