import { type FormEvent, useState } from 'react';
import { api } from '../api/client.ts';
import { isAdmin, type SiteSettings, visibilities } from '../api/types.ts';
import { ErrorBanner } from '../components/error-banner.tsx';
import { FieldError } from '../components/field-error.tsx';
import { PageHeader } from '../components/layout.tsx';
import { useMe } from '../session.tsx';
import { useAction } from '../use-action.ts';
import { type FieldProps, useForm } from '../use-form.ts';
import { useResource } from '../use-resource.ts';
import { fromForm, type SettingsForm, settingsDefaults, settingsPaths, toForm } from './settings-form.ts';

/** The workspace's settings: editable by admins; others see its name, logo and default visibility. */
export function SettingsPage() {
  const me = useMe();
  const admin = isAdmin(me.user.role);
  const settings = useResource('settings', () => api<SiteSettings>('/settings'));
  return (
    <>
      <PageHeader title="Settings" />
      <ErrorBanner error={settings.error} />
      {!admin && <p className="muted">Only workspace admins can change these.</p>}
      {settings.data && <SettingsEditor initial={toForm(settings.data)} admin={admin} />}
    </>
  );
}

function SettingsEditor({ initial, admin }: { initial: SettingsForm; admin: boolean }) {
  const { form, field: bind, update } = useForm(initial);
  const action = useAction();
  const [changed, setChanged] = useState<string[] | null>(null);
  const field = (name: keyof SettingsForm & string) => ({ ...bind(name), disabled: !admin, error: action.error });

  const save = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      const saved = await api<SiteSettings & { changed: string[] }>('/settings', {
        method: 'PUT',
        body: fromForm(form),
      });
      update(toForm(saved));
      setChanged(saved.changed);
    });
  };

  return (
    <form className="stack form-wide" onSubmit={save} onChange={() => setChanged(null)}>
      <section className="panel stack">
        <h2>Workspace</h2>
        <div className="row">
          <label>
            Display name
            <input {...bind('displayName')} disabled={!admin} required />
            <FieldError error={action.error} path="displayName" />
          </label>
          <label>
            Default visibility of new skills
            <select {...bind('defaultVisibility')} disabled={!admin}>
              {visibilities.map((visibility) => (
                <option key={visibility} value={visibility}>
                  {visibility}
                </option>
              ))}
            </select>
          </label>
        </div>
        <label>
          Logo URL
          <input {...bind('logoUrl')} disabled={!admin} type="url" placeholder="https://…" />
          <FieldError error={action.error} path="logoUrl" />
        </label>
      </section>
      {admin && (
        <>
          <section className="panel stack">
            <h2>Sign-in throttle</h2>
            <p className="muted small">
              An empty field uses its default, shown greyed in the field: 5 failures per email, 10 per IP (twice that
              for an IP shared by 5 accounts), in 15 minutes.
            </p>
            <div className="row">
              <NumberField label="Failures per email" {...field('maxFailuresPerEmail')} name="maxFailuresPerEmail" />
              <NumberField label="Failures per IP" {...field('maxFailuresPerIp')} name="maxFailuresPerIp" />
              <NumberField
                label="Accounts that make an IP shared"
                {...field('sharedIpAccounts')}
                name="sharedIpAccounts"
              />
              <NumberField label="Window (minutes)" {...field('windowMinutes')} name="windowMinutes" />
            </div>
          </section>
          <section className="panel stack">
            <h2>Sessions</h2>
            <p className="muted small">
              Empty: the server’s own setting applies ({settingsDefaults.idleTimeoutMinutes} minutes idle,{' '}
              {settingsDefaults.absoluteTimeoutHours} hours in all, unless whoever runs Skillhub changed them).
            </p>
            <div className="row">
              <NumberField label="Idle timeout (minutes)" {...field('idleTimeoutMinutes')} name="idleTimeoutMinutes" />
              <NumberField
                label="Absolute timeout (hours)"
                {...field('absoluteTimeoutHours')}
                name="absoluteTimeoutHours"
              />
            </div>
          </section>
          <section className="panel stack">
            <h2>Joining</h2>
            <label className="checkbox">
              <input
                type="checkbox"
                name="joinByDomain"
                checked={form.joinByDomain === 'true'}
                onChange={(event) => update({ joinByDomain: String(event.target.checked) })}
              />
              Let anyone who proves an address at this workspace’s email domain join as a member
            </label>
            <p className="muted small">
              Off: people join only by an admin’s invitation. The domain is set by whoever runs Skillhub (
              <code>skillhub tenant create --domain</code>); the address is proven by a link mailed at sign-up.
            </p>
          </section>
          <section className="panel stack">
            <h2>Access lists</h2>
            <p className="muted small">One entry a line. IPs and CIDR ranges; emails or @domain.</p>
            <div className="row">
              <label>
                Blocked IPs
                <textarea {...bind('blockedIps')} disabled={!admin} rows={4} className="mono" />
                <FieldError error={action.error} path={settingsPaths.blockedIps} />
              </label>
              <label>
                Blocked emails
                <textarea {...bind('blockedEmails')} disabled={!admin} rows={4} className="mono" />
                <FieldError error={action.error} path={settingsPaths.blockedEmails} />
              </label>
              <label>
                Allowed IPs
                <textarea {...bind('allowedIps')} disabled={!admin} rows={4} className="mono" />
                <FieldError error={action.error} path={settingsPaths.allowedIps} />
              </label>
            </div>
          </section>
          <ErrorBanner error={action.error} />
          {changed && (
            <p className="success" aria-live="polite">
              {changed.length === 0 ? 'Saved; nothing changed.' : `Saved: ${changed.join(', ')}.`}
            </p>
          )}
          <div>
            <button type="submit" className="primary" disabled={action.busy}>
              Save settings
            </button>
          </div>
        </>
      )}
    </form>
  );
}

type NumberName = keyof typeof settingsDefaults;

/** A number whose empty value means the default, which it shows as its placeholder and hint. */
function NumberField({
  label,
  error,
  ...input
}: { label: string; disabled: boolean; error: unknown } & FieldProps & { name: NumberName }) {
  const fallback = settingsDefaults[input.name];
  return (
    <label>
      {label}
      <input {...input} type="number" min={1} placeholder={String(fallback)} />
      <span className="hint">
        {input.value === '' ? `Default: ${fallback}` : `Default ${fallback}; clear the field to use it`}
      </span>
      <FieldError error={error} path={settingsPaths[input.name]} />
    </label>
  );
}
