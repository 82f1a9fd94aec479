import type { AuditTrailStatus } from '../api/types.ts';

/** The verdict of GET /audit/verify: intact with its head, or where the chain breaks. */
export function ChainStatus({
  status,
  onVerify,
  busy,
}: {
  status: AuditTrailStatus | undefined;
  onVerify(): void;
  busy: boolean;
}) {
  const verdict = !status ? 'pending' : status.intact ? 'intact' : 'broken';
  return (
    <section className={`chain-status ${verdict}`} aria-live="polite" data-testid="chain-status">
      <div className="chain-icon" aria-hidden="true">
        {verdict === 'intact' ? '✔' : verdict === 'broken' ? '✖' : '…'}
      </div>
      <div className="chain-text">
        {!status && <strong>Verifying the hash chain…</strong>}
        {status?.intact && (
          <>
            <strong>Hash chain intact</strong>
            <span>
              {status.events} sealed events verified
              {status.head && (
                <>
                  {' '}
                  · head #{status.head.position} <code title={status.head.hash}>{status.head.hash.slice(0, 16)}…</code>
                </>
              )}
            </span>
          </>
        )}
        {status && !status.intact && status.break && (
          <>
            <strong>Hash chain broken ({status.break.kind})</strong>
            <span>
              {status.break.position !== null && `at position ${status.break.position}: `}
              {status.break.detail}
            </span>
          </>
        )}
        {status && status.unsealed > 0 && (
          <span className="muted">
            {status.unsealed} newer events are not sealed yet; a transaction left open holds sealing back.
          </span>
        )}
      </div>
      <button type="button" onClick={onVerify} disabled={busy}>
        Verify again
      </button>
    </section>
  );
}
