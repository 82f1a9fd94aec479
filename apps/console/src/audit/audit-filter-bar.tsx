import { type FormEvent, useEffect, useState } from 'react';
import type { AuditFamilyCounts } from '../api/types.ts';
import { actionFamilies, familyLabels, familyOf } from './action-family.ts';
import { actionPhrases } from './action-phrases.ts';
import type { AuditFilters } from './audit-filters.ts';

/** Someone who can act: a user or an API key, by id. */
export interface ActorOption {
  id: string;
  label: string;
}

const appActions = Object.keys(actionPhrases).filter((action) => familyOf({ action, operation: null }) !== 'other');
const resourceTypes = ['skill', 'user', 'api_key', 'session', 'invitation', 'security_event', 'audit_log'];

/**
 * The audit page's filters: a form for person, action, resource, dates
 * and text (applied together), the family chips with the server's counts
 * and the usage toggle (applied at once). Every change goes to `onChange`,
 * which puts it in the URL.
 */
export function AuditFilterBar({
  filters,
  counts,
  actors,
  onChange,
}: {
  filters: AuditFilters;
  counts: AuditFamilyCounts | null;
  actors: ActorOption[];
  onChange(filters: AuditFilters): void;
}) {
  const [draft, setDraft] = useState(filters);
  const active = [
    filters.q,
    filters.actor,
    filters.action,
    filters.resourceType,
    filters.resourceId,
    filters.from,
    filters.to,
  ].filter(Boolean).length;
  // On a phone the form starts folded (it would push the events off the first screen) unless it holds a filter.
  const [open, setOpen] = useState(() => active > 0 || !window.matchMedia('(max-width: 600px)').matches);
  useEffect(() => setDraft(filters), [filters]);
  const set = (key: keyof AuditFilters) => (e: { target: { value: string } }) =>
    setDraft({ ...draft, [key]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onChange(draft);
  };
  const clear = () =>
    onChange({
      ...draft,
      actor: '',
      action: '',
      resourceType: '',
      resourceId: '',
      from: '',
      to: '',
      q: '',
      family: null,
    });

  return (
    <section className="audit-filters" aria-label="Filters">
      <details className="filter-panel" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
        <summary>Filters{active > 0 && ` (${active} set)`}</summary>
        <form className="filter-form" onSubmit={submit}>
          <label>
            Search
            <input
              type="search"
              value={draft.q}
              onChange={set('q')}
              maxLength={200}
              placeholder="Text in the details"
            />
          </label>
          <label>
            Person or key
            <select value={draft.actor} onChange={set('actor')}>
              <option value="">Anyone</option>
              {actors.map((actor) => (
                <option key={actor.id} value={actor.id}>
                  {actor.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            Action
            <select value={draft.action} onChange={set('action')}>
              <option value="">Any action</option>
              {actionFamilies
                .filter((family) => appActions.some((a) => familyOf({ action: a, operation: null }) === family))
                .map((family) => (
                  <optgroup key={family} label={familyLabels[family]}>
                    {appActions
                      .filter((a) => familyOf({ action: a, operation: null }) === family)
                      .map((action) => (
                        <option key={action} value={action}>
                          {action}: {actionPhrases[action]?.replace(' {resource}', '').replace('{resource}', '…')}
                        </option>
                      ))}
                  </optgroup>
                ))}
            </select>
          </label>
          <label>
            Resource type
            <input
              list="audit-resource-types"
              value={draft.resourceType}
              onChange={set('resourceType')}
              maxLength={100}
            />
            <datalist id="audit-resource-types">
              {resourceTypes.map((type) => (
                <option key={type} value={type} />
              ))}
            </datalist>
          </label>
          <label>
            Resource id
            <input value={draft.resourceId} onChange={set('resourceId')} maxLength={200} />
          </label>
          <label>
            From
            <input type="date" value={draft.from} onChange={set('from')} />
          </label>
          <label>
            To
            <input type="date" value={draft.to} onChange={set('to')} />
          </label>
          <div className="filter-actions">
            <button type="submit">Apply filters</button>
            <button type="button" className="secondary" onClick={clear}>
              Clear
            </button>
          </div>
        </form>
      </details>
      <fieldset className="legend">
        <legend className="visually-hidden">Family</legend>
        {actionFamilies.map((family) => (
          <button
            key={family}
            type="button"
            className={`legend-item family-${family}${filters.family && filters.family !== family ? ' off' : ''}`}
            aria-pressed={filters.family === family}
            data-family={family}
            onClick={() => onChange({ ...filters, family: filters.family === family ? null : family })}
          >
            <span className="swatch" aria-hidden="true" />
            {familyLabels[family]} <span className="count">{counts ? counts[family] : '…'}</span>
          </button>
        ))}
        <label className="checkbox">
          <input
            type="checkbox"
            checked={filters.usage}
            onChange={(e) => onChange({ ...filters, usage: e.target.checked })}
          />
          Show skill-usage row changes
        </label>
      </fieldset>
    </section>
  );
}
