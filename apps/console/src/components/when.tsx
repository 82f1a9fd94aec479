import { formatDateTime, formatRelative } from '../format.ts';

/** A moment as "3 minutes ago", with the full date and time on hover. */
export function When({ at }: { at: string }) {
  return (
    <time dateTime={at} title={formatDateTime(at)}>
      {formatRelative(at)}
    </time>
  );
}
