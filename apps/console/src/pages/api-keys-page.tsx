import { type FormEvent, useState } from 'react';
import { api } from '../api/client.ts';
import { type ApiKey, apiKeyScopes } from '../api/types.ts';
import { useConfirm } from '../components/confirm-dialog.tsx';
import { type Column, DataTable, type EmptyState } from '../components/data-table.tsx';
import { FieldError } from '../components/field-error.tsx';
import { PageHeader } from '../components/layout.tsx';
import { When } from '../components/when.tsx';
import { toggled } from '../toggled.ts';
import { useAction } from '../use-action.ts';
import { useResource } from '../use-resource.ts';

/** What the expiry menu offers, in days ('' : never). */
const expiryChoices: [string, string][] = [
  ['7', 'in 7 days'],
  ['30', 'in 30 days'],
  ['90', 'in 90 days'],
  ['365', 'in a year'],
  ['', 'never (until revoked)'],
];

const isExpired = (key: ApiKey, now = Date.now()) => key.expiresAt !== null && Date.parse(key.expiresAt) <= now;

/** When a key stops working: "in 3 months", "expired 2 days ago" (marked), or "never". */
function Expiry({ apiKey }: { apiKey: ApiKey }) {
  if (!apiKey.expiresAt) return <span className="muted">never</span>;
  if (isExpired(apiKey)) {
    return (
      <span className="badge expired-badge" data-testid="expired">
        expired <When at={apiKey.expiresAt} />
      </span>
    );
  }
  return <When at={apiKey.expiresAt} />;
}

const keyColumns: Column<ApiKey>[] = [
  { header: 'Name', cell: (key) => key.name },
  { header: 'Key', cell: (key) => <code>{key.prefix}…</code> },
  {
    header: 'Scopes',
    cell: (key) =>
      key.scopes.map((scope) => (
        <code key={scope} className="scope">
          {scope}
        </code>
      )),
  },
  { header: 'Created', cell: (key) => <When at={key.createdAt} /> },
  { header: 'Expires', cell: (key) => <Expiry apiKey={key} /> },
  {
    header: 'Last used',
    cell: (key) => (key.lastUsedAt ? <When at={key.lastUsedAt} /> : <span className="muted">never</span>),
  },
];

const noKeys: EmptyState = {
  message: 'No API keys yet.',
  hint: 'A key lets a script or CI job call the API as this workspace, limited to the scopes you tick. Create one above; its secret is shown once.',
  testId: 'no-api-keys',
};

/** Creates API keys (the secret is shown once), lists them and revokes them. */
export function ApiKeysPage() {
  const keys = useResource('api-keys', () => api<{ apiKeys: ApiKey[] }>('/api-keys'));
  const action = useAction();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Set<string>>(new Set(['skills:read']));
  const [expiresInDays, setExpiresInDays] = useState('90');
  const { confirm, dialog } = useConfirm();
  const [created, setCreated] = useState<(ApiKey & { key: string }) | null>(null);

  const create = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      setCreated(
        await api<ApiKey & { key: string }>('/api-keys', {
          method: 'POST',
          body: { name, scopes: [...scopes], ...(expiresInDays && { expiresInDays: Number(expiresInDays) }) },
        }),
      );
      setName('');
      keys.reload();
    });
  };
  const revoke = (key: ApiKey) =>
    action.run(async () => {
      const ok = await confirm({
        title: `Revoke “${key.name}”?`,
        message: 'Anything using it stops working at once. A revoked key cannot be brought back.',
        confirmLabel: 'Revoke key',
      });
      if (!ok) return;
      await api(`/api-keys/${key.id}`, { method: 'DELETE' });
      keys.reload();
    });

  return (
    <>
      <PageHeader title="API keys" />
      <form className="panel stack" onSubmit={create}>
        <h2>New key</h2>
        <label>
          Name
          <input
            name="keyName"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="CI agent"
            required
          />
          <FieldError error={action.error} path="name" />
        </label>
        <fieldset className="scopes">
          <legend>Scopes</legend>
          {apiKeyScopes.map((scope) => (
            <label key={scope} className="checkbox">
              <input
                type="checkbox"
                checked={scopes.has(scope)}
                onChange={() => setScopes((previous) => toggled(previous, scope))}
              />
              <code>{scope}</code>
            </label>
          ))}
          <FieldError error={action.error} path="scopes" />
        </fieldset>
        <label>
          Expires
          <select name="expiresInDays" value={expiresInDays} onChange={(e) => setExpiresInDays(e.target.value)}>
            {expiryChoices.map(([days, label]) => (
              <option key={days} value={days}>
                {label}
              </option>
            ))}
          </select>
          <FieldError error={action.error} path="expiresInDays" />
        </label>
        <div>
          <button type="submit" className="primary" disabled={action.busy || scopes.size === 0}>
            Create key
          </button>
        </div>
      </form>
      {created && (
        <div className="panel secret" aria-live="polite">
          <strong>Copy the key for “{created.name}” now: it is shown only this once.</strong>
          <code className="secret-value" data-testid="new-api-key">
            {created.key}
          </code>
          <div>
            <button type="button" onClick={() => void navigator.clipboard?.writeText(created.key)}>
              Copy
            </button>{' '}
            <button type="button" className="link-button" onClick={() => setCreated(null)}>
              Done
            </button>
          </div>
        </div>
      )}
      <DataTable
        label="API keys"
        rows={keys.data?.apiKeys}
        columns={keyColumns}
        empty={noKeys}
        error={keys.error ?? action.error}
        rowAttributes={(key) => ({ className: key.revokedAt || isExpired(key) ? 'revoked' : undefined })}
        actions={(key) =>
          key.revokedAt || isExpired(key) ? (
            key.revokedAt && (
              <span className="muted">
                revoked <When at={key.revokedAt} />
              </span>
            )
          ) : (
            <button
              type="button"
              className="danger"
              aria-label={`Revoke ${key.name}`}
              onClick={() => void revoke(key)}
              disabled={action.busy}
            >
              Revoke
            </button>
          )
        }
      />
      {dialog}
    </>
  );
}
