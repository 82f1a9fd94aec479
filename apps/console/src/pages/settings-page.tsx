import { type FormEvent, useState } from 'react';
import { api } from '../api/client.ts';
import { isAdmin, type SiteSettings, visibilities } from '../api/types.ts';
import { ErrorBanner } from '../components/error-banner.tsx';
import { PageHeader } from '../components/layout.tsx';
import { useMe } from '../session.tsx';
import { useAction } from '../use-action.ts';
import { type FieldProps, useForm } from '../use-form.ts';
import { useResource } from '../use-resource.ts';
import { fromForm, type SettingsForm, toForm } from './settings-form.ts';

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
  const field = (name: keyof SettingsForm & string) => ({ ...bind(name), disabled: !admin });

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
            <input {...field('displayName')} required />
          </label>
          <label>
            Default visibility of new skills
            <select {...field('defaultVisibility')}>
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
          <input {...field('logoUrl')} type="url" placeholder="https://…" />
        </label>
      </section>
      {admin && (
        <>
          <section className="panel stack">
            <h2>Sign-in throttle</h2>
            <p className="muted small">
              Empty fields use the defaults: 5 failures per email, 10 per IP, in 15 minutes.
            </p>
            <div className="row">
              <NumberField label="Failures per email" {...field('maxFailuresPerEmail')} />
              <NumberField label="Failures per IP" {...field('maxFailuresPerIp')} />
              <NumberField label="Accounts that make an IP shared" {...field('sharedIpAccounts')} />
              <NumberField label="Window (minutes)" {...field('windowMinutes')} />
            </div>
          </section>
          <section className="panel stack">
            <h2>Sessions</h2>
            <div className="row">
              <NumberField label="Idle timeout (minutes)" {...field('idleTimeoutMinutes')} />
              <NumberField label="Absolute timeout (hours)" {...field('absoluteTimeoutHours')} />
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
                <textarea {...field('blockedIps')} rows={4} className="mono" />
              </label>
              <label>
                Blocked emails
                <textarea {...field('blockedEmails')} rows={4} className="mono" />
              </label>
              <label>
                Allowed IPs
                <textarea {...field('allowedIps')} rows={4} className="mono" />
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

function NumberField({ label, ...input }: { label: string; disabled: boolean } & FieldProps) {
  return (
    <label>
      {label}
      <input {...input} type="number" min={1} />
    </label>
  );
}
