import { type FormEvent, useState } from 'react';
import { api } from '../api/client.ts';
import type { ErasureReport } from '../api/types.ts';
import { useConfirm } from '../components/confirm-dialog.tsx';
import { ErrorBanner } from '../components/error-banner.tsx';
import { PageHeader } from '../components/layout.tsx';
import { useAction } from '../use-action.ts';

const erase = (subject: string, dryRun: boolean) =>
  api<ErasureReport>('/audit/erasures', { method: 'POST', body: { subject, dryRun } });

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

/**
 * Erasing a person's data (admins): look the person up by user id or email,
 * see what a dry run says would become unreadable, then confirm. The audit
 * trail keeps every event and still verifies; only the person's values,
 * sealed under a key of their own, become unreadable ("erased").
 */
export function ErasurePage() {
  const [subject, setSubject] = useState('');
  const [report, setReport] = useState<ErasureReport | null>(null);
  const action = useAction();
  const { confirm, dialog } = useConfirm();

  const lookUp = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      setReport(null);
      setReport(await erase(subject, true));
    });
  };

  const confirmErasure = () =>
    action.run(async () => {
      if (!report) return;
      const ok = await confirm({
        title: 'Erase this person’s data?',
        message: `${plural(report.events, 'audit event')} will show their fields as erased, for good. The events stay and the audit trail still verifies. This cannot be undone.`,
        confirmLabel: 'Erase for good',
      });
      if (!ok) return;
      setReport(await erase(subject, false));
    });

  return (
    <>
      <PageHeader title="Erase a person’s data" />
      <p className="muted">
        The audit trail never changes, so a person’s email, name and addresses are kept in it encrypted under a key of
        their own. Erasing destroys that key: their fields read as erased everywhere (the trail, exports, security
        activity), while every event, proof and exported bundle still verifies.
      </p>
      <form className="panel stack" onSubmit={lookUp} aria-label="Look up a person">
        <label>
          User id or email address
          <input
            name="subject"
            value={subject}
            onChange={(event) => setSubject(event.target.value)}
            maxLength={320}
            required
            autoComplete="off"
          />
        </label>
        <button type="submit" disabled={action.busy || subject.trim() === ''}>
          See what would be erased
        </button>
      </form>
      <ErrorBanner error={action.error} />
      {report && <ErasureSummary report={report} />}
      {report?.dryRun && report.account === 'active' && (
        <p className="notice">
          This person is still an active member. Deactivate them on the People page first, then erase.
        </p>
      )}
      {report?.dryRun && report.account !== 'active' && (
        <button type="button" className="danger" onClick={() => void confirmErasure()} disabled={action.busy}>
          Erase for good
        </button>
      )}
      {dialog}
    </>
  );
}

function ErasureSummary({ report }: { report: ErasureReport }) {
  return (
    <section aria-label={report.dryRun ? 'What would be erased' : 'What was erased'} className="panel stack">
      <h2>{report.dryRun ? 'What would become unreadable' : 'Erased'}</h2>
      <dl className="facts">
        <dt>Subject</dt>
        <dd>
          <code>{report.subject}</code>
        </dd>
        <dt>Account</dt>
        <dd>{report.account === 'none' ? 'no account here' : report.account}</dd>
        <dt>Audit events</dt>
        <dd>
          {plural(report.events, 'event')}
          {report.fields.length > 0 && <span className="muted"> ({report.fields.join(', ')})</span>}
        </dd>
        <dt>Security events</dt>
        <dd>{plural(report.securityEvents, 'event')} redacted</dd>
        <dt>Sessions</dt>
        <dd>{plural(report.sessions, 'session')} deleted</dd>
        <dt>Keys</dt>
        <dd>
          {plural(report.keys, 'key')} {report.dryRun ? 'to destroy' : 'destroyed'}
        </dd>
        {report.eventsInClear > 0 && (
          <>
            <dt>Written before encryption</dt>
            <dd>{plural(report.eventsInClear, 'event')} name this person in clear and cannot be erased</dd>
          </>
        )}
      </dl>
    </section>
  );
}
