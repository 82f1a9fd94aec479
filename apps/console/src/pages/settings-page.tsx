import { type FormEvent, useState } from 'react';
import { api } from '../api/client.ts';
import { type EffectiveSetting, isAdmin, type SiteSettings, visibilities } from '../api/types.ts';
import { ErrorBanner } from '../components/error-banner.tsx';
import { FieldError } from '../components/field-error.tsx';
import { PageHeader } from '../components/layout.tsx';
import { useMe } from '../session.tsx';
import { useAction } from '../use-action.ts';
import { type FieldProps, useForm } from '../use-form.ts';
import { useResource } from '../use-resource.ts';
import { fromForm, type NumberName, type SettingsForm, settingsPaths, toForm } from './settings-form.ts';

/** The workspace's settings: editable by admins; others see its name, logo and default visibility. */
export function SettingsPage() {
  const me = useMe();
  const admin = isAdmin(me.user.role);
  const settings = useResource('settings', () => api<SiteSettings>('/settings'));
  // What is in force and each default come from the server (the throttle's from the database, the session
  // lifetimes from this server's configuration); members see neither.
  const effective = useResource(admin ? 'effective-settings' : 'no-effective-settings', () =>
    admin ? api<{ settings: EffectiveSetting[] }>('/settings/effective') : Promise.resolve({ settings: [] }),
  );
  return (
    <>
      <PageHeader title="Settings" />
      <ErrorBanner error={settings.error ?? effective.error} />
      {!admin && <p className="muted">Only workspace admins can change these.</p>}
      {settings.data && (
        <SettingsEditor
          initial={toForm(settings.data)}
          admin={admin}
          effective={effective.data?.settings ?? []}
          onSaved={effective.reload}
        />
      )}
    </>
  );
}

interface EditorProps {
  initial: SettingsForm;
  admin: boolean;
  effective: EffectiveSetting[];
  onSaved(): void;
}

function SettingsEditor({ initial, admin, effective, onSaved }: EditorProps) {
  const { form, field: bind, update } = useForm(initial);
  const action = useAction();
  const [changed, setChanged] = useState<string[] | null>(null);
  const field = (name: NumberName) => ({
    ...bind(name),
    name,
    disabled: !admin,
    error: action.error,
    effective: effective.find((setting) => setting.path === settingsPaths[name]),
  });

  const save = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      const saved = await api<SiteSettings & { changed: string[] }>('/settings', {
        method: 'PUT',
        body: fromForm(form),
      });
      update(toForm(saved));
      setChanged(saved.changed);
      onSaved();
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
              Failed sign-ins allowed within the window before further attempts are refused; an IP shared by many
              accounts is allowed twice as many. An empty field uses its default, shown under it with the value in
              force.
            </p>
            <div className="row">
              <NumberField label="Failures per email" {...field('maxFailuresPerEmail')} />
              <NumberField label="Failures per known device" {...field('maxFailuresPerDevice')} />
              <NumberField label="Failures per IP" {...field('maxFailuresPerIp')} />
              <NumberField label="Accounts that make an IP shared" {...field('sharedIpAccounts')} />
              <NumberField label="Window (minutes)" {...field('windowMinutes')} />
            </div>
          </section>
          <section className="panel stack">
            <h2>Sessions</h2>
            <p className="muted small">
              Empty: this server’s own setting applies (its defaults, shown under each field, are set by whoever runs
              Skillhub).
            </p>
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

/**
 * A number whose empty value means the default. Under it: the value in force and the default, as the
 * server reports them (the default is also the placeholder).
 */
function NumberField({
  label,
  error,
  effective,
  ...input
}: { label: string; disabled: boolean; error: unknown; effective: EffectiveSetting | undefined } & FieldProps & {
    name: NumberName;
  }) {
  const fallback = effective?.default;
  return (
    <label>
      {label}
      <input {...input} type="number" min={1} placeholder={fallback === undefined ? '' : String(fallback)} />
      {effective && (
        <span className="hint" data-setting={effective.path}>
          In force: {effective.value}
          {effective.isDefault ? ' (the default)' : ` · default ${effective.default}`}
        </span>
      )}
      <FieldError error={error} path={settingsPaths[input.name]} />
    </label>
  );
}
