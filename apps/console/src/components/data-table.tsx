import type { ReactNode } from 'react';
import { ErrorBanner } from './error-banner.tsx';
import { TableScroll } from './table-scroll.tsx';

/** One column: its heading and what each row shows under it. */
export interface Column<Row> {
  /** The heading's text; also the column's key, so unique within a table. */
  header: string;
  cell(row: Row): ReactNode;
  /** The cell's class, the same on every row (`muted`). */
  className?: string;
  /** The cell's tooltip, from its row (the full user agent behind a device's name). */
  title?(row: Row): string | undefined;
}

/**
 * What a list says when it has no rows: one muted line, or, with a hint of
 * what to do about it, a dashed box (a page's main list). `testId` lets a
 * test wait for the empty state itself.
 */
export interface EmptyState {
  message: string;
  hint?: ReactNode;
  testId?: string;
}

/** A row's own attributes: its class (`revoked`, `current`) and `data-*` hooks for tests. */
export type RowAttributes = { className?: string | undefined } & {
  [data: `data-${string}`]: string | undefined;
};

export interface DataTableProps<Row extends { id: string | number }> {
  /** The table's accessible name, and its scrolling box's. */
  label: string;
  /** `undefined` while the first load is under way: nothing is drawn then but an error. */
  rows: readonly Row[] | undefined;
  columns: readonly Column<Row>[];
  empty: EmptyState;
  /** What went wrong loading the rows or acting on one, shown above them. */
  error?: unknown;
  rowAttributes?(row: Row): RowAttributes;
  /** The row's buttons, in a last column whose heading only a screen reader reads ("Actions"). */
  actions?(row: Row): ReactNode;
}

/**
 * A list page's table: column headings with `scope`, one row per item
 * (keyed by its id), an optional action column, the empty state instead of
 * a table with no rows, and the load's or action's error above it. Wide
 * tables scroll inside their own box (`TableScroll`), never the page.
 *
 * @example
 * const columns: Column<ApiKey>[] = [
 *   { header: 'Name', cell: (key) => key.name },
 *   { header: 'Created', cell: (key) => <When at={key.createdAt} /> },
 * ];
 * <DataTable label="API keys" rows={keys.data?.apiKeys} columns={columns} error={keys.error}
 *   empty={{ message: 'No API keys yet.' }} actions={(key) => <button type="button">Revoke</button>} />
 */
export function DataTable<Row extends { id: string | number }>(props: DataTableProps<Row>) {
  const { label, rows, columns, empty, error, rowAttributes, actions } = props;
  return (
    <>
      <ErrorBanner error={error} />
      {rows === undefined ? null : rows.length === 0 ? (
        <Empty {...empty} />
      ) : (
        <TableScroll label={label}>
          <table className="table" aria-label={label}>
            <thead>
              <tr>
                {columns.map((column) => (
                  <th key={column.header} scope="col">
                    {column.header}
                  </th>
                ))}
                {actions && (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.id} {...rowAttributes?.(row)}>
                  {columns.map((column) => (
                    <td key={column.header} className={column.className} title={column.title?.(row)}>
                      {column.cell(row)}
                    </td>
                  ))}
                  {actions && <td className="right">{actions(row)}</td>}
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </>
  );
}

function Empty({ message, hint, testId }: EmptyState) {
  if (hint === undefined) {
    return (
      <p className="muted" data-testid={testId}>
        {message}
      </p>
    );
  }
  return (
    <div className="empty" data-testid={testId}>
      <p>{message}</p>
      <p className="small">{hint}</p>
    </div>
  );
}
