import type { AuditEvent } from '../api/types.ts';

type Row = { field: string; old: unknown; new: unknown; note: 'redacted' | 'ignored' | null };

const show = (value: unknown) =>
  value === undefined ? '—' : value === null ? 'null' : typeof value === 'string' ? value : JSON.stringify(value);

/**
 * The fields a row change touched. An update lists its changed fields;
 * a field named there but absent from both records is redacted (a secret
 * the ledger never copies); a field that differs but is not named is
 * ignored by capture (last_used_at). An insert or delete lists the row.
 */
export function changeRows(event: AuditEvent): Row[] {
  const before = event.oldRecord ?? {};
  const after = event.newRecord ?? {};
  if (event.operation !== 'UPDATE') {
    const record = event.operation === 'DELETE' ? before : after;
    return Object.entries(record).map(([field, value]) =>
      event.operation === 'DELETE'
        ? { field, old: value, new: undefined, note: null }
        : { field, old: undefined, new: value, note: null },
    );
  }
  const changed = new Set(event.changedFields ?? []);
  const rows: Row[] = [...changed].map((field) => ({
    field,
    old: before[field],
    new: after[field],
    note: !(field in before) && !(field in after) ? 'redacted' : null,
  }));
  for (const field of Object.keys(after)) {
    if (!changed.has(field) && JSON.stringify(before[field]) !== JSON.stringify(after[field])) {
      rows.push({ field, old: before[field], new: after[field], note: 'ignored' });
    }
  }
  return rows;
}

/** A row change as a table of field, old value and new value. */
export function ChangeDiff({ event }: { event: AuditEvent }) {
  const rows = changeRows(event);
  if (rows.length === 0) return <p className="muted small">No field changed.</p>;
  return (
    <div className="diff-scroll">
      <table className="diff" aria-label="Changed fields">
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Before</th>
            <th scope="col">After</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.field} data-field={row.field}>
              <th scope="row">{row.field}</th>
              {row.note === 'redacted' ? (
                <td colSpan={2} className="muted">
                  changed; the value is redacted and never recorded
                </td>
              ) : (
                <>
                  <td className="old">{show(row.old)}</td>
                  <td className="new">
                    {show(row.new)}
                    {row.note === 'ignored' && <span className="muted small"> (not tracked as a change)</span>}
                  </td>
                </>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
