import {
  type CheckpointKeysResponse,
  type EventProofResponse,
  type EventProofVerdict,
  verifyEventProof,
} from '@skillhub/verify/browser';
import { useState } from 'react';
import { ApiError, api } from '../api/client.ts';
import '../styles/event-proof.css';

type State =
  | { step: 'idle' }
  | { step: 'checking' }
  | { step: 'done'; verdict: EventProofVerdict }
  | { step: 'unavailable'; message: string };

/**
 * "Verify this event": fetches the event's inclusion proof and the published
 * checkpoint keys, and checks both here, in the browser (WebCrypto), so the
 * verdict does not rest on the server's word. Shows the key it checked with,
 * for comparison with the one the reader holds.
 */
export function EventProof({ eventId }: { eventId: string }) {
  const [state, setState] = useState<State>({ step: 'idle' });

  async function verify() {
    setState({ step: 'checking' });
    try {
      const [proof, keys] = await Promise.all([
        api<EventProofResponse>(`/audit/events/${encodeURIComponent(eventId)}/proof`),
        api<CheckpointKeysResponse>('/.well-known/skillhub/checkpoint-keys'),
      ]);
      setState({ step: 'done', verdict: await verifyEventProof(eventId, proof, keys) });
    } catch (error: unknown) {
      // No proof yet (not sealed or no checkpoint covers it), or no answer: not a verdict on the event.
      setState({
        step: 'unavailable',
        message: error instanceof ApiError ? error.message : 'The proof could not be checked.',
      });
    }
  }

  const verdict = state.step === 'done' ? state.verdict : undefined;
  return (
    <div
      className={`event-proof ${verdict ? (verdict.ok ? 'verified' : 'failed') : ''}`}
      data-testid="event-proof"
      aria-live="polite"
    >
      <button type="button" className="link-button" onClick={verify} disabled={state.step === 'checking'}>
        {state.step === 'idle' ? 'Verify this event' : 'Verify again'}
      </button>
      {state.step === 'checking' && <span className="muted">Checking the proof in this browser…</span>}
      {state.step === 'unavailable' && <span className="muted">{state.message}</span>}
      {verdict?.ok && (
        <span>
          <strong>✔ Verified in this browser:</strong> leaf {verdict.leafIndex} of the tree of {verdict.treeSize} events
          of <code>{verdict.origin}</code>, checkpoint signed by{' '}
          <code>{`${verdict.key.keyName}+${verdict.key.keyId}`}</code>
        </span>
      )}
      {verdict && !verdict.ok && (
        <span>
          <strong>✖ Verification failed ({verdict.kind}):</strong> {verdict.message}
        </span>
      )}
      {verdict?.key && (
        <span className="muted small">
          Public key <code className="vkey">{verdict.key.vkey}</code>
        </span>
      )}
    </div>
  );
}
