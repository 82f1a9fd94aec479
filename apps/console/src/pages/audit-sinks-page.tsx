import { type FormEvent, useState } from 'react';
import { api } from '../api/client.ts';
import { type AuditSink, type AuditSinkAttempt, type SinkFormat, sinkFormats } from '../api/types.ts';
import { useConfirm } from '../components/confirm-dialog.tsx';
import { type Column, DataTable, type EmptyState } from '../components/data-table.tsx';
import { FieldError } from '../components/field-error.tsx';
import { PageHeader } from '../components/layout.tsx';
import { When } from '../components/when.tsx';
import { useAction } from '../use-action.ts';
import { useResource } from '../use-resource.ts';

const formatLabels: Record<SinkFormat, string> = { ocsf: 'OCSF 1.1 events', jsonl: 'Ledger rows (JSON)' };

/** Where a sink's delivery stands, in a word and a colour. */
function SinkState({ sink }: { sink: AuditSink }) {
  if (sink.pausedAt) return <span className="badge expired-badge">paused</span>;
  if (sink.failures > 0) return <span className="badge expired-badge">failing ({sink.failures})</span>;
  return <span className="badge">{sink.lagEvents === 0 ? 'caught up' : 'delivering'}</span>;
}

const attemptColumns: Column<AuditSinkAttempt>[] = [
  { header: 'When', cell: (attempt) => <When at={attempt.attemptedAt} /> },
  {
    header: 'Leaves',
    cell: (attempt) => (attempt.firstLeaf === null ? 'test' : `${attempt.firstLeaf}–${attempt.lastLeaf}`),
  },
  { header: 'Answer', cell: (attempt) => attempt.error ?? attempt.statusCode },
  { header: 'Latency', cell: (attempt) => `${attempt.latencyMs} ms` },
];

/** The latest delivery attempts of one sink: status, latency, the leaves each carried. */
function SinkHistory({ sink }: { sink: AuditSink }) {
  const history = useResource(`sink-attempts:${sink.id}`, () =>
    api<{ attempts: AuditSinkAttempt[] }>(`/audit/sinks/${sink.id}/attempts?limit=20`),
  );
  return (
    <DataTable
      label={`Deliveries to ${sink.name}`}
      rows={history.data?.attempts}
      columns={attemptColumns}
      empty={{ message: 'No delivery attempts yet.' }}
      error={history.error}
      rowAttributes={(attempt) => ({ className: attempt.delivered ? undefined : 'revoked' })}
    />
  );
}

const sinkColumns: Column<AuditSink>[] = [
  { header: 'Name', cell: (sink) => sink.name },
  { header: 'URL', cell: (sink) => <code>{sink.url}</code> },
  { header: 'State', cell: (sink) => <SinkState sink={sink} /> },
  {
    header: 'Delivered through',
    cell: (sink) => (sink.deliveredThrough < 0 ? 'nothing yet' : `leaf ${sink.deliveredThrough}`),
  },
  {
    header: 'Lag',
    cell: (sink) => (
      <>
        {sink.lagEvents} events{sink.lagEvents > 0 && `, ${sink.lagSeconds.toFixed(1)} s`}
      </>
    ),
  },
];

const noSinks: EmptyState = {
  message: 'No audit streams yet.',
  hint: 'Add a webhook above to keep a copy of the audit trail in a system of your own.',
  testId: 'no-sinks',
};

/**
 * Streams of the workspace's sealed audit events to its own systems (a
 * SIEM's webhook): add one (its signing secret is shown once), see where
 * each stands and its delivery history, send a test, delete.
 */
export function AuditSinksPage() {
  const sinks = useResource('audit-sinks', () => api<{ sinks: AuditSink[] }>('/audit/sinks'));
  const action = useAction();
  const { confirm, dialog } = useConfirm();
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [format, setFormat] = useState<SinkFormat>('ocsf');
  const [created, setCreated] = useState<(AuditSink & { signingSecret: string }) | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [tested, setTested] = useState<string | null>(null);

  const create = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      setCreated(
        await api<AuditSink & { signingSecret: string }>('/audit/sinks', {
          method: 'POST',
          body: { name, url, format },
        }),
      );
      setName('');
      setUrl('');
      sinks.reload();
    });
  };
  const test = (sink: AuditSink) =>
    action.run(async () => {
      const answer = await api<{ statusCode: number | null; latencyMs: number; error: string | null }>(
        `/audit/sinks/${sink.id}/test`,
        { method: 'POST' },
      );
      setTested(
        answer.error
          ? `${sink.name}: ${answer.error}`
          : `${sink.name} answered ${answer.statusCode} in ${answer.latencyMs} ms`,
      );
      setOpen(sink.id);
    });
  const remove = (sink: AuditSink) =>
    action.run(async () => {
      const ok = await confirm({
        title: `Delete “${sink.name}”?`,
        message: 'Its delivery history goes with it. The audit trail itself is kept.',
        confirmLabel: 'Delete sink',
      });
      if (!ok) return;
      await api(`/audit/sinks/${sink.id}`, { method: 'DELETE' });
      sinks.reload();
    });

  return (
    <>
      <PageHeader title="Audit streams" />
      <form className="panel stack" onSubmit={create}>
        <h2>New webhook</h2>
        <p className="small muted">
          Every sealed event is posted in order with its leaf index, signed per Standard Webhooks, with the latest
          signed checkpoint.
        </p>
        <label>
          Name
          <input name="sinkName" value={name} onChange={(e) => setName(e.target.value)} placeholder="SIEM" required />
          <FieldError error={action.error} path="name" />
        </label>
        <label>
          URL
          <input
            name="sinkUrl"
            type="url"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            placeholder="https://siem.example.com/skillhub"
            required
          />
          <FieldError error={action.error} path="url" />
        </label>
        <label>
          Format
          <select name="sinkFormat" value={format} onChange={(e) => setFormat(e.target.value as SinkFormat)}>
            {sinkFormats.map((value) => (
              <option key={value} value={value}>
                {formatLabels[value]}
              </option>
            ))}
          </select>
        </label>
        <div>
          <button type="submit" className="primary" disabled={action.busy}>
            Add sink
          </button>
        </div>
      </form>
      {created && (
        <div className="panel secret" aria-live="polite">
          <strong>Copy the signing secret for “{created.name}” now: it is shown only this once.</strong>
          <code className="secret-value" data-testid="new-sink-secret">
            {created.signingSecret}
          </code>
          <div>
            <button type="button" className="link-button" onClick={() => setCreated(null)}>
              Done
            </button>
          </div>
        </div>
      )}
      {tested && (
        <p className="panel" data-testid="sink-test-result" aria-live="polite">
          {tested}
        </p>
      )}
      <DataTable
        label="Audit sinks"
        rows={sinks.data?.sinks}
        columns={sinkColumns}
        empty={noSinks}
        error={sinks.error ?? action.error}
        actions={(sink) => (
          <>
            <button
              type="button"
              aria-label={`History ${sink.name}`}
              aria-expanded={open === sink.id}
              onClick={() => setOpen(open === sink.id ? null : sink.id)}
            >
              History
            </button>{' '}
            <button
              type="button"
              aria-label={`Test ${sink.name}`}
              onClick={() => void test(sink)}
              disabled={action.busy}
            >
              Test
            </button>{' '}
            <button
              type="button"
              className="danger"
              aria-label={`Delete ${sink.name}`}
              onClick={() => void remove(sink)}
              disabled={action.busy}
            >
              Delete
            </button>
          </>
        )}
      />
      {sinks.data?.sinks
        .filter((sink) => sink.id === open)
        .map((sink) => (
          <section className="panel stack" key={sink.id}>
            <h2>Deliveries to {sink.name}</h2>
            <SinkHistory key={tested ?? ''} sink={sink} />
          </section>
        ))}
      {dialog}
    </>
  );
}
