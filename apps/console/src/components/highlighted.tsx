/**
 * A PostgreSQL ts_headline fragment with its <b>…</b> markers drawn as
 * <mark>. The text is rendered as text, never as HTML: skill content may
 * itself contain angle brackets.
 */
export function Highlighted({ text }: { text: string }) {
  const parts = text.split(/<b>|<\/b>/);
  return (
    <>
      {parts.map((part, i) =>
        // Odd parts sat between <b> and </b>.
        // biome-ignore lint/suspicious/noArrayIndexKey: the fragment list is fixed for this render
        i % 2 === 1 ? <mark key={i}>{part}</mark> : <span key={i}>{part}</span>,
      )}
    </>
  );
}
