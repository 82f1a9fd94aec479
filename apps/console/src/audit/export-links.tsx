import { type AuditFilters, apiQuery } from './audit-filters.ts';

const formats = [
  { format: 'csv', label: 'CSV' },
  { format: 'jsonl', label: 'JSON Lines' },
  { format: 'ocsf', label: 'OCSF' },
] as const;

/**
 * Downloads of the filtered view: GET /audit/export with the same filters,
 * as plain links (the session cookie goes with them; the server streams
 * the file as an attachment). Without dates the export covers 30 days.
 */
export function ExportLinks({ filters }: { filters: AuditFilters }) {
  const query = apiQuery(filters);
  return (
    <div className="export-links">
      <span className="muted">Export{!filters.from && !filters.to && ' (last 30 days)'}:</span>
      {formats.map(({ format, label }) => (
        <a
          key={format}
          className="button secondary"
          href={`/audit/export?${new URLSearchParams({ ...query, format })}`}
          download
        >
          {label}
        </a>
      ))}
    </div>
  );
}
