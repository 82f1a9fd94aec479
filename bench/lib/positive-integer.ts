/** A command-line flag's value as a positive integer, or an error naming the flag. */
export function positiveInteger(name: string, value: string | undefined): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`--${name} must be a positive integer (got ${value})`);
  return parsed;
}
