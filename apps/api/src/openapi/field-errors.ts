import { z } from '@hono/zod-openapi';

/** One refused field: its dotted path in the input (`workspace.slug`, `tags.2`; '' for the whole input) and why. */
export interface FieldError {
  path: string;
  message: string;
}

export const FieldErrorSchema = z
  .object({
    path: z.string().openapi({ example: 'password' }),
    message: z.string().openapi({ example: 'must be at least 10 characters' }),
  })
  .openapi('FieldError');

type Issue = z.core.$ZodIssue;

// zod's own English messages ("Too small: expected string to have >=10 characters") name types, not
// what a person typed; a message a schema author wrote ('lower-case letters, digits and single hyphens')
// is kept, in a sentence.
const zodWording = /^(Invalid|Too (small|big)|Unrecognized)\b/;

const typeNames: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
};

const plural = (count: number | bigint, one: string) => `${count} ${one}${Number(count) === 1 ? '' : 's'}`;

function sizeMessage(issue: Issue & { code: 'too_small' | 'too_big' }): string {
  const small = issue.code === 'too_small';
  const bound = small ? issue.minimum : issue.maximum;
  const exclusive = issue.inclusive === false;
  switch (issue.origin) {
    case 'string':
      if (small && Number(bound) === 1) return 'must not be empty';
      return `must be ${small ? 'at least' : 'at most'} ${plural(bound, 'character')}`;
    case 'array':
    case 'set':
      if (small && Number(bound) === 1) return 'needs at least one item';
      return `${small ? 'needs at least' : 'takes at most'} ${plural(bound, 'item')}`;
    default:
      if (exclusive) return `must be ${small ? 'greater' : 'less'} than ${bound}`;
      return `must be ${small ? 'at least' : 'at most'} ${bound}`;
  }
}

const formatNames: Record<string, string> = {
  email: 'an email address',
  uuid: 'a UUID',
  url: 'a URL starting with http:// or https://',
  datetime: 'a date and time with a zone, such as 2026-01-31T09:00:00Z',
  date: 'a date such as 2026-01-31',
};
/** Formats whose default message has nothing a person could act on. */
const formatRules: Record<string, string> = { regex: 'contains characters that are not allowed' };

/** The author's words in a sentence: a noun phrase ('an IPv4 address') or a rule ('lower-case letters'). */
const authored = (message: string) => (/^an? /.test(message) ? `must be ${message}` : `must use ${message}`);

function messageOf(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (/received undefined$/.test(issue.message)) return 'is required';
      return `must be ${typeNames[issue.expected] ?? issue.expected}`;
    case 'too_small':
    case 'too_big':
      return sizeMessage(issue);
    case 'invalid_format':
      if (!zodWording.test(issue.message)) return authored(issue.message);
      return formatRules[issue.format] ?? `must be ${formatNames[issue.format] ?? `a valid ${issue.format}`}`;
    case 'invalid_value':
      if (issue.values.length === 1) return `must be ${JSON.stringify(issue.values[0])}`;
      return `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'invalid_union':
      return 'does not match any accepted form';
    case 'custom':
      return zodWording.test(issue.message) ? 'is not valid' : authored(issue.message);
    default:
      return 'is not valid';
  }
}

const pathOf = (path: PropertyKey[]) => path.map(String).join('.');

/**
 * A failed validation as one human message per field, for a 400's
 * `details`: an unknown field names itself, a missing one says it is
 * required, a short one says how long it must be.
 */
export function fieldErrors(error: z.ZodError): FieldError[] {
  const errors = error.issues.flatMap((issue): FieldError[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: pathOf([...issue.path, key]), message: 'is not a field this takes' }));
    }
    return [{ path: pathOf(issue.path), message: messageOf(issue) }];
  });
  // One value can fail a check twice (a URL's protocol and its host): say it once.
  const seen = new Set<string>();
  return errors.filter((e) => !seen.has(`${e.path}\n${e.message}`) && seen.add(`${e.path}\n${e.message}`));
}

/** The errors as one sentence ("password must be at least 10 characters; email is required"). */
export function describeFieldErrors(errors: FieldError[], whole: string): string {
  return errors.map((e) => `${e.path || whole} ${e.message}`).join('; ');
}
