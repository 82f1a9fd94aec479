import { type FormEvent, useState } from 'react';
import { api } from '../api/client.ts';
import { useConfirm } from '../components/confirm-dialog.tsx';
import { ErrorBanner } from '../components/error-banner.tsx';
import { FieldError } from '../components/field-error.tsx';
import { useMe, useSession } from '../session.tsx';
import { useAction } from '../use-action.ts';
import { QrCode } from './qr-code.tsx';

interface Setup {
  secret: string;
  otpauthUri: string;
}

/**
 * Two-factor authentication for the signed-in user: enrolment (QR code and
 * the secret as text, confirmed with a code from the app), the recovery
 * codes shown once, and turning it off (password and a code, confirmed).
 */
export function MfaPanel() {
  const me = useMe();
  const { refresh } = useSession();
  const [setup, setSetup] = useState<Setup | null>(null);
  const [code, setCode] = useState('');
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const action = useAction();

  const begin = () =>
    action.run(async () => {
      setSetup(await api<Setup>('/auth/mfa/setup', { method: 'POST' }));
    });
  const confirmCode = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      const confirmed = await api<{ recoveryCodes: string[] }>('/auth/mfa/confirm', {
        method: 'POST',
        body: { code: code.trim() },
      });
      setRecoveryCodes(confirmed.recoveryCodes);
      setSetup(null);
      setCode('');
    });
  };

  return (
    <section className="panel stack" aria-labelledby="mfa-heading">
      <h2 id="mfa-heading">Two-factor authentication</h2>
      {recoveryCodes ? (
        <RecoveryCodes
          codes={recoveryCodes}
          onDone={() => {
            setRecoveryCodes(null);
            void refresh();
          }}
        />
      ) : me.user.mfaEnabled ? (
        <DisableMfa />
      ) : setup ? (
        <form className="stack" onSubmit={confirmCode}>
          <p>
            Scan this code with an authenticator app (or type the secret into it), then enter the six-digit code it
            shows.
          </p>
          <QrCode text={setup.otpauthUri} label="QR code of your two-factor secret" />
          <p>
            Secret:{' '}
            <code className="secret-value" data-testid="mfa-secret">
              {setup.secret}
            </code>
          </p>
          <label>
            Code from the app
            <input
              name="mfaCode"
              value={code}
              onChange={(e) => setCode(e.target.value)}
              inputMode="numeric"
              autoComplete="one-time-code"
              required
            />
            <FieldError error={action.error} path="code" />
          </label>
          <ErrorBanner error={action.error} />
          <div>
            <button type="submit" className="primary" disabled={action.busy}>
              Turn on two-factor
            </button>{' '}
            <button type="button" className="link-button" onClick={() => setSetup(null)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <>
          <p className="muted">
            Off. With it on, signing in also asks for a code from an app on your phone, and your other sessions end.
          </p>
          <ErrorBanner error={action.error} />
          <div>
            <button type="button" className="primary" onClick={() => void begin()} disabled={action.busy}>
              Set up two-factor
            </button>
          </div>
        </>
      )}
    </section>
  );
}

function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone(): void }) {
  return (
    <div className="secret stack" aria-live="polite">
      <strong>Two-factor authentication is on. Save these recovery codes now: they are shown only this once.</strong>
      <p className="small">Each one signs you in once if you lose your phone.</p>
      <ul className="recovery-codes" aria-label="Recovery codes">
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ul>
      <div>
        <button type="button" onClick={() => void navigator.clipboard?.writeText(codes.join('\n'))}>
          Copy
        </button>{' '}
        <button type="button" className="primary" onClick={onDone}>
          I have saved them
        </button>
      </div>
    </div>
  );
}

function DisableMfa() {
  const { refresh } = useSession();
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const { busy, error, run } = useAction();
  const { confirm, dialog } = useConfirm();
  const disable = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const ok = await confirm({
        title: 'Turn two-factor authentication off?',
        message:
          'Signing in will ask for your password only, your recovery codes stop working, and your other sessions end.',
        confirmLabel: 'Turn off',
      });
      if (!ok) return;
      await api('/auth/mfa/disable', { method: 'POST', body: { password, code: code.trim() } });
      await refresh();
    });
  };
  return (
    <form className="stack" onSubmit={disable}>
      <p>
        <strong>On.</strong> <span className="muted">Signing in asks for a code from your authenticator app.</span>
      </p>
      <div className="row">
        <label>
          Password
          <input
            name="disablePassword"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
          <FieldError error={error} path="password" />
        </label>
        <label>
          Code from the app (or a recovery code)
          <input name="disableCode" value={code} onChange={(e) => setCode(e.target.value)} required />
          <FieldError error={error} path="code" />
        </label>
      </div>
      <ErrorBanner error={error} />
      <div>
        <button type="submit" className="danger" disabled={busy}>
          Turn off two-factor…
        </button>
      </div>
      {dialog}
    </form>
  );
}
