import { ApiError } from '../api/client.ts';

/** The API's message for the field at `path` (or inside it: `tags` covers `tags.1`), if it refused one. */
export function fieldMessage(error: unknown, path: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  return error.fields.find((field) => field.path === path || field.path.startsWith(`${path}.`))?.message;
}

/**
 * What the server said about one field, shown under it ("must be at least
 * 10 characters"); nothing when it said nothing. Put it inside the field's
 * label, so a screen reader reads it with the field.
 */
export function FieldError({ error, path }: { error: unknown; path: string }) {
  const message = fieldMessage(error, path);
  if (!message) return null;
  return (
    <span className="field-error" data-field={path}>
      {message}
    </span>
  );
}
