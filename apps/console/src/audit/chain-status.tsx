import { useState } from 'react';
import { ApiError, api } from '../api/client.ts';
import type { AuditChainState, AuditTrailStatus } from '../api/types.ts';
import { When } from '../components/when.tsx';
import { formatDateTime } from '../format.ts';
import { useResource } from '../use-resource.ts';

type Verdict = NonNullable<AuditChainState['lastVerification']>;

const breakKinds: Record<string, string> = {
  modified: 'was changed after it was sealed',
  missing: 'is missing: it was removed after it was sealed',
  inserted: 'was slipped into sealed history',
  reordered: 'is out of its sealed order',
  truncated: 'ends the chain early: later events were removed',
  forged: 'lies under a retention record that does not hold (unsigned, edited, or naming events still there)',
};

const messageOf = (error: unknown) =>
  error instanceof ApiError
    ? `${error.message}${error.requestId ? ` (request ${error.requestId})` : ''}`
    : String(error);

function VerdictText({ verdict }: { verdict: Verdict }) {
  if (!verdict.intact) {
    const broken = verdict.break;
    return (
      <>
        <strong>Hash chain broken: the audit trail has been tampered with</strong>
        {broken && (
          <span>
            {broken.eventId ? (
              <>
                Event <code>{broken.eventId}</code>
              </>
            ) : (
              'An event'
            )}
            {broken.position !== null && ` (position ${broken.position})`} {breakKinds[broken.kind] ?? broken.kind}.{' '}
            {broken.detail}
          </span>
        )}
        <span className="muted">
          Found <When at={verdict.at} /> ({formatDateTime(verdict.at)}){verdict.by && ` by ${verdict.by}`}.
        </span>
      </>
    );
  }
  return (
    <>
      <strong>Hash chain verified</strong>
      <span>
        {verdict.events} sealed events checked <When at={verdict.at} /> ({formatDateTime(verdict.at)})
        {verdict.by && ` by ${verdict.by}`}
        {verdict.head && (
          <>
            {' '}
            · head #{verdict.head.position} <code title={verdict.head.hash}>{verdict.head.hash.slice(0, 16)}…</code>
          </>
        )}
      </span>
    </>
  );
}

/**
 * The leaves that left the chain by its retention policy: verification
 * passes over them (each range has a signed retention record), and the
 * banner says so rather than leave a reader to wonder where they went.
 */
function RemovedByPolicy({ removed }: { removed: AuditChainState['removed'] }) {
  if (removed.length === 0) return null;
  const leaves = removed.reduce((n, r) => n + (r.endLeaf - r.startLeaf), 0);
  const last = removed[removed.length - 1];
  const ranges = removed.map((r) => `${r.startLeaf}–${r.endLeaf - 1}`).join(', ');
  return (
    <span className="muted" data-testid="chain-removed">
      {leaves} {leaves === 1 ? 'leaf' : 'leaves'} ({ranges}) removed by the retention policy
      {last && ` (latest ${formatDateTime(last.removedAt)})`}, each range under a signed record; verification reports
      them as removed by policy, not as missing.
    </span>
  );
}

/**
 * The hash chain's banner. On load it shows the latest verification on
 * record and how far sealing has come (GET /audit/status, which records
 * nothing); "Verify now" recomputes the chain (POST /audit/verify, one
 * audit.verified event). Every request ends in a state: verified, broken,
 * not verified yet, or failed with a retry; pending sealing is said too.
 */
export function ChainStatus() {
  const state = useResource('audit-status', () => api<AuditChainState>('/audit/status'));
  const [verifying, setVerifying] = useState(false);
  const [verifyError, setVerifyError] = useState<unknown>(null);
  const [fresh, setFresh] = useState<Verdict | null>(null);

  const verify = async () => {
    setVerifying(true);
    setVerifyError(null);
    try {
      const result = await api<AuditTrailStatus>('/audit/verify', { method: 'POST' });
      setFresh({ ...result, at: result.verifiedAt, by: null });
      state.reload();
    } catch (error) {
      setVerifyError(error);
    } finally {
      setVerifying(false);
    }
  };

  const failure = verifyError ?? (state.data ? null : state.error);
  const verdict = fresh ?? state.data?.lastVerification ?? null;
  const kind = failure
    ? 'failed'
    : verifying
      ? 'working'
      : !state.data && !fresh
        ? 'working'
        : verdict
          ? verdict.intact
            ? 'intact'
            : 'broken'
          : 'pending';
  const icon = { failed: '!', working: '…', intact: '✔', broken: '✖', pending: '○' }[kind];

  return (
    <section
      className={`chain-status ${kind}`}
      role={kind === 'broken' || kind === 'failed' ? 'alert' : 'status'}
      data-testid="chain-status"
      data-state={kind}
    >
      <div className="chain-icon" aria-hidden="true">
        {icon}
      </div>
      <div className="chain-text">
        {failure ? (
          <>
            <strong>{verifyError ? 'The verification could not run' : 'The chain’s status could not be read'}</strong>
            <span>{messageOf(failure)}</span>
          </>
        ) : verifying ? (
          <strong>Verifying the hash chain…</strong>
        ) : !state.data && !fresh ? (
          <strong>Reading the chain’s status…</strong>
        ) : verdict ? (
          <VerdictText verdict={verdict} />
        ) : (
          <>
            <strong>Not verified yet</strong>
            <span>{state.data?.sealed.events ?? 0} events sealed into the hash chain; verify to check them.</span>
          </>
        )}
        {state.data && !failure && <RemovedByPolicy removed={state.data.removed} />}
        {state.data && state.data.unsealed > 0 && !failure && (
          <span className="muted" data-testid="chain-pending">
            {state.data.unsealed} newer {state.data.unsealed === 1 ? 'event is' : 'events are'} not sealed yet; sealing
            follows within seconds unless a long transaction holds it back.
          </span>
        )}
      </div>
      {failure && !verifyError ? (
        <button type="button" onClick={state.reload}>
          Retry
        </button>
      ) : (
        <button type="button" onClick={() => void verify()} disabled={verifying}>
          {verifyError ? 'Retry' : 'Verify now'}
        </button>
      )}
    </section>
  );
}
