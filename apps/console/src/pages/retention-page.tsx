import { type FormEvent, useEffect, useState } from 'react';
import { api } from '../api/client.ts';
import type { LegalHold, RetentionRecord, RetentionState } from '../api/types.ts';
import { useConfirm } from '../components/confirm-dialog.tsx';
import { type Column, DataTable } from '../components/data-table.tsx';
import { ErrorBanner } from '../components/error-banner.tsx';
import { FieldError } from '../components/field-error.tsx';
import { PageHeader } from '../components/layout.tsx';
import { When } from '../components/when.tsx';
import { useAction } from '../use-action.ts';
import { useResource } from '../use-resource.ts';

/** How long audit events are kept, within the deployment's bounds; blank keeps them forever. */
function PolicyForm({ state, onSaved }: { state: RetentionState; onSaved(): void }) {
  const { policy } = state;
  const action = useAction();
  const [days, setDays] = useState(policy.keepDays === null ? '' : String(policy.keepDays));
  useEffect(() => setDays(policy.keepDays === null ? '' : String(policy.keepDays)), [policy.keepDays]);
  const save = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      await api('/audit/retention/policy', {
        method: 'PUT',
        body: { keepDays: days.trim() === '' ? null : Number(days) },
      });
      onSaved();
    });
  };
  const bounds =
    policy.maxDays === null ? `at least ${policy.minDays} days` : `from ${policy.minDays} to ${policy.maxDays} days`;
  return (
    <form className="panel stack" onSubmit={save}>
      <h2>Policy</h2>
      <p className="small muted" data-testid="retention-policy">
        {policy.effectiveDays === null
          ? 'Audit events are kept forever.'
          : `Audit events older than ${policy.effectiveDays} days leave the trail, under a signed record.`}{' '}
        This deployment allows {bounds}.
      </p>
      <label>
        Days to keep (blank: forever)
        <input
          name="keepDays"
          inputMode="numeric"
          value={days}
          onChange={(e) => setDays(e.target.value)}
          placeholder="forever"
        />
        <FieldError error={action.error} path="keepDays" />
      </label>
      <ErrorBanner error={action.error} />
      <div>
        <button type="submit" className="primary" disabled={action.busy}>
          Save policy
        </button>
      </div>
    </form>
  );
}

/** Places a hold on the workspace, or on one person (a user id or an email). */
function PlaceHoldForm({ onPlaced }: { onPlaced(): void }) {
  const action = useAction();
  const [subject, setSubject] = useState('');
  const [reason, setReason] = useState('');
  const place = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      await api('/audit/legal-holds', {
        method: 'POST',
        body: { subject: subject.trim() === '' ? null : subject.trim(), reason },
      });
      setSubject('');
      setReason('');
      onPlaced();
    });
  };
  return (
    <form className="panel stack" onSubmit={place}>
      <h2>Place a legal hold</h2>
      <p className="small muted">
        A hold on the workspace stops retention. A hold on a person stops it before their first event, and their data
        cannot be erased while it lasts.
      </p>
      <label>
        Person (user id or email; blank: the whole workspace)
        <input name="holdSubject" value={subject} onChange={(e) => setSubject(e.target.value)} />
        <FieldError error={action.error} path="subject" />
      </label>
      <label>
        Reason
        <input name="holdReason" value={reason} onChange={(e) => setReason(e.target.value)} required />
        <FieldError error={action.error} path="reason" />
      </label>
      <ErrorBanner error={action.error} />
      <div>
        <button type="submit" className="primary" disabled={action.busy}>
          Place hold
        </button>
      </div>
    </form>
  );
}

const holdSubject = (hold: LegalHold) => hold.subject ?? 'the whole workspace';

const holdColumns: Column<LegalHold>[] = [
  { header: 'On', cell: holdSubject },
  { header: 'Reason', cell: (hold) => hold.reason },
  {
    header: 'Placed',
    cell: (hold) => (
      <>
        <When at={hold.placedAt} /> by {hold.placedBy}
      </>
    ),
  },
  { header: 'State', cell: (hold) => (hold.releasedAt ? `released: ${hold.releaseReason}` : 'active') },
];

type RecordRow = RetentionRecord & { id: number };

const recordColumns: Column<RecordRow>[] = [
  { header: 'Leaves', cell: (record) => `${record.startLeaf}–${record.endLeaf - 1}` },
  { header: 'Removed', cell: (record) => <When at={record.removedAt} /> },
  { header: 'Policy', cell: (record) => `${record.keepDays} days` },
  { header: 'Events', cell: (record) => record.eventsRemoved },
  {
    header: 'Signed record',
    cell: (record) => (
      <details>
        <summary>key {record.keyId}</summary>
        <pre className="small">{record.note}</pre>
      </details>
    ),
  },
];

/**
 * The workspace's audit retention: how long events are kept, the legal
 * holds that stop removal, and each past removal with its signed record
 * (anyone with the published checkpoint keys can check it).
 */
export function RetentionPage() {
  const state = useResource('retention', () => api<RetentionState>('/audit/retention'));
  const action = useAction();
  const { confirm, dialog } = useConfirm();
  const [releaseReason, setReleaseReason] = useState('');
  const release = (hold: LegalHold) =>
    action.run(async () => {
      const ok = await confirm({
        title: `Release the hold on ${holdSubject(hold)}?`,
        message: `Retention may then remove what it kept. Reason recorded: “${releaseReason || 'released from the console'}”.`,
        confirmLabel: 'Release hold',
      });
      if (!ok) return;
      await api(`/audit/legal-holds/${hold.id}/release`, {
        method: 'POST',
        body: { reason: releaseReason.trim() || 'released from the console' },
      });
      setReleaseReason('');
      state.reload();
    });
  return (
    <>
      <PageHeader title="Retention and holds" />
      <ErrorBanner error={state.error ?? action.error} />
      {state.data && <PolicyForm state={state.data} onSaved={state.reload} />}
      <PlaceHoldForm onPlaced={state.reload} />
      <section className="panel stack">
        <h2>Legal holds</h2>
        <label>
          Reason for a release
          <input name="releaseReason" value={releaseReason} onChange={(e) => setReleaseReason(e.target.value)} />
        </label>
        <DataTable
          label="Legal holds"
          rows={state.data?.holds}
          columns={holdColumns}
          empty={{ message: 'No legal holds.', testId: 'no-holds' }}
          rowAttributes={(hold) => ({ className: hold.releasedAt ? 'revoked' : undefined })}
          actions={(hold) =>
            hold.releasedAt ? null : (
              <button type="button" onClick={() => void release(hold)} disabled={action.busy}>
                Release<span className="visually-hidden"> hold on {holdSubject(hold)}</span>
              </button>
            )
          }
        />
      </section>
      <section className="panel stack">
        <h2>Past removals</h2>
        <DataTable
          label="Retention records"
          rows={state.data?.records.map((record) => ({ ...record, id: record.startLeaf }))}
          columns={recordColumns}
          empty={{ message: 'Nothing has been removed.', testId: 'no-removals' }}
        />
      </section>
      {dialog}
    </>
  );
}
